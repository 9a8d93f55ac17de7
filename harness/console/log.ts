/**
 * The console log of one board: `<name>.bin` (every byte both ways, see records.ts) and `<name>.log`
 * (readable: one timestamped line per line of traffic, every byte escaped, secrets redacted).
 * Both are written as bytes arrive; `writable()` tells the reader when to pause so a flood from
 * the board cannot grow memory faster than the disk takes it.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Redactor } from '../config/redact.ts';
import { escapeBytes } from './escape.ts';
import { type Direction, encodeRecord } from './records.ts';
import { RedactingStream } from './redacting-stream.ts';

/** A readable log line longer than this is broken, so a flood with no newline stays viewable. */
const MAX_LOG_LINE = 4096;
const CR = Buffer.from([0x0d]);
const WRITE_BUFFER = 1024 * 1024;

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
  /** Readable text not yet handed to the stream. */
  private out = '';
  private stampedAt = Number.NaN;
  private stamped = '';

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
    const binOk = this.bin.write(encodeRecord(direction, time, data));
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
    return this.writeText() && binOk;
  }

  /** Something the harness itself did or saw (port gone, reopened, power cut). */
  event(message: string, time = Date.now()): void {
    this.flushHeld(time);
    this.bin.write(encodeRecord('!', time, Buffer.from(message)));
    if (this.heldCr !== undefined) this.appendText(this.heldCr, CR, time);
    this.heldCr = undefined;
    if (this.openLine) this.endLine();
    this.out += `${this.stamp(time)} ! ${escapeBytes(Buffer.from(this.redact(message)))}\n`;
    this.writeText();
  }

  async drained(): Promise<void> {
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
    this.writeText();
    await Promise.all([this.bin, this.text].map((s) => new Promise<void>((resolve) => s.end(resolve))));
  }

  /** Readable text for this chunk, gathered and written once (a write per line costs more than the line). */
  private appendText(direction: Direction, data: Uint8Array, time: number): void {
    if (this.openLine && this.openLine.direction !== direction) this.endLine();
    let rest = escapeBytes(data);
    while (rest.length > 0 || !this.openLine) {
      if (!this.openLine) {
        this.out += `${this.stamp(time)} ${direction} `;
        this.openLine = { direction, length: 0 };
      }
      const room = MAX_LOG_LINE - this.openLine.length;
      if (rest.length <= room) {
        this.out += rest;
        this.openLine.length += rest.length;
        break;
      }
      this.out += `${rest.slice(0, room)} [line continues]\n`;
      rest = rest.slice(room);
      this.openLine = undefined;
    }
  }

  private endLine(): void {
    this.openLine = undefined;
    this.out += '\n';
  }

  private writeText(): boolean {
    if (this.out.length === 0) return true;
    const ok = this.text.write(this.out);
    this.out = '';
    return ok;
  }

  /** ISO time of a record; lines of one chunk share their time, so the last one is kept. */
  private stamp(time: number): string {
    if (time !== this.stampedAt) {
      this.stampedAt = time;
      this.stamped = new Date(time).toISOString();
    }
    return this.stamped;
  }

  private redact(text: string): string {
    return this.redactor ? this.redactor.redact(text) : text;
  }
}
