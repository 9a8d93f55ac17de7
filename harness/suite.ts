/**
 * What a suite file gets: `useBoard(t, body)` connects to the board this run is testing (from
 * HIL_RIG, HIL_BOARD, HIL_RUN_DIR, HIL_ENDPOINTS set by `hil run`) and gives the body the board with
 * `check` and `skip`, which put provisions and evidence on every assertion. Run on its own
 * (node --import tsx suites/x.ts), a suite uses rigs/virtual.yaml's first board and starts the
 * rig host itself.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Board } from './board.ts';
import { readEndpoints, type BoardEndpoints } from './config/endpoints.ts';
import { loadRig, needsRigHost, type LoadedRig } from './config/load.ts';
import { ConfigError, HilError } from './errors.ts';
import { cleanEvidence, type Evidence } from './evidence.ts';
import { startVirtualRig } from './runner/virtual-process.ts';

/** The part of a node-tap Test that suites use here. */
export interface TapTest {
  ok(value: unknown, message: string, extra: Record<string, unknown>): boolean;
  bailout(message?: string): void;
  comment(...args: unknown[]): void;
}

export interface CheckDetail {
  /** ETSI EN 303 645 provision ids this check gives evidence for, e.g. "5.6-4". */
  provisions: string[];
  evidence: Evidence;
}

export interface SuiteContext {
  board: Board;
  rig: LoadedRig;
  /** Where the rig host put this board's devices (virtual and QEMU boards). */
  endpoints: BoardEndpoints | undefined;
  seed: number;
  check(name: string, ok: boolean, detail: CheckDetail): boolean;
  /** A check that cannot be made on this board: reported as skipped with the reason, never passed. */
  skip(name: string, reason: string, provisions: string[]): void;
}

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Connect to the board, run the suite's checks, and release everything afterwards (console, power,
 * a rig host started here) whatever happens. The body is a callback, not a teardown hook: tap ends
 * a test with teardown hooks as soon as it looks idle, which a suite waiting on a board often does.
 */
export async function useBoard(t: TapTest, body: (context: SuiteContext) => Promise<void>): Promise<void> {
  const suite = basename(process.argv[1] ?? 'suite').replace(/\.[cm]?[jt]s$/, '');
  const cleanups: (() => Promise<void>)[] = [];
  let context: SuiteContext;
  try {
    const rig = loadRig(process.env.HIL_RIG ?? join(PROJECT_ROOT, 'rigs', 'virtual.yaml'));
    const name = process.env.HIL_BOARD ?? Object.keys(rig.config.boards)[0]!;
    const runDir = resolve(process.env.HIL_RUN_DIR ?? mkdtempSync(join(tmpdir(), `hil-${suite}-`)));
    let endpoints: BoardEndpoints | undefined;
    if (needsRigHost(rig.config)) {
      let file = process.env.HIL_ENDPOINTS;
      if (!file) {
        const started = await startVirtualRig(rig.file, mkdtempSync(join(tmpdir(), 'hil-virtual-')));
        cleanups.push(() => started.stop());
        file = started.endpointsFile;
        t.comment(`started the rig host for this suite; logs in ${runDir}`);
      }
      endpoints = readEndpoints(file).boards[name];
    }
    const board = await Board.open({ rig, name, logDir: join(runDir, name), logName: suite, endpoints });
    cleanups.unshift(() => board.close());
    context = {
      board,
      rig,
      endpoints,
      seed: Number(process.env.HIL_SEED ?? 1),
      check: (checkName, ok, detail) =>
        t.ok(ok, checkName, {
          diagnostic: true,
          at: null,
          stack: null,
          provisions: detail.provisions,
          evidence: cleanEvidence({ ...detail.evidence, log: board.console.logPath }, rig.redactor),
        }),
      skip: (checkName, reason, provisions) => {
        t.ok(false, checkName, { skip: reason, diagnostic: true, at: null, stack: null, provisions });
      },
    };
  } catch (error) {
    await release(cleanups);
    // Nothing can be checked without the board: say why in the TAP stream (the runner reports it).
    const known = error instanceof HilError || error instanceof ConfigError;
    if (!known) process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    t.bailout(`cannot test: ${(error as Error).message.replace(/\n/g, ' | ')}`);
    throw error;
  }
  try {
    await body(context);
  } finally {
    await release(cleanups);
  }
}

async function release(cleanups: (() => Promise<void>)[]): Promise<void> {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
}
