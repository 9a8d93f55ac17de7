/** `hil run` as a user runs it, and reading what it wrote: the exit code, stderr, summary.json. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary, SuiteResult } from '../../harness/runner/summary.ts';
import type { Check } from '../../harness/runner/tap-results.ts';
import type { Verdict } from '../../harness/verdict.ts';

export interface RunResult {
  status: number | null;
  stderr: string;
  summary: RunSummary;
  result(board: string, suite?: string): SuiteResult;
  check(board: string, id: string): Check;
  /** Check ids on a board with this verdict, sorted. */
  having(board: string, verdict: Verdict): string[];
}

// A fuzz campaign's default minute a board is for people; tests that want more say so.
const runEnv = (env: NodeJS.ProcessEnv) => ({ ...process.env, HIL_FUZZ_SECONDS: '3', ...env });

export function hilRun(args: string[], out: string, env: NodeJS.ProcessEnv = {}, timeout = 300_000): RunResult {
  const run = spawnSync(process.execPath, ['bin/hil.js', 'run', ...args, '--out', out], {
    encoding: 'utf8',
    timeout,
    env: runEnv(env),
  });
  return readRun(out, run.status, run.stderr);
}

/**
 * hilRun without blocking, so that runs go side by side: each gets a lock folder of its own (two
 * runs of one rig would otherwise find each other's boards locked; each starts its own rig host).
 */
export function hilRunAside(args: string[], out: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const locks = mkdtempSync(join(tmpdir(), 'hil-test-locks-'));
  const child = spawn(process.execPath, ['bin/hil.js', 'run', ...args, '--out', out], {
    env: runEnv({ HIL_LOCK_DIR: locks, ...env }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve(readRun(out, status, stderr)));
  });
}

function readRun(out: string, status: number | null, stderr: string): RunResult {
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
  const result = (board: string, suite?: string) => {
    const found = summary.results.find((r) => r.board === board && (suite === undefined || r.suite === suite));
    if (!found) throw new Error(`no result for ${board}${suite ? ` / ${suite}` : ''}`);
    return found;
  };
  const checksOf = (board: string) => summary.results.filter((r) => r.board === board).flatMap((r) => r.checks);
  return {
    status,
    stderr,
    summary,
    result,
    check: (board, id) => {
      const found = checksOf(board).find((c) => c.id === id);
      if (!found) throw new Error(`no check ${id} on ${board}`);
      return found;
    },
    having: (board, verdict) =>
      checksOf(board)
        .filter((c) => c.verdict === verdict)
        .map((c) => c.id)
        .sort(),
  };
}
