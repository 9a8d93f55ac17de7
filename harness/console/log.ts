/**
 * The console log of one board: `<name>.bin` (every byte both ways, see records.ts) and `<name>.log`
 * (readable: one timestamped line per line of traffic, every byte escaped, secrets redacted).
 * Both are handed to the disk within FLUSH_MS of the bytes' arrival (a harness event at once), and
 * `bytes()` tells the reader when to pause so a flood from the board cannot grow memory faster
 * than the disk takes it.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Redactor } from '../config/redact.ts';
import { escapedRoom, escapeInto } from './escape.ts';
import { type Direction, encodeRecord } from './records.ts';
import { RedactingStream } from './redacting-stream.ts';

/** A readable log line longer than this is broken, so a flood with no newline stays viewable. */
const MAX_LOG_LINE = 4096;
const CR = Buffer.from([0x0d]);
const WRITE_BUFFER = 1024 * 1024;
const CONTINUES = Buffer.from(' [line continues]\n');
const NEWLINE = 0x0a;
/** The readable text is built as bytes in slabs this big; each chunk's text is written as a slice. */
const SLAB = 256 * 1024;
/**
 * How long bytes wait to be written with the ones after them: at wire speed one write for each 4 KiB
 * read cost more than the read (a thread-pool hand-over each, two files), a third of the capture's
 * time. A few milliseconds is what a board's bytes already spend in the stream's own buffer.
 */
const FLUSH_MS = 2;
/** Past this much waiting, it goes at once. */
const FLUSH_BYTES = 256 * 1024;

export class ConsoleLog {
  readonly binPath: string;
  readonly logPath: string;
  private readonly bin: WriteStream;
  /** Per direction, the bytes with secrets taken out; none when the rig has no secrets. */
  private readonly streams: Record<'<' | '>', RedactingStream> | undefined;
  private readonly text: WriteStream;
  private openLine: { direction: Direction; length: number } | undefined;
  /** A chunk that ended in CR: shown only if the next byte is not the LF that makes it a line end. */
  private heldCr: Direction | undefined;
  /** Readable text not yet handed to the stream: `slab` from `textStart` to `textEnd`. */
  private slab = Buffer.allocUnsafe(SLAB);
  private textStart = 0;
  private textEnd = 0;
  private stampedAt = Number.NaN;
  /** "<ISO time> X " per direction for `stampedAt`: lines of one chunk share their time. */
  private prefixes = new Map<Direction, Buffer>();
  /** .bin records not yet handed to the stream. */
  private binPending: Buffer[] = [];
  private pendingBytes = 0;
  private flushTimer: NodeJS.Timeout | undefined;

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
    // A megabyte of buffer each: at 16 KiB the port paused for every few reads of a fast board,
    // waiting on the disk's drain; the bound on memory is still fixed.
    this.bin = createWriteStream(this.binPath, { flags: 'a', highWaterMark: WRITE_BUFFER });
    this.text = createWriteStream(this.logPath, { flags: 'a', highWaterMark: WRITE_BUFFER });
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
    this.pendingBytes += record.length;
    if (this.heldCr !== undefined) {
      const held = this.heldCr;
      this.heldCr = undefined;
      if (!(held === direction && data[0] === 0x0a)) this.appendText(held, CR, time);
    }
    if (data.length > 0 && data[data.length - 1] === 0x0d) {
      this.heldCr = direction;
      data = data.subarray(0, -1);
    }
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let start = 0;
    for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, start)) {
      // "\r\n" ends a line as "\n" does; the CR carries no information in the readable log.
      const end = i > start && bytes[i - 1] === 0x0d ? i - 1 : i;
      this.appendText(direction, bytes.subarray(start, end), time);
      this.endLine();
      start = i + 1;
    }
    if (start < bytes.length) this.appendText(direction, bytes.subarray(start), time);
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
    return !(this.bin.writableNeedDrain || this.text.writableNeedDrain);
  }

  /** Everything waiting, to the streams: the .bin's records in one write. */
  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.binPending.length > 0) {
      this.bin.cork();
      for (const record of this.binPending) this.bin.write(record);
      this.bin.uncork();
      this.binPending = [];
      this.pendingBytes = 0;
    }
    this.writeText();
  }

  /** Something the harness itself did or saw (port gone, reopened, power cut). */
  event(message: string, time = Date.now()): void {
    this.flushHeld(time);
    this.binPending.push(encodeRecord('!', time, Buffer.from(message)));
    if (this.heldCr !== undefined) this.appendText(this.heldCr, CR, time);
    this.heldCr = undefined;
    if (this.openLine) this.endLine();
    this.putBytes(this.prefix('!', time));
    const shown = Buffer.from(this.redact(message));
    this.room(escapedRoom(shown.length) + 1);
    this.textEnd = escapeInto(shown, this.slab, this.textEnd);
    this.slab[this.textEnd++] = NEWLINE;
    this.flush();
  }

  async drained(): Promise<void> {
    this.flush();
    await Promise.all([this.bin, this.text].filter((s) => s.writableNeedDrain).map((s) => once(s, 'drain')));
  }

  /** Bytes held back because they could have begun a secret: they did not, so they are logged now. */
  private flushHeld(time: number): void {
    for (const direction of ['<', '>'] as const) {
      const held = this.streams?.[direction].flush();
      if (held?.length) this.record(direction, held, time);
    }
  }

  async close(): Promise<void> {
    this.flushHeld(Date.now());
    if (this.heldCr !== undefined) this.appendText(this.heldCr, CR, Date.now());
    this.heldCr = undefined;
    if (this.openLine) this.endLine();
    this.flush();
    await Promise.all([this.bin, this.text].map((s) => new Promise<void>((resolve) => s.end(resolve))));
  }

  /** Readable text for this chunk, gathered and written once (a write per line costs more than the line). */
  private appendText(direction: Direction, data: Uint8Array, time: number): void {
    if (this.openLine && this.openLine.direction !== direction) this.endLine();
    if (!this.openLine) this.startLine(direction, time);
    // Escaped where it will be written; a line that grows past its bound is broken afterwards.
    this.room(escapedRoom(data.length));
    const from = this.textEnd;
    this.textEnd = escapeInto(data, this.slab, from);
    const line = this.openLine!;
    if (line.length + (this.textEnd - from) <= MAX_LOG_LINE) {
      line.length += this.textEnd - from;
      return;
    }
    let rest = Buffer.from(this.slab.subarray(from, this.textEnd)); // a copy: the slab is rewritten
    this.textEnd = from;
    while (rest.length > 0) {
      if (!this.openLine) this.startLine(direction, time);
      const room = MAX_LOG_LINE - this.openLine!.length;
      if (rest.length <= room) {
        this.putBytes(rest);
        this.openLine!.length += rest.length;
        return;
      }
      this.putBytes(rest.subarray(0, room));
      this.putBytes(CONTINUES);
      rest = rest.subarray(room);
      this.openLine = undefined;
    }
  }

  private startLine(direction: Direction, time: number): void {
    this.putBytes(this.prefix(direction, time));
    this.openLine = { direction, length: 0 };
  }

  private endLine(): void {
    this.openLine = undefined;
    this.room(1);
    this.slab[this.textEnd++] = NEWLINE;
  }

  /** Room for `length` more bytes of text: a new slab, with the text not yet written, when this one is full. */
  private room(length: number): void {
    if (this.textEnd + length <= this.slab.length) return;
    const pending = this.slab.subarray(this.textStart, this.textEnd);
    // The old slab is not written to again: slices of it may still wait in the stream.
    this.slab = Buffer.allocUnsafe(Math.max(SLAB, pending.length + length));
    pending.copy(this.slab);
    this.textStart = 0;
    this.textEnd = pending.length;
  }

  private putBytes(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.slab.set(bytes, this.textEnd);
    this.textEnd += bytes.length;
  }

  private writeText(): void {
    if (this.textEnd === this.textStart) return;
    this.text.write(this.slab.subarray(this.textStart, this.textEnd));
    this.textStart = this.textEnd;
  }

  /** "<ISO time> <direction> ", the start of a readable line. */
  private prefix(direction: Direction, time: number): Buffer {
    if (time !== this.stampedAt) {
      this.stampedAt = time;
      this.prefixes.clear();
    }
    let prefix = this.prefixes.get(direction);
    if (!prefix) this.prefixes.set(direction, (prefix = Buffer.from(`${new Date(time).toISOString()} ${direction} `)));
    return prefix;
  }

  private redact(text: string): string {
    return this.redactor ? this.redactor.redact(text) : text;
  }
}
