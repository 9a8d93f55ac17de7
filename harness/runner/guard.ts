/**
 * The run's guard: a small process started with each run that puts the bench at rest should the
 * runner die without doing it (kill -9, the OOM killer) at a moment no suite is watching, such as
 * between two suites, when the last one has left the board powered. It runs in a process group of
 * its own, so a signal to the run's group does not take it too, and reads the runner's pipe:
 * `suite <pid>` as each suite starts, `done` once the runner has put the bench at rest itself.
 * The pipe closing without `done` means the runner is gone: the guard waits for the suites it was
 * told of to end (each puts its own board at rest first, and a serial supply opens only once), then
 * puts every board of the run at rest through fresh drivers and says so in the run's `guard.log`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadRig } from '../config/load.ts';
import { Rig } from '../power/registry.ts';
import { nodeArgsFor } from '../util/root.ts';
import { type RigEndpoints, readEndpoints } from '../config/endpoints.ts';
import { boardToSafeState } from '../safe-state.ts';
import { processRunning } from './lock.ts';

/** How long a suite of a dead run gets to put its own board at rest before the guard goes ahead. */
export const SUITE_GRACE_MS = 30_000;

export interface RunGuard {
  readonly pid: number | undefined;
  suiteStarted(pid: number): void;
  /** The runner has put the bench at rest: the guard ends without touching it. */
  done(): Promise<void>;
}

export function startGuard(run: {
  rigFile: string;
  boards: string[];
  outDir: string;
  endpointsFile?: string;
}): RunGuard {
  const child: ChildProcess = spawn(process.execPath, nodeArgsFor(fileURLToPath(import.meta.url)), {
    stdio: ['pipe', 'ignore', 'inherit'],
    detached: true,
    env: {
      ...process.env,
      HIL_RIG: run.rigFile,
      HIL_GUARD_BOARDS: JSON.stringify(run.boards),
      HIL_RUN_DIR: run.outDir,
      ...(run.endpointsFile ? { HIL_ENDPOINTS: run.endpointsFile } : {}),
    },
  });
  // A guard that could not start costs the run nothing but this safety net.
  child.on('error', () => undefined);
  child.stdin!.on('error', () => undefined);
  return {
    pid: child.pid,
    suiteStarted: (pid) => child.stdin!.write(`suite ${pid}\n`),
    done: async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end('done\n');
      await exited;
    },
  };
}

/** A rig host's endpoints; one started by the dead run stopped with it and left none. */
function hostEndpoints(file: string | undefined): RigEndpoints['boards'] {
  try {
    return file ? readEndpoints(file).boards : {};
  } catch {
    return {};
  }
}

async function guard(): Promise<void> {
  const suites = new Set<number>();
  let done = false;
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'done') done = true;
    const suite = /^suite (\d+)$/.exec(line);
    if (suite) suites.add(Number(suite[1]));
  }
  if (done) return;
  const log = (text: string) => {
    const line = `${new Date().toISOString()} ${text}\n`;
    process.stderr.write(`hil guard: ${text}\n`);
    try {
      appendFileSync(join(process.env.HIL_RUN_DIR!, 'guard.log'), line);
    } catch {
      // the run's folder is gone: stderr has it
    }
  };
  const until = Date.now() + SUITE_GRACE_MS;
  while ([...suites].some(processRunning) && Date.now() < until) await sleep(100);
  const rig = loadRig(process.env.HIL_RIG!, Rig);
  const endpoints = hostEndpoints(process.env.HIL_ENDPOINTS);
  const state = rig.config['safe-state'] ?? 'off';
  log(`the run ended without putting the bench at rest: boards to the safe state (${state})`);
  for (const board of JSON.parse(process.env.HIL_GUARD_BOARDS!) as string[]) {
    await boardToSafeState(rig, board, endpoints[board])
      .then(() => log(`${board}: at rest`))
      .catch((error: Error) => log(`${board}: could not put it at rest: ${error.message}`));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stderr.on('error', () => undefined);
  await guard();
}
