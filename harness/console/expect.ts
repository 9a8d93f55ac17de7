/**
 * expect() on a console's lines: a pattern waited for with a deadline, looked for in the history
 * from the cursor (or from a mark of the reader's own), in each line as it ends, and in the
 * unfinished line as bytes arrive. A crash signature fails the wait the moment it appears.
 *
 * A deadline counts the board's own running time: while a debugger holds the core halted (coverage
 * breakpoints, each a halt of a few milliseconds, thousands on a first pass through a large build),
 * the firmware cannot answer, and those milliseconds are added to the wait as they are spent
 * (`haltClock`), up to HALT_GRACE times the deadline itself.
 */
import { type Deadline, deadlineTimer } from '../util/deadline.ts';
import type { HilError } from '../util/errors.ts';
import type { CrashWatch } from './crash-watch.ts';
import { escapeBytes, matchableText } from './escape.ts';
import type { LineHistory } from './history.ts';

export interface ExpectOptions {
  timeout: number;
  step: string;
  /** Treat crash signatures as ordinary lines (for checks that provoke a crash on purpose). */
  allowCrash?: boolean;
  /**
   * Look from this line on (a mark taken earlier) rather than after the newest match: lines that
   * arrived while another exchange read the console still count (a boot under a cut command).
   */
  since?: number;
  /** Gives up when this aborts (a boot began under the wait): the failure names the reason. */
  signal?: AbortSignal;
}

export interface LineMatch {
  line: string;
  match: RegExpExecArray;
  /** The sequence number of the line (see mark()). */
  index: number;
}

/** A wait is stretched by the core's halts at most this many times its own deadline. */
const HALT_GRACE = 10;

interface Waiter {
  pattern: RegExp;
  options: ExpectOptions;
  resolve: (m: LineMatch) => void;
  reject: (e: Error) => void;
  timer: Deadline;
  unlisten?: () => void;
}

export class LineWaits {
  private waiters = new Set<Waiter>();
  /** Milliseconds the core has stood halted by the harness so far (see the file's comment). */
  haltClock: () => number = () => 0;

  constructor(
    private readonly history: LineHistory,
    private readonly crashWatch: CrashWatch,
    /** The console's failure: board, step, expected, seen, and where the log is. */
    private readonly failure: (step: string, expected: string, seen: string) => HilError,
    /** Whether the port is there: what a deadline that saw nothing says. */
    private readonly connected: () => boolean,
  ) {}

  /** Wait for a line (or the unfinished last line, e.g. a prompt) matching `pattern`. */
  expect(pattern: RegExp, options: ExpectOptions): Promise<LineMatch> {
    const interrupted = () => this.failure(options.step, `a line matching ${pattern}`, `${options.signal?.reason}`);
    // Called off already: nothing in the history is used up (it may be the next boot's).
    if (options.signal?.aborted) return Promise.reject(interrupted());
    const from = options.since ?? this.history.cursor;
    for (const line of this.history.lines) {
      if (line.index < from) continue;
      const outcome = this.judge(line.text, line.index, pattern, options);
      if (outcome instanceof Error) return Promise.reject(outcome);
      if (outcome) return Promise.resolve(outcome);
    }
    const partial = this.matchPartial(pattern, options);
    if (partial) return Promise.resolve(partial);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pattern,
        options,
        resolve,
        reject,
        timer: this.haltAwareDeadline(options.timeout, (halted) => {
          const plus = halted > 0 ? ` (plus ${halted} ms the core stood halted by the debugger)` : '';
          this.settle(
            waiter,
            this.failure(
              options.step,
              `a line matching ${pattern} within ${options.timeout} ms${plus}`,
              this.seenSummary(),
            ),
          );
        }),
      };
      const onAbort = () => this.settle(waiter, interrupted());
      options.signal?.addEventListener('abort', onAbort, { once: true });
      waiter.unlisten = () => options.signal?.removeEventListener('abort', onAbort);
      this.waiters.add(waiter);
    });
  }

  /**
   * A deadline of `ms` of the board's running time: when it falls due, the halts since it was set
   * that it has not yet been given are added, until none are owed (or the grace is spent).
   */
  private haltAwareDeadline(ms: number, onDeadline: (halted: number) => void): Deadline {
    const from = this.haltClock();
    let given = 0;
    let timer: Deadline;
    const due = () => {
      const owed = Math.min(this.haltClock() - from, ms * HALT_GRACE) - given;
      if (owed <= 0) return onDeadline(given);
      given += owed;
      timer = deadlineTimer(owed, due);
    };
    timer = deadlineTimer(ms, due);
    return { clear: () => timer.clear() };
  }

  /** Bytes arrived: the unfinished line may now match a wait. */
  bytes(): void {
    if (this.waiters.size > 0) {
      for (const waiter of [...this.waiters]) {
        const partial = this.matchPartial(waiter.pattern, waiter.options);
        if (partial) this.settle(waiter, partial);
      }
    }
  }

  /** Line `index` ended: each wait judges it. */
  line(text: string, index: number): void {
    if (index < this.history.cursor || this.waiters.size === 0) return;
    for (const waiter of [...this.waiters]) {
      const outcome = this.judge(text, index, waiter.pattern, waiter.options);
      if (outcome) this.settle(waiter, outcome);
    }
  }

  /** The console closed: every wait fails. */
  closeAll(board: string): void {
    for (const waiter of this.waiters)
      this.settle(waiter, new Error(`[${board}] console closed while waiting: ${waiter.options.step}`));
  }

  /** A match, a crash-signature failure, or undefined when the line is neither. */
  private judge(
    text: string,
    index: number,
    pattern: RegExp,
    options: ExpectOptions,
  ): LineMatch | HilError | undefined {
    // A line that began before the reader's mark (an unfinished one it skipped) is not for it.
    if (options.since !== undefined && index < options.since) return undefined;
    const visible = matchableText(text.slice(this.history.usedUp(index, options.since)));
    const match = pattern.exec(visible);
    if (match) {
      this.history.matched(index);
      return { line: visible, match, index };
    }
    if (!options.allowCrash) {
      const signature = this.crashWatch.signatureIn(visible);
      if (signature) {
        this.history.matched(index);
        return this.failure(
          options.step,
          `a line matching ${pattern}`,
          `crash signature ${signature} in line ${index}: ${escapeBytes(Buffer.from(text, 'latin1'))}`,
        );
      }
    }
    return undefined;
  }

  private matchPartial(pattern: RegExp, options: ExpectOptions): LineMatch | undefined {
    const raw = this.history.partial;
    const index = this.history.lineCount; // the unfinished line gets this index when it ends
    if (options.since !== undefined && index < options.since) return undefined;
    const partial = matchableText(raw.slice(this.history.usedUp(index, options.since)));
    if (!partial) return undefined;
    const match = pattern.exec(partial);
    if (!match) return undefined;
    // What has arrived of this line is used up; the rest of it, when it comes, can still match.
    this.history.matchedUnfinished(index, raw.length);
    return { line: partial, match, index };
  }

  private settle(waiter: Waiter, outcome: LineMatch | Error): void {
    if (!this.waiters.delete(waiter)) return;
    waiter.timer.clear();
    waiter.unlisten?.();
    if (outcome instanceof Error) waiter.reject(outcome);
    else waiter.resolve(outcome);
  }

  private seenSummary(): string {
    const recent = this.history.recent(5);
    const partial = this.history.partial;
    const shown = recent.map((l) => escapeBytes(Buffer.from(l.text, 'latin1')));
    if (partial) shown.push(`${escapeBytes(Buffer.from(partial.slice(-200), 'latin1'))} (unfinished line)`);
    if (shown.length === 0) return this.connected() ? 'nothing since the last match' : 'nothing: the port is gone';
    return `last lines:\n    ${shown.join('\n    ')}`;
  }
}
