/**
 * Whether the board sits at its prompt, where a protocol's frames share the console's lines (mcumgr
 * SMP). Frames can share the prompt's line (`esp32> ` then a reply): the shell still sits at that
 * prompt and prints no new one, unless something happened since (a harness event in the log: a power
 * cut, another request), or the board left it (an OS reset).
 */
import { matchableText } from './escape.ts';

export class PromptState {
  /** Where a line's frame begins (-1: it has none), while a protocol shares the lines. */
  private frameAt: ((text: string) => number) | undefined;
  /** The newest text the board printed outside a frame, and the console log's event count just after it. */
  private printed = '';
  private printedEvents = -1;

  /** A protocol shares the lines from now on; returns the end of it. */
  share(frameAt: (text: string) => number): () => void {
    this.frameAt = frameAt;
    return () => {
      if (this.frameAt === frameAt) this.frameAt = undefined;
    };
  }

  /** A line ended and its readers have had it (a frame's reader notes the frame): `events` is the log's count now. */
  line(text: string, events: number): void {
    if (!this.frameAt) return;
    const at = this.frameAt(text);
    if (at !== 0) this.printed = at < 0 ? text : text.slice(0, at);
    this.printedEvents = events;
  }

  /** The board left its prompt (it is resetting): it is at none until it prints one. */
  left(): void {
    this.printed = '';
  }

  /** Whether the newest printed text, frames aside, is `prompt`, and the log has had no event since. */
  at(prompt: RegExp, events: number): boolean {
    return this.printedEvents === events && prompt.test(matchableText(this.printed));
  }
}
