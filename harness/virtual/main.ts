/**
 * `hil rig-host --rig FILE`: the rig host, its virtual and QEMU boards as a process of their own. Prints one JSON line with the
 * endpoints when every device is ready, writes the same to `<state>/endpoints.json` (the file a
 * suite run on its own reads through HIL_ENDPOINTS), and runs until SIGINT/SIGTERM, or, with
 * --watch-stdin, until its standard input closes (the harness that started it has gone).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedRig } from '../config/load.ts';
import { RigHost } from './rig-host.ts';
import type { TwinCatalog } from './twin.ts';

export async function runRigHost(options: {
  /** A rig with virtual or QEMU boards (needsRigHost). */
  rig: LoadedRig;
  state?: string;
  /** Stop when standard input ends: how a harness that started this host ties it to its own life. */
  watchStdin: boolean;
  twins: TwinCatalog;
}): Promise<void> {
  const { rig } = options;
  const stateDir = options.state ?? mkdtempSync(join(tmpdir(), `hil-rig-host-${rig.config.name}-`));
  mkdirSync(stateDir, { recursive: true });
  const { rig: running, endpoints } = await RigHost.start(rig, stateDir, options.twins);
  const endpointsFile = join(stateDir, 'endpoints.json');
  writeFileSync(endpointsFile, JSON.stringify(endpoints, null, 2));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.close();
    rmSync(endpointsFile, { force: true });
    if (!options.state) rmSync(stateDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (options.watchStdin) {
    process.stdin.on('end', () => void stop());
    process.stdin.on('error', () => void stop());
    process.stdin.resume();
  }
  process.stdout.write(`${JSON.stringify({ ready: true, endpointsFile, ...endpoints })}\n`);
}
