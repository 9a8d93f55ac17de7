/**
 * The virtual console's line editor: printable ASCII collected (and echoed) up to MAX_LINE, backspace
 * rubbing out, CR, LF or CRLF ending a line once; other control and non-ASCII bytes ignored.
 */
const MAX_LINE = 256;

/** What a key did: ended a line (`enter`), or wants bytes echoed. */
export type Keyed = { enter: string } | { echo: Buffer };

export class LineEditor {
  private line = '';
  private lastWasCr = false;

  /** Whether nothing has been typed on this line (an SMP frame can start only there). */
  get empty(): boolean {
    return this.line === '';
  }

  /** A power loss or reset: what was typed is gone. */
  clear(): void {
    this.line = '';
  }

  /** One byte typed; `echoes`: the console echoes what is typed (not at a password prompt). */
  key(byte: number, echoes: boolean): Keyed | undefined {
    if (byte === 0x0d || (byte === 0x0a && !this.lastWasCr)) {
      this.lastWasCr = byte === 0x0d;
      const line = this.line;
      this.line = '';
      return { enter: line };
    }
    this.lastWasCr = false;
    if (byte === 0x0a) return undefined;
    if (byte === 0x08 || byte === 0x7f) {
      if (this.line.length === 0) return undefined;
      this.line = this.line.slice(0, -1);
      return { echo: Buffer.from('\b \b') };
    }
    if (byte < 0x20 || byte > 0x7e) return undefined; // the line editor ignores other control and non-ASCII bytes
    if (this.line.length >= MAX_LINE) return undefined;
    this.line += String.fromCharCode(byte);
    return echoes ? { echo: Buffer.from([byte]) } : undefined;
  }
}
