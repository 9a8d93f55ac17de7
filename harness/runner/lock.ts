/**
 * One run at a time per board: a lock file per board holding the owner's pid and that process's
 * start time, so a nightly run and a desk session never drive the same board. The file appears
 * whole or not at all (written aside, then hard-linked into place, which fails if it exists), so no
 * reader ever sees an empty lock. A lock whose owner is gone (no such pid, or a pid reused by a
 * process that started later) is stale and is taken over, by one process at a time (removeStale).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

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

/** A file's text, or undefined if it is not there. */
function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const holder = JSON.parse(text) as Holder;
    return typeof holder?.pid === 'number' ? holder : undefined;
  } catch {
    return undefined; // not a file this harness wrote: stale
  }
}

/**
 * The claim on removing `path` (the lock or a claim beside it) while it holds `text`; exported for
 * the tests. Named by the base name, which every process agrees on however it spells the folder.
 */
export function claimFile(lockFile: string, path: string, text: string): string {
  const hash = createHash('sha256').update(basename(path)).update('\0').update(text).digest('hex');
  return `${lockFile}.takeover-${hash.slice(0, 16)}`;
}

/**
 * Removes `path` if it still holds `text`, whose writer is gone. Removing by name would remove
 * whatever is there by then, perhaps a lock another racer has just put in its place, so the remover
 * first takes a claim: a file named by `path` and `text`, hard-linked from `mine` (the taker's own
 * lock text), which only one process at a time can make. Under the claim `path` is read again; no
 * one else removes it meanwhile, and a live lock's text is never a stale one's (its pid and start
 * time are those of a process that runs). A claim whose taker died is stale too, removed the same
 * way. Returns the live process holding the claim, if there is one.
 */
function removeStale(lockFile: string, path: string, text: string, mine: string, depth = 0): Holder | undefined {
  if (depth > 8) throw new Error(`cannot take over ${lockFile}: too many abandoned takeovers`);
  const claim = claimFile(lockFile, path, text);
  for (;;) {
    try {
      linkSync(mine, claim);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const claimed = readIfThere(claim);
    if (claimed === undefined) continue; // its taker has just let go: claim it again
    const taker = parseHolder(claimed);
    if (taker && running(taker)) return taker;
    const busy = removeStale(lockFile, claim, claimed, mine, depth + 1);
    if (busy) return busy;
  }
  try {
    if (readIfThere(path) === text) rmSync(path, { force: true });
  } finally {
    rmSync(claim, { force: true });
  }
  return undefined;
}

export function lockBoard(rig: string, board: string, options: { dir?: string; heldBy?: number } = {}): BoardLock {
  const dir = options.dir ?? process.env.HIL_LOCK_DIR ?? join(tmpdir(), 'hil-locks');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${rig}--${board}.lock`);
  const mine: Holder = { pid: process.pid, start: startTime(process.pid), since: new Date().toISOString() };
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, JSON.stringify(mine));
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
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
      const text = readIfThere(file);
      if (text === undefined) continue;
      const holder = parseHolder(text);
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
      const taker = removeStale(file, file, text, aside);
      if (taker)
        throw new BoardLockedError(
          `board ${board} of rig ${rig} is being taken over by process ${taker.pid} (its lock was stale; lock ${file})`,
          taker,
        );
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
      await sleep(250);
    }
  }
}
