/**
 * mcumgr shares the virtual console, as Zephyr's shell does: a line that starts with an SMP marker
 * byte (06 or 04) is a frame, read to its newline (at most 256 bytes kept) and handed on whole.
 */
export class SmpLineReader {
  /** An SMP frame being read from the console (a line that began with its marker). */
  private frame: string | undefined;

  constructor(private readonly onFrame: (frame: string) => void) {}

  /** A power loss or reset: a frame half-read is gone. */
  clear(): void {
    this.frame = undefined;
  }

  /** Whether `byte` was the frame's (true) or the line editor's; `lineEmpty`: nothing typed on the line yet. */
  byte(byte: number, lineEmpty: boolean): boolean {
    if (this.frame === undefined) {
      if (!lineEmpty || (byte !== 0x06 && byte !== 0x04)) return false;
      this.frame = '';
    }
    if (byte === 0x0a) {
      const frame = this.frame;
      this.frame = undefined;
      this.onFrame(frame);
    } else if (this.frame.length < 256) {
      this.frame += String.fromCharCode(byte);
    }
    return true;
  }
}
