/**
 * A console's lines: the ended ones kept for matching and evidence (the newest, bounded by count and
 * by bytes), the unfinished one, and where expect() looks from: the cursor, after the newest mark or
 * match, and how much of a line a mark or a match on its unfinished form already used (a prompt).
 */
import { LineSplitter } from '../wire/lines.ts';
import { matchableText } from './escape.ts';

/** History kept for matching and evidence: the newest lines, bounded by count and by bytes. */
const HISTORY_LINES = 5000;
/** Lines the history may run over its bound before it is trimmed back in one go. */
const HISTORY_SLACK = 500;
const HISTORY_BYTES = 4 * 1024 * 1024;

export interface HistoryLine {
  text: string;
  index: number;
}

export class LineHistory {
  private readonly splitter: LineSplitter;
  private history: HistoryLine[] = [];
  private historyBytes = 0;
  private nextIndex = 0;
  /** expect() looks from this line on: the newest mark's, or the one after the newest match. */
  cursor = 0;
  /** How much of line `index` a match on its unfinished form, or the newest mark, already used (a prompt). */
  private consumed = { index: -1, length: 0 };
  /** How much of line `index` had arrived when the newest mark was taken: not part of what follows the mark. */
  private marked = { index: -1, length: 0 };

  constructor(maxLine?: number) {
    this.splitter = new LineSplitter(maxLine);
  }

  /** The lines a chunk of bytes ends (what it starts stays the unfinished line). */
  split(chunk: Buffer): string[] {
    return this.splitter.push(chunk).map((line) => line.text);
  }

  /** Keep a line that ended; returns its sequence number. */
  add(text: string): number {
    const index = this.nextIndex++;
    this.history.push({ text, index });
    this.historyBytes += text.length;
    // Trimmed in batches: one shift per line costs a copy of the whole history at 5000 lines.
    if (this.history.length > HISTORY_LINES + HISTORY_SLACK || this.historyBytes > HISTORY_BYTES) this.trimHistory();
    return index;
  }

  /** The lines kept, oldest first. */
  get lines(): readonly HistoryLine[] {
    return this.history;
  }

  /** The line that has started but not ended, as it arrived. */
  get partial(): string {
    return this.splitter.partial;
  }

  /** A position in the stream: expect() only looks at what arrives after the newest mark or match. */
  mark(): number {
    this.cursor = this.nextIndex;
    this.consumed = { index: this.nextIndex, length: this.splitter.partial.length };
    this.marked = this.consumed;
    return this.cursor;
  }

  /** A match on line `index`, which has ended: what follows it is looked at next. */
  matched(index: number): void {
    this.cursor = index + 1;
  }

  /** A match on the unfinished line `index`: what has arrived of it (`length`) is used up. */
  matchedUnfinished(index: number, length: number): void {
    this.cursor = index;
    this.consumed = { index, length };
  }

  /** How many lines have ended so far: the index the next one will get. */
  get lineCount(): number {
    return this.nextIndex;
  }

  linesSince(mark: number): string[] {
    return this.history.filter((l) => l.index >= mark).map((l) => l.text);
  }

  tail(count = 10): string[] {
    return this.history.slice(-count).map((l) => l.text);
  }

  /** The newest lines from the cursor on (at most `count`): what a deadline reports as seen. */
  recent(count: number): HistoryLine[] {
    return this.history.filter((l) => l.index >= this.cursor).slice(-count);
  }

  private trimHistory(): void {
    let drop = Math.max(0, this.history.length - HISTORY_LINES);
    let bytes = this.historyBytes;
    for (let i = 0; i < drop; i++) bytes -= this.history[i]!.text.length;
    while (bytes > HISTORY_BYTES && drop < this.history.length) bytes -= this.history[drop++]!.text.length;
    this.history.splice(0, drop);
    this.historyBytes = bytes;
  }

  /**
   * How much of the start of line `index` is not for this reader. From the cursor: what an earlier
   * match of its unfinished part (or the newest mark) used up. From a mark of its own (`since`): only
   * what came before that mark, never another reader's match: a boot followed from its power-on still
   * sees a ready line that another exchange, waiting at the same time, matched before it had ended.
   */
  usedUp(index: number, since: number | undefined): number {
    if (since === undefined) return index === this.consumed.index ? this.consumed.length : 0;
    return index === since && index === this.marked.index ? this.marked.length : 0;
  }

  /** The unfinished line's text that arrived after `mark` (what was there before it is not). */
  pendingTextSince(mark: number): string {
    if (this.nextIndex < mark) return '';
    return matchableText(this.splitter.partial.slice(this.usedUp(this.nextIndex, mark)));
  }
}
