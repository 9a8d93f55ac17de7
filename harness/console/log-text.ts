/**
 * The readable console log, rendered from `.bin` records (records.ts): one timestamped line per
 * line of traffic (`<ISO time> < text`), every byte escaped (escape.ts), harness events as `!`
 * lines. Pure: records in, text bytes out; the log writer (log-writer.ts) runs it in a thread of
 * its own, where escaping a binary flood (four bytes of text for each) costs the capture nothing.
 */
import { escapedRoom, escapeInto } from './escape.ts';
import { type Direction, RECORD_HEADER_BYTES } from './records.ts';

/** A readable log line longer than this is broken, so a flood with no newline stays viewable. */
const MAX_LOG_LINE = 4096;
const CR = Buffer.from([0x0d]);
const CONTINUES = Buffer.from(' [line continues]\n');
const NEWLINE = 0x0a;
/** The text is built as bytes in slabs this big; each batch's text is handed out as a slice. */
const SLAB = 256 * 1024;

export class LogText {
  private openLine: { direction: Direction; length: number } | undefined;
  /** A chunk that ended in CR: shown only if the next byte is not the LF that makes it a line end. */
  private heldCr: Direction | undefined;
  /** Text not yet handed out: `slab` from `textStart` to `textEnd`. */
  private slab = Buffer.allocUnsafe(SLAB);
  private textStart = 0;
  private textEnd = 0;
  /** Full slabs' text of the batch under way. */
  private done: Buffer[] = [];
  private stampedAt = Number.NaN;
  /** "<ISO time> X " per direction for `stampedAt`: lines of one chunk share their time. */
  private prefixes = new Map<Direction, Buffer>();

  /**
   * The text for whole records, laid end to end as in a `.bin`. The slice returned is never written
   * again (a full slab is replaced, not reused), so it may wait in a stream's buffer.
   */
  render(records: Buffer): Buffer {
    for (let at = 0; at + RECORD_HEADER_BYTES <= records.length; ) {
      const direction = String.fromCharCode(records[at]!) as Direction;
      const length = records.readUInt32LE(at + 1);
      const time = records.readDoubleLE(at + 5);
      const bytes = records.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length);
      if (direction === '!') this.event(bytes, time);
      else this.traffic(direction, bytes, time);
      at += RECORD_HEADER_BYTES + length;
    }
    return this.take();
  }

  /** The end of the log: a held CR shown, an open line ended. */
  end(): Buffer {
    if (this.heldCr !== undefined) this.appendText(this.heldCr, CR, this.stampedAt);
    this.heldCr = undefined;
    if (this.openLine) this.endLine();
    return this.take();
  }

  private traffic(direction: Direction, data: Buffer, time: number): void {
    if (this.heldCr !== undefined) {
      const held = this.heldCr;
      this.heldCr = undefined;
      if (!(held === direction && data[0] === 0x0a)) this.appendText(held, CR, time);
    }
    if (data.length > 0 && data[data.length - 1] === 0x0d) {
      this.heldCr = direction;
      data = data.subarray(0, -1);
    }
    let start = 0;
    for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, start)) {
      // "\r\n" ends a line as "\n" does; the CR carries no information in the readable log.
      const end = i > start && data[i - 1] === 0x0d ? i - 1 : i;
      this.appendText(direction, data.subarray(start, end), time);
      this.endLine();
      start = i + 1;
    }
    if (start < data.length) this.appendText(direction, data.subarray(start), time);
  }

  /** Something the harness itself did or saw (port gone, reopened, power cut): a line of its own. */
  private event(message: Buffer, time: number): void {
    if (this.heldCr !== undefined) this.appendText(this.heldCr, CR, time);
    this.heldCr = undefined;
    if (this.openLine) this.endLine();
    this.putBytes(this.prefix('!', time));
    this.room(escapedRoom(message.length) + 1);
    this.textEnd = escapeInto(message, this.slab, this.textEnd);
    this.slab[this.textEnd++] = NEWLINE;
  }

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

  /**
   * Room for `length` more bytes of text: when this slab is full, what it holds of the batch is set
   * aside whole and a new slab begun (copying it along instead made a large batch quadratic). The old
   * slab is not written to again: slices of it may still wait in a stream.
   */
  private room(length: number): void {
    if (this.textEnd + length <= this.slab.length) return;
    if (this.textEnd > this.textStart) this.done.push(this.slab.subarray(this.textStart, this.textEnd));
    this.slab = Buffer.allocUnsafe(Math.max(SLAB, length));
    this.textStart = 0;
    this.textEnd = 0;
  }

  private putBytes(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.slab.set(bytes, this.textEnd);
    this.textEnd += bytes.length;
  }

  private take(): Buffer {
    const text = this.slab.subarray(this.textStart, this.textEnd);
    this.textStart = this.textEnd;
    if (this.done.length === 0) return text;
    const whole = Buffer.concat([...this.done, text]);
    this.done = [];
    return whole;
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
}
