/**
 * Line framing on a byte stream (a console, SCPI over TCP or serial): LF or CRLF ends a line, read as
 * latin1, with a hard bound: a "line" longer than `maxLine` is cut and delivered in pieces marked
 * truncated, so a device that never sends a newline cannot grow memory.
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
      // A whole line inside this chunk (the usual case) is read straight out of it: no copy.
      if (newline !== -1 && this.pendingBytes === 0 && end - start <= this.maxLine) {
        const cut = end > start && chunk[end - 1] === 0x0d ? end - 1 : end;
        lines.push({ text: chunk.toString('latin1', start, cut), truncated: false });
        start = newline + 1;
        continue;
      }
      let piece = chunk.subarray(start, end);
      while (this.pendingBytes + piece.length > this.maxLine) {
        const room = this.maxLine - this.pendingBytes;
        this.keep(piece.subarray(0, room));
        lines.push({ text: this.take(), truncated: true });
        piece = piece.subarray(room);
      }
      this.keep(piece);
      if (newline === -1) break;
      const text = this.take();
      lines.push({ text: text.endsWith('\r') ? text.slice(0, -1) : text, truncated: false });
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

/** A line-at-a-time text protocol's `data` handler: whole lines to `onLine`; a line over the bound is dropped whole. */
export function lineReader(onLine: (line: string) => void, maxLine = 4096): (chunk: Buffer) => void {
  const splitter = new LineSplitter(maxLine);
  let cut = false; // inside a line already cut: its remainder is dropped too
  return (chunk) => {
    for (const line of splitter.push(chunk)) {
      if (!line.truncated && !cut) onLine(line.text);
      cut = line.truncated;
    }
  };
}
