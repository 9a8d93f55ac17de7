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
    this.bin = createWriteStream(this.binPath, { flags: 'a' });
    this.text = createWriteStream(this.logPath, { flags: 'a' });
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
    let start = 0;
    let textOk = true;
    if (this.heldCr !== undefined) {
      const held = this.heldCr;
      this.heldCr = undefined;
      if (!(held === direction && data[0] === 0x0a)) textOk = this.appendText(held, CR, time);
    }
    if (data.length > 0 && data[data.length - 1] === 0x0d) {
      this.heldCr = direction;
      data = data.subarray(0, -1);
    }
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 0x0a) continue;
      // "\r\n" ends a line as "\n" does; the CR carries no information in the readable log.
      const end = i > start && data[i - 1] === 0x0d ? i - 1 : i;
      textOk = this.appendText(direction, data.subarray(start, end), time) && textOk;
      textOk = this.endLine() && textOk;
      start = i + 1;
    }
    if (start < data.length) textOk = this.appendText(direction, data.subarray(start), time) && textOk;
    return binOk && textOk;
  }

  /** Something the harness itself did or saw (port gone, reopened, power cut). */
  event(message: string, time = Date.now()): void {
    this.flushHeld(time);
    this.bin.write(encodeRecord('!', time, Buffer.from(message)));
    if (this.heldCr !== undefined) this.appendText(this.heldCr, CR, time);
    this.heldCr = undefined;
    if (this.openLine) this.endLine();
    this.text.write(`${stamp(time)} ! ${escapeBytes(Buffer.from(this.redact(message)))}\n`);
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
    await Promise.all([this.bin, this.text].map((s) => new Promise<void>((resolve) => s.end(resolve))));
  }

  private appendText(direction: Direction, data: Uint8Array, time: number): boolean {
    let ok = true;
    if (this.openLine && this.openLine.direction !== direction) ok = this.endLine();
    let rest = escapeBytes(data);
    while (rest.length > 0 || !this.openLine) {
      if (!this.openLine) {
        ok = this.text.write(`${stamp(time)} ${direction} `) && ok;
        this.openLine = { direction, length: 0 };
      }
      const room = MAX_LOG_LINE - this.openLine.length;
      const piece = rest.slice(0, room);
      ok = this.text.write(piece) && ok;
      this.openLine.length += piece.length;
      rest = rest.slice(piece.length);
      if (rest.length === 0) break;
      ok = this.text.write(' [line continues]\n') && ok;
      this.openLine = undefined;
    }
    return ok;
  }

  private endLine(): boolean {
    this.openLine = undefined;
    return this.text.write('\n');
  }

  private redact(text: string): string {
    return this.redactor ? this.redactor.redact(text) : text;
  }
}

function stamp(time: number): string {
  return new Date(time).toISOString();
}
