/**
 * The bootloader prompt the boot-countdown flaw opens (`=> `, as U-Boot's): it reads lines and
 * answers every one as a command it does not know. It only decides the answers; the firmware prints them.
 */
const MAX_LINE = 256;

export class BootloaderPrompt {
  private line = '';

  /** What it prints when a key stops the countdown. */
  readonly opened = '\r\n=> ';

  /** Bytes typed at it: its answer to each line they end. */
  input(bytes: Buffer): string[] {
    const answers: string[] = [];
    for (const byte of bytes) {
      if (byte !== 0x0d) {
        if (byte >= 0x20 && byte < 0x7f && this.line.length < MAX_LINE) this.line += String.fromCharCode(byte);
        continue;
      }
      const line = this.line.trim();
      this.line = '';
      answers.push(line ? `\r\nUnknown command '${line.split(' ')[0]}' - try 'help'\r\n=> ` : '\r\n=> ');
    }
    return answers;
  }
}
