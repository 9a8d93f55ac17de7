/**
 * One run at a time per board: a lock file per board holding the owner's pid and that process's
 * start time, so a nightly run and a desk session never drive the same board. The file appears
 * whole or not at all (written aside, then hard-linked into place, which fails if it exists), so no
 * reader ever sees an empty lock. A lock whose owner is gone (no such pid, or a pid reused by a
 * process that started later) is stale and is taken over.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BoardLock {
  release(): void;
}

interface Holder {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), where known. */
  start?: string;
  since: string;
}

/** A process's start time, which tells it apart from a later process that got the same pid. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces: count from after its close.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime(holder.pid);
  return holder.start === undefined || now === undefined || now === holder.start;
}

export class BoardLockedError extends Error {
  constructor(
    message: string,
    readonly holder: Holder,
  ) {
    super(message);
  }
}

export function lockBoard(rig: string, board: string, options: { dir?: string; heldBy?: number } = {}): BoardLock {
  const dir = options.dir ?? process.env.HIL_LOCK_DIR ?? join(tmpdir(), 'hil-locks');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${rig}--${board}.lock`);
  const mine: Holder = { pid: process.pid, start: startTime(process.pid), since: new Date().toISOString() };
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, JSON.stringify(mine));
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(aside, file);
        return { release: () => rmSync(file, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder: Holder | undefined;
      try {
        holder = JSON.parse(readFileSync(file, 'utf8')) as Holder;
      } catch {
        // not a lock this harness wrote: stale
      }
      if (holder && alive(holder)) {
        // The runner holds the lock for the suites it starts.
        if (holder.pid === options.heldBy) return { release: () => undefined };
        throw new BoardLockedError(
          `board ${board} of rig ${rig} is in use by process ${holder.pid} since ${holder.since ?? '?'} (lock ${file})`,
          holder,
        );
      }
      rmSync(file, { force: true });
    }
    throw new Error(`cannot lock board ${board} (${file})`);
  } finally {
    rmSync(aside, { force: true });
  }
}
