/**
 * The console log of one board: `<name>.bin` (every byte both ways, see records.ts) and `<name>.log`
 * (readable: one timestamped line per line of traffic, every byte escaped, secrets redacted).
 * The `.bin`'s records go to its file within FLUSH_MS of the bytes' arrival, the same records to the
 * readable log's own thread (log-writer.ts) within TEXT_FLUSH_MS, which renders and writes the
 * `.log` (a harness event goes to both at once). `bytes()` tells the reader when to pause, so a
 * flood from the board cannot grow memory faster than the disk takes it.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Redactor } from '../config/redact.ts';
import { logThread } from './log-thread.ts';
import { encodeRecord } from './records.ts';
import { RedactingStream } from './redacting-stream.ts';

const WRITE_BUFFER = 1024 * 1024;
/**
 * How long bytes wait to be written with the ones after them: at wire speed one write for each 4 KiB
 * read cost more than the read (a thread-pool hand-over each, two files), a third of the capture's
 * time. A few milliseconds is what a board's bytes already spend in the stream's own buffer.
 */
const FLUSH_MS = 2;
/** Past this much waiting, it goes at once. */
const FLUSH_BYTES = 256 * 1024;
/**
 * The readable log's batches wait longer: each wakes its thread, which on a two-core machine competes
 * with the console's own. A flood still goes at FLUSH_BYTES. (perf/crash-latency, two runs each: p99
 * 0.76-0.92 ms at 50 ms, 0.78-1.20 ms at 2 ms.)
 */
const TEXT_FLUSH_MS = 50;
/** Records the readable log's thread may hold unwritten before the board is paused. */
const TEXT_BACKLOG = 4 * 1024 * 1024;

export class ConsoleLog {
  readonly binPath: string;
  readonly logPath: string;
  /** Harness events logged so far (a power cut, a decoded frame): what happened since a moment is told by it. */
  events = 0;
  private readonly bin: WriteStream;
  /** Per direction, the bytes with secrets taken out; none when the rig has no secrets. */
  private readonly streams: Record<'<' | '>', RedactingStream> | undefined;
  /** This log on the process's readable-log thread. */
  private readonly textId: number;
  private writerFailed: Error | undefined;
  /** Records handed to the writer and not yet acknowledged. */
  private backlog = 0;
  /** While the backlog is over its bound: resolves once it is back under (or the writer failed). */
  private backlogWait: { done: Promise<void>; resolve: () => void } | undefined;
  /** Records not yet handed on: the same for both files, but for events (redacted in the text). */
  private binPending: Buffer[] = [];
  private textPending: Buffer[] = [];
  private textBytes = 0;
  private binBytes = 0;
  private binTimer: NodeJS.Timeout | undefined;
  private textTimer: NodeJS.Timeout | undefined;

  constructor(
    dir: string,
    name: string,
    private readonly redactor?: Redactor,
  ) {
    this.streams =
      redactor && !redactor.empty
        ? { '<': new RedactingStream(redactor.secrets), '>': new RedactingStream(redactor.secrets) }
        : undefined;
    mkdirSync(dir, { recursive: true });
    this.binPath = join(dir, `${name}.bin`);
    this.logPath = join(dir, `${name}.log`);
    // A megabyte of buffer: at 16 KiB the port paused for every few reads of a fast board, waiting
    // on the disk's drain; the bound on memory is still fixed.
    this.bin = createWriteStream(this.binPath, { flags: 'a', highWaterMark: WRITE_BUFFER });
    this.textId = logThread().open(this.logPath, {
      acked: (size) => {
        this.backlog -= size;
        if (this.backlog <= TEXT_BACKLOG) this.backlogUnder();
      },
      failed: (error) => {
        // The `.bin` still has every byte; the readable log stops where its file did, and says why.
        this.writerFailed = error;
        this.backlog = 0;
        this.backlogUnder();
        process.stderr.write(`hil: the readable log ${this.logPath} stopped: ${error.message}\n`);
      },
    });
  }

  /**
   * Bytes that crossed the wire. Secrets are taken out of the bytes themselves, before either file
   * sees them (a secret split across two reads included). Returns false when the caller should wait
   * for `drained()`.
   */
  bytes(direction: '<' | '>', data: Uint8Array, time = Date.now()): boolean {
    const clean = this.streams ? this.streams[direction].push(data) : data;
    return clean.length === 0 || this.record(direction, clean, time);
  }

  private record(direction: '<' | '>', data: Uint8Array, time: number): boolean {
    const record = encodeRecord(direction, time, data);
    this.binPending.push(record);
    this.textPending.push(record);
    this.textBytes += record.length;
    this.binBytes += record.length;
    if (this.binBytes >= FLUSH_BYTES) this.flushBin();
    else this.binTimer ??= setTimeout(() => this.flushBin(), FLUSH_MS);
    if (this.textBytes >= FLUSH_BYTES) this.flushText();
    else this.textTimer ??= setTimeout(() => this.flushText(), TEXT_FLUSH_MS);
    return !(this.bin.writableNeedDrain || this.backlog > TEXT_BACKLOG);
  }

  /** Something the harness itself did or saw (port gone, reopened, power cut). */
  event(message: string, time = Date.now()): void {
    this.events++;
    this.flushHeld(time);
    this.binPending.push(encodeRecord('!', time, Buffer.from(message)));
    const shown = encodeRecord('!', time, Buffer.from(this.redact(message)));
    this.textPending.push(shown);
    this.textBytes += shown.length;
    this.flush();
  }

  async drained(): Promise<void> {
    this.flush();
    if (this.backlog > TEXT_BACKLOG && !this.backlogWait) {
      const wait = {} as { done: Promise<void>; resolve: () => void };
      wait.done = new Promise<void>((resolve) => (wait.resolve = resolve));
      this.backlogWait = wait;
    }
    await Promise.all([this.bin.writableNeedDrain ? once(this.bin, 'drain') : undefined, this.backlogWait?.done]);
  }

  private backlogUnder(): void {
    this.backlogWait?.resolve();
    this.backlogWait = undefined;
  }

  async close(): Promise<void> {
    this.flushHeld(Date.now());
    this.flush();
    await Promise.all([logThread().end(this.textId), new Promise<void>((resolve) => this.bin.end(resolve))]);
  }

  /** Everything waiting, on its way: the .bin's records in one write, the text's in one message. */
  private flush(): void {
    this.flushBin();
    this.flushText();
  }

  private flushBin(): void {
    clearTimeout(this.binTimer);
    this.binTimer = undefined;
    if (this.binPending.length > 0) {
      this.bin.cork();
      for (const record of this.binPending) this.bin.write(record);
      this.bin.uncork();
      this.binPending = [];
    }
    this.binBytes = 0;
  }

  private flushText(): void {
    clearTimeout(this.textTimer);
    this.textTimer = undefined;
    if (this.textPending.length > 0 && !this.writerFailed) {
      // Memory of its own (never the shared pool small Buffers come from), so it can move to the thread.
      const batch = Buffer.allocUnsafeSlow(this.textBytes);
      let at = 0;
      for (const record of this.textPending) at += record.copy(batch, at);
      this.backlog += batch.length;
      logThread().text(this.textId, batch);
    }
    this.textPending = [];
    this.textBytes = 0;
  }

  /** Bytes held back because they could have begun a secret: they did not, so they are logged now. */
  private flushHeld(time: number): void {
    for (const direction of ['<', '>'] as const) {
      const held = this.streams?.[direction].flush();
      if (held?.length) this.record(direction, held, time);
    }
  }

  private redact(text: string): string {
    return this.redactor ? this.redactor.redact(text) : text;
  }
}
