/**
 * One run at a time per board: a lock file per board (created exclusively) holding the owner's pid,
 * so a nightly run and a desk session never drive the same board. A lock whose owner is dead is stale
 * and is taken over.
 */
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BoardLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockBoard(
  rig: string,
  board: string,
  dir = process.env.HIL_LOCK_DIR ?? join(tmpdir(), 'hil-locks'),
): BoardLock {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${rig}--${board}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
      closeSync(fd);
      return { release: () => rmSync(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner: { pid?: number; since?: string } = {};
      try {
        owner = JSON.parse(readFileSync(file, 'utf8')) as typeof owner;
      } catch {
        // unreadable: treat as stale
      }
      if (owner.pid !== undefined && alive(owner.pid)) {
        throw new Error(
          `board ${board} of rig ${rig} is in use by process ${owner.pid} since ${owner.since ?? '?'} (lock ${file})`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot lock board ${board} (${file})`);
}
