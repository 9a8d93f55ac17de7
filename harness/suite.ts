/**
 * What a suite file gets: `useBoard(t)` connects to the board this run is testing (from HIL_RIG,
 * HIL_BOARD, HIL_RUN_DIR, HIL_ENDPOINTS set by `hil run`) and returns it with `check` and `skip`,
 * which put provisions and evidence on every assertion. Run on its own (node --import tsx
 * suites/x.ts), a suite uses rigs/virtual.yaml's first board and starts the virtual rig itself.
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
  teardown(fn: () => unknown): void;
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
  seed: number;
  check(name: string, ok: boolean, detail: CheckDetail): boolean;
  /** A check that cannot be made on this board: reported as skipped with the reason, never passed. */
  skip(name: string, reason: string, provisions: string[]): void;
}

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function useBoard(t: TapTest): Promise<SuiteContext> {
  const suite = basename(process.argv[1] ?? 'suite').replace(/\.[cm]?[jt]s$/, '');
  try {
    const rig = loadRig(process.env.HIL_RIG ?? join(PROJECT_ROOT, 'rigs', 'virtual.yaml'));
    const name = process.env.HIL_BOARD ?? Object.keys(rig.config.boards)[0]!;
    const runDir = resolve(process.env.HIL_RUN_DIR ?? mkdtempSync(join(tmpdir(), `hil-${suite}-`)));
    let endpoints: BoardEndpoints | undefined;
    if (needsRigHost(rig.config)) {
      let file = process.env.HIL_ENDPOINTS;
      if (!file) {
        const started = await startVirtualRig(rig.file, mkdtempSync(join(tmpdir(), 'hil-virtual-')));
        t.teardown(() => started.stop());
        file = started.endpointsFile;
        t.comment(`started the virtual rig for this suite; logs in ${runDir}`);
      }
      endpoints = readEndpoints(file).boards[name];
    }
    const board = await Board.open({ rig, name, logDir: join(runDir, name), logName: suite, endpoints });
    t.teardown(() => board.close());
    const seed = Number(process.env.HIL_SEED ?? 1);
    return {
      board,
      rig,
      seed,
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
    // Nothing can be checked without the board: say why in the TAP stream (the runner reports it).
    const known = error instanceof HilError || error instanceof ConfigError;
    if (!known) process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    t.bailout(`cannot test: ${(error as Error).message.replace(/\n/g, ' | ')}`);
    throw error;
  }
}
