/**
 * One run at a time per board: a lock file per board holding the owner's pid and that process's
 * start time, so a nightly run and a desk session never drive the same board. The file appears
 * whole or not at all (written aside, then hard-linked into place, which fails if it exists), so no
 * reader ever sees an empty lock. A lock whose owner is gone (no such pid, or a pid reused by a
 * process that started later) is stale and is taken over.
 */
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BoardLock {
  /** The processes working for the holder (its suites): the lock is not stale while any of them lives. */
  note(children: number[]): void;
  release(): void;
}

interface Process {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), where known. */
  start?: string;
}
interface Holder extends Process {
  since: string;
  children?: Process[];
}

/** A process's state letter and start time (/proc/<pid>/stat fields 3 and 22), where /proc has them. */
function stat(pid: number): { state: string; start: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces: count from after its close.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, start: fields[19]! };
  } catch {
    return undefined;
  }
}

/** A process's start time, which tells it apart from a later process that got the same pid. */
const startTime = (pid: number) => stat(pid)?.start;

function running(p: Process): boolean {
  try {
    process.kill(p.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = stat(p.pid);
  // A zombie (exited, not yet reaped by whoever inherited it) holds nothing.
  if (now && (now.state === 'Z' || now.state === 'X')) return false;
  return p.start === undefined || now === undefined || now.start === p.start;
}

/** Whether a process runs: not gone, not a zombie nobody has reaped yet. */
export const processRunning = (pid: number): boolean => running({ pid });

/** A lock is held while its holder, or any process it noted (a suite of a killed run), still runs. */
const alive = (holder: Holder) => running(holder) || (holder.children ?? []).some(running);

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
        return {
          note: (children) => {
            const next: Holder = { ...mine, children: children.map((pid) => ({ pid, start: startTime(pid) })) };
            writeFileSync(aside, JSON.stringify(next));
            renameSync(aside, file);
          },
          release: () => rmSync(file, { force: true }),
        };
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
        // The runner holds the lock for the suites it starts, and names them in it.
        const ours = holder.pid === options.heldBy || holder.children?.some((c) => c.pid === process.pid);
        if (ours) return { note: () => undefined, release: () => undefined };
        const owner = running(holder)
          ? `process ${holder.pid}`
          : `suite process ${holder.children?.find(running)?.pid} of a run that ended (process ${holder.pid})`;
        throw new BoardLockedError(
          `board ${board} of rig ${rig} is in use by ${owner} since ${holder.since ?? '?'} (lock ${file})`,
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

/** The board's lock, waiting up to `waitMs` for its holder to let go; says once who holds it. */
export async function lockBoardWaiting(
  rig: string,
  board: string,
  waitMs: number,
  say: (text: string) => void,
  stop: () => boolean = () => false,
): Promise<BoardLock> {
  const deadline = Date.now() + waitMs;
  let said = false;
  for (;;) {
    try {
      return lockBoard(rig, board);
    } catch (error) {
      if (!(error instanceof BoardLockedError)) throw error;
      if (Date.now() >= deadline || stop())
        throw new BoardLockedError(`${error.message} (waited ${Math.round(waitMs / 1000)} s)`, error.holder);
      if (!said) say(`waiting up to ${Math.round(waitMs / 1000)} s: ${error.message}`);
      said = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
