/**
 * One suite on one board, as a process of its own (a suite that crashes takes nothing else with it).
 * It is started ahead of its turn: while the suite before it still has the board (or the run's
 * prelude still starts the rig host), it loads its modules and the rig, then waits on stdin for one
 * line, `{"endpoints": FILE}`, its go. The board is its own only from then, and so are its deadline
 * and its time. Its TAP streams to `<out>/<board>/<suite>.tap` as it arrives.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { stopChild } from '../util/child.ts';
import type { LoadedRig } from '../config/load.ts';
import type { KnownState } from '../known-state.ts';
import { nodeArgsFor, PROJECT_ROOT } from '../util/root.ts';
import { checkId, type SuiteSpec } from '../suite.ts';
import type { RunGuard } from './guard.ts';
import type { BoardLock } from './lock.ts';
import type { Progress } from './progress.ts';
import type { SuiteResult } from './summary.ts';
import { type Check, countVerdicts, tapResults } from './tap-results.ts';

export interface SuiteJob {
  rig: LoadedRig;
  board: string;
  suite: string;
  spec: SuiteSpec;
  file: string;
  outDir: string;
  seed: number;
  deadlineMs: number;
  progress: Progress;
  children: Set<ReturnType<typeof spawn>>;
  /** The board's lock, which names the suite process while it runs (it must not outlive the run). */
  lock: BoardLock;
}

/** What the suite's go carries: what the runner knows only once its prelude is done. */
export interface SuiteGo {
  endpointsFile?: string;
  guard: RunGuard;
  /** What the board's suite before this one left it in (unknown for a board's first suite). */
  board: KnownState;
}

/** What a suite found, and what it left the board in for the next (unknown unless it ended well and said). */
export interface SuiteDone {
  result: SuiteResult;
  boardLeft: KnownState;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Start the suite's process, which waits for `go`; `go` runs the suite and says what it found. */
export function startSuite(job: SuiteJob): { go: (go: SuiteGo) => Promise<SuiteDone> } {
  const boardDir = join(job.outDir, job.board);
  const tapFile = join(boardDir, `${job.suite}.tap`);
  // Its files are written from its go: a run that stops before then started no suite.
  const tap = new HeldStream(tapFile);
  const stderr = new HeldStream(join(boardDir, `${job.suite}.stderr.log`));
  const { parser, done } = tapResults(
    (check) => job.progress.check(job.board, job.suite, check),
    (text) => job.progress.info(`  ${job.board} ... ${text}`),
  );
  // The suite watches its stdin: when this process dies, the pipe closes and the suite stops.
  const child = spawn(process.execPath, nodeArgsFor(job.file), {
    cwd: PROJECT_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HIL_RIG: resolve(job.rig.file),
      HIL_BOARD: job.board,
      HIL_RUN_DIR: job.outDir,
      HIL_SEED: String(job.seed),
      HIL_WATCH_STDIN: '1',
    },
  });
  job.children.add(child);
  child.stdin.on('error', () => undefined); // a suite that died before its go: its exit says so
  child.stdout.on('data', (chunk: Buffer) => {
    tap.write(chunk);
    parser.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => stderr.write(chunk));
  const exited = new Promise<Exit>((resolveExit) => {
    child.on('close', (code, signal) => resolveExit({ code, signal }));
    child.on('error', (error) => {
      stderr.write(Buffer.from(String(error)));
      resolveExit({ code: -1, signal: null });
    });
  });

  const go = async ({ endpointsFile, guard, board }: SuiteGo): Promise<SuiteDone> => {
    job.progress.suiteStart(job.board, job.suite);
    const started = new Date();
    const guardPid = guard.pid === undefined ? [] : [guard.pid];
    if (child.pid !== undefined) {
      job.lock.note([...guardPid, child.pid]);
      guard.suiteStarted(child.pid);
    }
    mkdirSync(boardDir, { recursive: true });
    tap.open();
    stderr.open();
    child.stdin.write(`${JSON.stringify({ endpoints: endpointsFile, board })}\n`);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void stopChild(child, 5000);
    }, job.deadlineMs);
    const exit = await exited;
    clearTimeout(timer);
    const ms = Date.now() - started.getTime();
    job.children.delete(child);
    job.lock.note(guardPid);
    parser.end();
    const outcome = await done;
    await Promise.all([tap.end(), stderr.end()]);

    let error: string | undefined;
    if (timedOut) error = `suite did not finish within ${job.deadlineMs} ms and was stopped`;
    else if (outcome.bailout) error = `suite bailed out: ${outcome.bailout}`;
    else if (!outcome.complete) {
      error = `suite process exited with ${exit.code ?? exit.signal} before finishing its TAP plan; see ${job.suite}.stderr.log`;
    } else if (exit.signal || (exit.code !== 0 && !(exit.code === 1 && outcome.checks.some(failedPoint)))) {
      // tap exits 1 for failed points (inconclusive ones included); anything else is the process dying.
      error = `suite process exited with ${exit.code ?? exit.signal}; see ${job.suite}.stderr.log`;
    }
    // Every declared check is in the result: one the suite never reported could not be tested.
    const seen = new Set(outcome.checks.map((c) => c.id));
    const notRun: Check[] = Object.entries(job.spec.checks)
      .filter(([id]) => !seen.has(checkId(job.spec.name, id)))
      .map(([id, check]) => ({
        id: checkId(job.spec.name, id),
        title: check.title,
        verdict: 'inconclusive',
        reason: `not run: ${error ?? `the suite exited with ${exit.code ?? exit.signal} without reporting it`}`,
        provisions: check.provisions,
        evidence: {},
      }));
    for (const check of notRun) job.progress.check(job.board, job.suite, check);
    const checks = [...outcome.checks, ...notRun];
    const result: SuiteResult = {
      board: job.board,
      suite: job.suite,
      ...countVerdicts(checks),
      tap: relative(job.outDir, tapFile),
      console: join(job.board, `${job.suite}.log`),
      started: started.toISOString(),
      ms,
      ...(error ? { error } : {}),
      ...(outcome.firmware ? { firmware: outcome.firmware } : {}),
      checks,
    };
    job.progress.suiteEnd(result);
    return { result, boardLeft: error ? 'unknown' : outcome.boardLeft };
  };
  return { go };
}

/** A file that takes writes before it exists, held in memory (bounded) until it is opened. */
class HeldStream {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private stream: WriteStream | undefined;

  constructor(private readonly path: string) {}

  write(chunk: Buffer): void {
    if (this.stream) this.stream.write(chunk);
    else if (this.heldBytes < HELD_LIMIT) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
    }
  }

  open(): void {
    this.stream = createWriteStream(this.path);
    for (const chunk of this.held.splice(0)) this.stream.write(chunk);
  }

  end(): Promise<void> {
    return new Promise((resolveEnd) => (this.stream ? this.stream.end(resolveEnd) : resolveEnd()));
  }
}

/** What a suite may say before its go (a version line, a crash at load), kept at most. */
const HELD_LIMIT = 1 << 20;

const failedPoint = (check: Check) => check.verdict === 'fail' || check.verdict === 'inconclusive';
