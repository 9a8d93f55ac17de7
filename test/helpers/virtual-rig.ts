/** Starts a virtual rig process for a test and opens its boards the way suites do. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Board } from '../../harness/board.ts';
import { loadRig, type LoadedRig } from '../../harness/config/load.ts';
import { Rig } from '../../harness/power/registry.ts';
import { startRigHost, type RigHostProcess } from '../../harness/runner/rig-host.ts';

export interface TestRig {
  rig: LoadedRig;
  process: RigHostProcess;
  open(board: string, logDir: string): Promise<Board>;
  stop(): Promise<void>;
}

export async function testRig(file: string): Promise<TestRig> {
  const rig = loadRig(file, Rig);
  const process = await startRigHost(rig.file, mkdtempSync(join(tmpdir(), 'hil-test-rig-')));
  return {
    rig,
    process,
    open: (name, logDir) =>
      Board.open({ rig, name, logDir, logName: 'console', endpoints: process.endpoints.boards[name] }),
    stop: () => process.stop(),
  };
}
