/**
 * The console of one board: lines and raw bytes from any transport, `expect` with a deadline
 * (expect.ts), crash signatures that fail the waiting step the moment they appear (crash-watch.ts),
 * the bounded history with its cursor and marks (history.ts), and a continuous log. Matching is
 * driven by arriving bytes; nothing here polls.
 */
import { EventEmitter } from 'node:events';
import { HilError } from '../util/errors.ts';
import { expectBytes, waitQuiet } from './byte-waits.ts';
import { type CrashSeen, CrashWatch } from './crash-watch.ts';
import { escapeBytes, matchableText } from './escape.ts';
import { type ExpectOptions, type LineMatch, LineWaits } from './expect.ts';
import { LineHistory } from './history.ts';
import type { ConsoleLog } from './log.ts';
import { PromptState } from './prompt-state.ts';
import type { ByteTransport } from './transport.ts';

export type { CrashSeen } from './crash-watch.ts';
export type { ExpectOptions, LineMatch } from './expect.ts';

export interface ConsoleOptions {
  board: string;
  transport: ByteTransport;
  log: ConsoleLog;
  /** Crash signatures: seeing one fails whatever step is waiting. */
  crash?: RegExp[];
  lineEnding?: string;
  maxLine?: number;
}

export class Console extends EventEmitter<{
  line: [string, number];
  crash: [CrashSeen];
  gone: [string];
  back: [string];
}> {
  readonly board: string;
  private readonly transport: ByteTransport;
  readonly log: ConsoleLog;
  private readonly lineEnding: string;
  private readonly history: LineHistory;
  private readonly crashWatch: CrashWatch;
  private readonly waits: LineWaits;
  private readonly prompt = new PromptState();
  private connected = false;
  private closed = false;

  constructor(options: ConsoleOptions) {
    super();
    this.board = options.board;
    this.transport = options.transport;
    this.log = options.log;
    this.crashWatch = new CrashWatch(options.crash ?? []);
    this.lineEnding = options.lineEnding ?? '\r\n';
    this.history = new LineHistory(options.maxLine);
    this.waits = new LineWaits(
      this.history,
      this.crashWatch,
      (step, expected, seen) => this.failure(step, expected, seen),
      () => this.connected,
    );
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

  /** The crashes seen so far, oldest first. */
  get crashes(): readonly CrashSeen[] {
    return this.crashWatch.crashes;
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
    this.waits.closeAll(this.board);
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

  /**
   * While `clock` (milliseconds the core has stood halted by a debugger) is set, expect()'s deadlines
   * count the board's running time: what the firmware could not answer in is added. Returns the undo.
   */
  excludeHalts(clock: () => number): () => void {
    this.waits.haltClock = clock;
    return () => {
      this.waits.haltClock = () => 0;
    };
  }

  /** Milliseconds the core has stood halted by a debugger, while a clock is set (excludeHalts). */
  get haltedMs(): number {
    return this.waits.haltClock();
  }

  /** A position in the stream: expect() only looks at what arrives after the newest mark or match. */
  mark(): number {
    return this.history.mark();
  }

  /** How many lines have ended so far: the index the next one will get. */
  get lineCount(): number {
    return this.history.lineCount;
  }

  linesSince(mark: number): string[] {
    return this.history.linesSince(mark);
  }

  tail(count = 10): string[] {
    return this.history.tail(count);
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
    return matchableText(this.history.partial);
  }

  /** The unfinished line's text that arrived after `mark` (what was there before it is not). */
  pendingTextSince(mark: number): string {
    return this.history.pendingTextSince(mark);
  }

  /**
   * A protocol whose frames share the console's lines (mcumgr SMP): `frameAt` says where a line's
   * frame begins (-1: it has none). While one does, atPrompt() knows whether the board sits at its
   * prompt with frames aside. Returns the end of the sharing.
   */
  shareLines(frameAt: (text: string) => number): () => void {
    return this.prompt.share(frameAt);
  }

  /**
   * Whether the board's newest printed text, frames aside, is `prompt` and nothing happened since
   * (a harness event: a power cut, another request): it waits for a line. Only where a protocol
   * shares the lines (shareLines()); otherwise false, and the prompt is waited for as it comes.
   */
  atPrompt(prompt: RegExp): boolean {
    return this.prompt.at(prompt, this.log.events);
  }

  /** The board left its prompt (an OS reset asked for over a protocol): it is at none until it prints one. */
  leftPrompt(): void {
    this.prompt.left();
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
    return this.waits.expect(pattern, options);
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
    for (const line of this.history.split(chunk)) this.onLine(line);
    this.waits.bytes();
  }

  private onLine(text: string): void {
    const index = this.history.add(text);
    const crash = this.crashWatch.line(text, index);
    if (crash) this.emit('crash', crash);
    this.emit('line', text, index);
    // After the line's readers: a frame's reader has noted the frame by now.
    this.prompt.line(text, this.log.events);
    this.waits.line(text, index);
  }
}
