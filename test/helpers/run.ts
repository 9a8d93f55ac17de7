/** `hil run` as a user runs it, and reading what it wrote: the exit code, stderr, summary.json. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

export function hilRun(args: string[], out: string, env: NodeJS.ProcessEnv = {}, timeout = 300_000): RunResult {
  const run = spawnSync(process.execPath, ['bin/hil.js', 'run', ...args, '--out', out], {
    encoding: 'utf8',
    timeout,
    // A fuzz campaign's default minute a board is for people; tests that want more say so.
    env: { ...process.env, HIL_FUZZ_SECONDS: '3', ...env },
  });
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
  const result = (board: string, suite?: string) => {
    const found = summary.results.find((r) => r.board === board && (suite === undefined || r.suite === suite));
    if (!found) throw new Error(`no result for ${board}${suite ? ` / ${suite}` : ''}`);
    return found;
  };
  const checksOf = (board: string) => summary.results.filter((r) => r.board === board).flatMap((r) => r.checks);
  return {
    status: run.status,
    stderr: run.stderr,
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
