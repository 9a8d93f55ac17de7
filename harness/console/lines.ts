/**
 * Splits a byte stream into lines with a hard bound: a "line" longer than `maxLine` is cut and
 * delivered in pieces marked truncated, so a board that never sends a newline cannot grow memory.
 */
export interface Line {
  text: string;
  truncated: boolean;
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(readonly maxLine = 16 * 1024) {}

  push(chunk: Buffer): Line[] {
    const lines: Line[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      let piece = chunk.subarray(start, end);
      while (this.pendingBytes + piece.length > this.maxLine) {
        const room = this.maxLine - this.pendingBytes;
        this.keep(piece.subarray(0, room));
        lines.push({ text: this.take(), truncated: true });
        piece = piece.subarray(room);
      }
      this.keep(piece);
      if (newline === -1) break;
      lines.push({ text: this.take().replace(/\r$/, ''), truncated: false });
      start = newline + 1;
    }
    return lines;
  }

  /** The line that has started but not ended (a prompt such as `>>> `). */
  get partial(): string {
    return Buffer.concat(this.pending).toString('latin1');
  }

  private keep(piece: Buffer): void {
    if (piece.length === 0) return;
    this.pending.push(Buffer.from(piece)); // a copy: a slice would pin the whole read buffer
    this.pendingBytes += piece.length;
  }

  private take(): string {
    const text = Buffer.concat(this.pending).toString('latin1');
    this.pending = [];
    this.pendingBytes = 0;
    return text;
  }
}
