/**
 * Starts the rig host (`hil rig-host`: simulated and QEMU boards) as a process of its own and waits
 * for its ready line. The child watches its standard input: if this process dies, the pipe closes
 * and the host stops. QEMU processes it started are reaped here too, should the host itself die.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopChild } from '../util/child.ts';
import { readEndpoints, type RigEndpoints } from '../config/endpoints.ts';
import type { LoadedRig } from '../config/load.ts';
import { PROJECT_ROOT } from '../util/root.ts';

const HIL_BIN = join(PROJECT_ROOT, 'bin', 'hil.js');
/**
 * The rig host is ready in 1.5-4 s here (its unpowered boards' boots included); on a machine with
 * several times more work than cores it took over 20 s. A host that never gets ready is rare and is
 * "cannot run", so the bound is generous.
 */
const READY_DEADLINE_MS = 60_000;

export interface RigHostProcess {
  endpoints: RigEndpoints;
  endpointsFile: string;
  stop(): Promise<void>;
}

/** Without `stateDir`, a temporary folder of its own, removed when the host stops. */
export async function startRigHost(rigFile: string, stateDir?: string): Promise<RigHostProcess> {
  const ownState = stateDir === undefined;
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), 'hil-rig-host-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [HIL_BIN, 'rig-host', '--rig', rigFile, '--state', dir, '--watch-stdin'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 8192) stderr += chunk.toString();
  });
  let pidFile: string | undefined;
  const stop = async () => {
    await stopChild(child, 5000);
    if (pidFile) reapQemu(pidFile);
    if (ownState) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ready = await new Promise<{ endpointsFile: string } & RigEndpoints>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`rig host not ready within ${READY_DEADLINE_MS} ms: ${stderr.trim()}`)),
        READY_DEADLINE_MS,
      );
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', (line) => {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line) as { endpointsFile: string } & RigEndpoints);
        } catch {
          reject(new Error(`rig host said ${JSON.stringify(line.slice(0, 200))} instead of its ready line`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`rig host exited (${code}) before it was ready: ${stderr.trim()}`));
      });
    });
    pidFile = ready.pidFile;
    return { endpoints: ready, endpointsFile: ready.endpointsFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Kill QEMU processes a dead host left behind (checking each pid is still a QEMU, not a reused pid). */
function reapQemu(pidFile: string): void {
  let pids: number[];
  try {
    pids = readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('qemu')) continue;
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * The rig host for a rig: one already running (`hil rig-host`, named by HIL_ENDPOINTS) is used as it
 * is, a bench whose relays and supplies outlive one run as real ones do; otherwise one of its own.
 */
export async function rigHostFor(rig: LoadedRig): Promise<RigHostProcess> {
  const file = process.env.HIL_ENDPOINTS;
  if (!file) return startRigHost(rig.file);
  const endpoints = readEndpoints(file);
  if (endpoints.rig !== rig.config.name)
    throw new Error(`${file} is the rig host of rig ${endpoints.rig}, not ${rig.config.name}`);
  return { endpoints, endpointsFile: file, stop: async () => undefined };
}
