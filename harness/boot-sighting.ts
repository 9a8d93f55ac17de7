/**
 * Whether what a board prints shows a boot, line by line. A banner-like line is only where a boot
 * may begin: a `version` command that repeats the bootloader's first line, or an `echo` of one, prints
 * it too. A boot is such a line followed, within the boot's deadline, by a line of the boot's own
 * sequence (its reset reason, version, a required line or a red flag, its ready line; or the prompt,
 * where the ready line is the prompt), a line that is not banner-like itself. Firmware that prints no
 * banner begins its boot with its reset-reason line, or, with none, shows it by its ready line alone.
 * Pure: lines in, a boot or not out; what a line is (the harness's own probe's answer) the caller says.
 */
import type { BootSpec } from './config/load.ts';

export interface BootSeen {
  /** The banner-like line the boot began with. */
  start: string;
  /** The boot's line that showed it was one. */
  by: string;
}

interface Begun {
  line: string;
  index: number;
  at: number;
}

export class BootSighting {
  private begun: Begun | undefined;
  private readonly start: RegExp;
  private readonly sequence: RegExp[];

  constructor(
    private readonly boot: BootSpec,
    private readonly now: () => number = Date.now,
  ) {
    this.start = boot.banner ?? boot.resetReason ?? boot.ready;
    const { ready, version, resetReason, required, redFlags } = boot;
    this.sequence = [
      ready,
      ...(version ? [version] : []),
      ...(resetReason ? [resetReason] : []),
      ...required,
      ...redFlags,
    ];
  }

  /** One whole line (escapes removed) and its console index: the boot it shows, once it shows one. */
  line(text: string, index: number): BootSeen | undefined {
    const begun = this.current();
    const bannerLike = this.start.test(text);
    if (begun && !bannerLike && this.sequence.some((pattern) => pattern.test(text))) {
      this.begun = undefined;
      return { start: begun.line, by: text };
    }
    if (!bannerLike) return undefined;
    // A board with neither banner nor reset reason says nothing of a boot before its ready line.
    if (this.start === this.boot.ready) return { start: text, by: text };
    this.begun = { line: text, index, at: this.now() };
    return undefined;
  }

  /**
   * The unfinished line (a prompt waiting for input): where the ready line is the prompt, it ends a
   * boot begun. Any other `prompt` there is the shell's, after its answer: the banner-like line was
   * part of that answer, and no boot began.
   */
  partial(text: string, prompt?: RegExp): BootSeen | undefined {
    const begun = this.current();
    if (!begun || text === '') return undefined;
    if (this.boot.ready.test(text)) {
      this.begun = undefined;
      return { start: begun.line, by: text };
    }
    if (prompt?.test(text)) this.begun = undefined;
    return undefined;
  }

  /** The banner-like line a boot may have begun with, not yet shown to be one (nor too old to be one). */
  get pending(): string | undefined {
    return this.current()?.line;
  }

  /** The line at `index` was an answer to the harness's own question: no boot began there. */
  answered(index: number): void {
    if (this.begun?.index === index) this.begun = undefined;
  }

  /** The harness restarted the board, or the banner-like line was something else: forget it. */
  forget(): void {
    this.begun = undefined;
  }

  /** A boot reaches its ready line within its deadline: a banner-like line older than that began none. */
  private current(): Begun | undefined {
    if (this.begun && this.now() - this.begun.at > this.boot.deadlineMs) this.begun = undefined;
    return this.begun;
  }
}
