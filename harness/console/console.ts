/**
 * The console of one board: lines and raw bytes from any transport, `expect` with a deadline,
 * crash signatures that fail the waiting step the moment they appear, and a continuous log.
 * Matching is driven by arriving bytes; nothing here polls.
 */
import { EventEmitter } from 'node:events';
import { HilError } from '../errors.ts';
import { type Deadline, deadlineTimer } from '../deadline.ts';
import { expectBytes, waitQuiet } from './byte-waits.ts';
import { escapeBytes, matchableText } from './escape.ts';
import { LineSplitter } from '../wire/lines.ts';
import type { ConsoleLog } from './log.ts';
import type { ByteTransport } from './transport.ts';

export interface ConsoleOptions {
  board: string;
  transport: ByteTransport;
  log: ConsoleLog;
  /** Crash signatures: seeing one fails whatever step is waiting. */
  crash?: RegExp[];
  lineEnding?: string;
  maxLine?: number;
}

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

export interface CrashSeen {
  line: string;
  index: number;
  signature: RegExp;
  time: number;
}

interface Waiter {
  pattern: RegExp;
  options: ExpectOptions;
  resolve: (m: LineMatch) => void;
  reject: (e: Error) => void;
  timer: Deadline;
  unlisten?: () => void;
}

/** History kept for matching and evidence: the newest lines, bounded by count and by bytes. */
const HISTORY_LINES = 5000;
/** Lines the history may run over its bound before it is trimmed back in one go. */
const HISTORY_SLACK = 500;
const HISTORY_BYTES = 4 * 1024 * 1024;

export class Console extends EventEmitter<{
  line: [string, number];
  crash: [CrashSeen];
  gone: [string];
  back: [string];
}> {
  readonly board: string;
  readonly crashes: CrashSeen[] = [];
  private readonly transport: ByteTransport;
  readonly log: ConsoleLog;
  private readonly crashSignatures: RegExp[];
  private readonly lineEnding: string;
  private readonly splitter: LineSplitter;
  private history: { text: string; index: number }[] = [];
  private historyBytes = 0;
  private nextIndex = 0;
  private cursor = 0;
  /** How much of line `index` a match on its unfinished form, or the newest mark, already used (a prompt). */
  private consumed = { index: -1, length: 0 };
  /** How much of line `index` had arrived when the newest mark was taken: not part of what follows the mark. */
  private marked = { index: -1, length: 0 };
  private waiters = new Set<Waiter>();
  private connected = false;
  private closed = false;

  constructor(options: ConsoleOptions) {
    super();
    this.board = options.board;
    this.transport = options.transport;
    this.log = options.log;
    this.crashSignatures = options.crash ?? [];
    this.lineEnding = options.lineEnding ?? '\r\n';
    this.splitter = new LineSplitter(options.maxLine);
    this.transport.on('data', (chunk) => this.onData(chunk));
    this.transport.on('gone', (why) => {
      this.connected = false;
      this.log.event(why);
      this.emit('gone', why);
    });
    this.transport.on('back', (why) => {
      this.connected = true;
      this.log.event(why);
      this.emit('back', why);
    });
  }

  get logPath(): string {
    return this.log.logPath;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async open(): Promise<void> {
    await this.transport.open();
    this.connected = true;
    this.log.event(`opened ${this.transport.description}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters)
      this.settle(waiter, new Error(`[${this.board}] console closed while waiting: ${waiter.options.step}`));
    await this.transport.close();
    this.log.event(`closed ${this.transport.description}`);
    await this.log.close();
  }

  /** Send one command line (the profile's line ending is added). */
  async send(text: string): Promise<void> {
    await this.write(Buffer.from(text + this.lineEnding, 'latin1'));
  }

  async write(bytes: Buffer): Promise<void> {
    this.log.bytes('>', bytes);
    await this.transport.write(bytes);
  }

  /** Bytes that must not be kept (a password typed at a login): the log says that something was sent, not what. */
  async writeSecret(bytes: Buffer): Promise<void> {
    this.log.event(`*** (${bytes.length} bytes typed that are not recorded: a password)`);
    await this.transport.write(bytes);
  }

  /** A line of the harness's own in the console log, between the board's lines (decoded SMP frames). */
  note(text: string): void {
    this.log.event(text);
  }

  /** A position in the stream: expect() only looks at what arrives after the newest mark or match. */
  mark(): number {
    this.cursor = this.nextIndex;
    this.consumed = { index: this.nextIndex, length: this.splitter.partial.length };
    this.marked = this.consumed;
    return this.cursor;
  }

  /** How many lines have ended so far: the index the next one will get. */
  get lineCount(): number {
    return this.nextIndex;
  }

  linesSince(mark: number): string[] {
    return this.history.filter((l) => l.index >= mark).map((l) => l.text);
  }

  tail(count = 10): string[] {
    return this.history.slice(-count).map((l) => l.text);
  }

  /**
   * Wait until the board has said nothing for `quietMs` (bytes still in flight after a power cut,
   * say), at most `timeoutMs`, or until `signal` calls it off. Resolves true when it went quiet.
   */
  waitQuiet(quietMs: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return waitQuiet(this.transport, quietMs, timeoutMs, signal);
  }

  /** Every chunk of bytes from the board as it arrives (raw mode); returns the unsubscribe. */
  onBytes(listener: (chunk: Buffer) => void): () => void {
    this.transport.on('data', listener);
    return () => this.transport.off('data', listener);
  }

  /** Set the port's modem-control lines (DTR/RTS), logged as a harness event. */
  async setSignals(signals: { dtr?: boolean; rts?: boolean }): Promise<void> {
    const lines = Object.entries(signals).map(([k, v]) => `${k.toUpperCase()}=${v ? 1 : 0}`);
    this.log.event(`set ${lines.join(' ')}`);
    await this.transport.setSignals(signals);
  }

  /** The line that has started but not ended, as patterns see it (a prompt waiting for input). */
  pendingText(): string {
    return matchableText(this.splitter.partial);
  }

  /**
   * Raw mode: wait for an exact byte sequence (a binary protocol's frame, a prompt with no
   * newline) among the bytes that arrive after this call. Resolves with everything received up to
   * and including it (the newest 64 KiB at most).
   */
  expectBytes(needle: Buffer, options: { timeout: number; step: string }): Promise<Buffer> {
    return expectBytes(this.transport, needle, options.timeout, (expected, seen) =>
      this.failure(options.step, expected, seen),
    );
  }

  /** Wait for a line (or the unfinished last line, e.g. a prompt) matching `pattern`. */
  expect(pattern: RegExp, options: ExpectOptions): Promise<LineMatch> {
    const interrupted = () => this.failure(options.step, `a line matching ${pattern}`, `${options.signal?.reason}`);
    // Called off already: nothing in the history is used up (it may be the next boot's).
    if (options.signal?.aborted) return Promise.reject(interrupted());
    const from = options.since ?? this.cursor;
    for (const line of this.history) {
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
        timer: deadlineTimer(options.timeout, () => {
          this.settle(
            waiter,
            this.failure(options.step, `a line matching ${pattern} within ${options.timeout} ms`, this.seenSummary()),
          );
        }),
      };
      const onAbort = () => this.settle(waiter, interrupted());
      options.signal?.addEventListener('abort', onAbort, { once: true });
      waiter.unlisten = () => options.signal?.removeEventListener('abort', onAbort);
      this.waiters.add(waiter);
    });
  }

  /** Succeeds when no line matching `pattern` arrives within `window` ms; fails on the first one. */
  async expectNot(pattern: RegExp, options: { window: number; step: string }): Promise<void> {
    try {
      const seen = await this.expect(pattern, { timeout: options.window, step: options.step, allowCrash: true });
      throw this.failure(
        options.step,
        `no line matching ${pattern} for ${options.window} ms`,
        `line ${seen.index}: ${escapeBytes(Buffer.from(seen.line, 'latin1'))}`,
      );
    } catch (error) {
      if (error instanceof HilError && error.detail.expected.startsWith('a line matching')) return;
      throw error;
    }
  }

  failure(step: string, expected: string, seen: string): HilError {
    return new HilError({ board: this.board, step, expected, seen, log: this.log.logPath });
  }

  private onData(chunk: Buffer): void {
    if (!this.log.bytes('<', chunk)) {
      this.transport.pause();
      void this.log.drained().then(() => this.transport.resume());
    }
    for (const line of this.splitter.push(chunk)) this.onLine(line.text);
    if (this.waiters.size > 0) {
      for (const waiter of [...this.waiters]) {
        const partial = this.matchPartial(waiter.pattern, waiter.options);
        if (partial) this.settle(waiter, partial);
      }
    }
  }

  private onLine(text: string): void {
    const index = this.nextIndex++;
    this.history.push({ text, index });
    this.historyBytes += text.length;
    // Trimmed in batches: one shift per line costs a copy of the whole history at 5000 lines.
    if (this.history.length > HISTORY_LINES + HISTORY_SLACK || this.historyBytes > HISTORY_BYTES) this.trimHistory();
    const visible = this.crashSignatures.length > 0 ? matchableText(text) : text;
    const signature = this.crashSignatures.find((s) => s.test(visible));
    if (signature) {
      const crash = { line: text, index, signature, time: Date.now() };
      this.crashes.push(crash);
      this.emit('crash', crash);
    }
    this.emit('line', text, index);
    if (index < this.cursor || this.waiters.size === 0) return;
    for (const waiter of [...this.waiters]) {
      const outcome = this.judge(text, index, waiter.pattern, waiter.options);
      if (outcome) this.settle(waiter, outcome);
    }
  }

  private trimHistory(): void {
    let drop = Math.max(0, this.history.length - HISTORY_LINES);
    let bytes = this.historyBytes;
    for (let i = 0; i < drop; i++) bytes -= this.history[i]!.text.length;
    while (bytes > HISTORY_BYTES && drop < this.history.length) bytes -= this.history[drop++]!.text.length;
    this.history.splice(0, drop);
    this.historyBytes = bytes;
  }

  /**
   * How much of the start of line `index` is not for this reader. From the cursor: what an earlier
   * match of its unfinished part (or the newest mark) used up. From a mark of its own (`since`): only
   * what came before that mark, never another reader's match: a boot followed from its power-on still
   * sees a ready line that another exchange, waiting at the same time, matched before it had ended.
   */
  private usedUp(index: number, since: number | undefined): number {
    if (since === undefined) return index === this.consumed.index ? this.consumed.length : 0;
    return index === since && index === this.marked.index ? this.marked.length : 0;
  }

  /** The unfinished line's text that arrived after `mark` (what was there before it is not). */
  pendingTextSince(mark: number): string {
    if (this.nextIndex < mark) return '';
    return matchableText(this.splitter.partial.slice(this.usedUp(this.nextIndex, mark)));
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
    const visible = matchableText(text.slice(this.usedUp(index, options.since)));
    const match = pattern.exec(visible);
    if (match) {
      this.cursor = index + 1;
      return { line: visible, match, index };
    }
    if (!options.allowCrash) {
      const signature = this.crashSignatures.find((s) => s.test(visible));
      if (signature) {
        this.cursor = index + 1;
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
    const raw = this.splitter.partial;
    const index = this.nextIndex; // the unfinished line gets this index when it ends
    if (options.since !== undefined && index < options.since) return undefined;
    const partial = matchableText(raw.slice(this.usedUp(index, options.since)));
    if (!partial) return undefined;
    const match = pattern.exec(partial);
    if (!match) return undefined;
    // What has arrived of this line is used up; the rest of it, when it comes, can still match.
    this.cursor = index;
    this.consumed = { index, length: raw.length };
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
    const recent = this.history.filter((l) => l.index >= this.cursor).slice(-5);
    const partial = this.splitter.partial;
    const shown = recent.map((l) => escapeBytes(Buffer.from(l.text, 'latin1')));
    if (partial) shown.push(`${escapeBytes(Buffer.from(partial.slice(-200), 'latin1'))} (unfinished line)`);
    if (shown.length === 0) return this.connected ? 'nothing since the last match' : 'nothing: the port is gone';
    return `last lines:\n    ${shown.join('\n    ')}`;
  }
}
