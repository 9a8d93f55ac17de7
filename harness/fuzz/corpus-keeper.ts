/**
 * The corpus of a coverage-guided campaign, grown as AFL grows its queue. After each case the blocks
 * it reached first make it an entry, which is then:
 * - trimmed: shorter prefixes of the line are sent with breakpoints on those blocks again, and the
 *   shortest that still reaches them all is kept (AFL's trim stage). `key HicP` that passed the `i`
 *   becomes `key Hi`, so the next byte to find is at the end of the line, where edits are made;
 * - given its context: on a freshly restarted board the line alone is sent; when it no longer reaches
 *   its blocks, the cases since the last restart are, and ddmin keeps those it needs (the `key HiL!`
 *   that unlocked the `dump` it found). Cases made from the entry send its context first, so a state
 *   the shallow bug's resets keep taking away is set again.
 * A case found failing on the way (a shorter line that crashes) restarts the board and ends the work
 * on that entry; the failure itself is the campaign's to find from its own cases.
 */
import type { CasePlan, CaseSource } from './cases.ts';
import { ddmin } from './minimize.ts';
import type { Finding } from './monitors.ts';

/** Blocks reached over the campaign: a point each time a case found more. */
export interface CoveragePoint {
  case: number;
  seconds: number;
  blocks: number;
}

/** Coverage as the campaign uses it (fuzz/breakpoint-coverage.ts): which case runs, what it reached. */
export interface Feedback {
  markCase(index: number): void;
  takeNew(): { address: number }[];
  rotate(): void;
  probe<T>(addresses: number[], run: () => Promise<T>): Promise<{ hit: Set<number>; result: T }>;
  readonly reachedCount: number;
}

/** How the keeper reaches the board: lines sent (the first finding, if any), a restart to its ready line. */
export interface Bench {
  send(lines: Buffer[]): Promise<Finding | undefined>;
  restart(step: string): Promise<void>;
  /** What case `index` sent (its own line, as caseBytes makes it again). */
  line(index: number): Buffer;
}

/** Cases without a new block before a probe's few breakpoints move on to other blocks. */
const ROTATE_AFTER = 25;
/** Lines sent to trim one entry, at most. */
const TRIM_TRIES = 12;
/** Restarts ddmin may spend finding one entry's context. */
const CONTEXT_TESTS = 12;
/**
 * An entry's context is looked for among the corpus entries sent since the last restart (states are
 * set by lines that found blocks) and this many of the most recent cases.
 */
const CONTEXT_CANDIDATES = 16;
/** Cases since the last restart remembered, at most (a board that never fails keeps its state long). */
const REMEMBERED = 4096;
/** The share of a campaign's time finding contexts may take. */
const CONTEXT_SHARE = 0.25;
const SPACE = 0x20;

export class CorpusKeeper {
  readonly timeline: CoveragePoint[] = [];
  private quiet = 0;
  /** Time spent finding entries' contexts. */
  private contextMs = 0;
  /** The cases sent since the board last restarted, context lines included: the state it is in. */
  private sinceRestart: number[] = [];

  constructor(
    private readonly feedback: Feedback,
    private readonly source: CaseSource,
    private readonly bench: Bench,
  ) {
    this.timeline.push({ case: -1, seconds: 0, blocks: feedback.reachedCount });
  }

  /** The board restarted: what the cases before set is gone. */
  restarted(): void {
    this.sinceRestart = [];
  }

  /** Where a state the board is in now may have been set: the entries, and the last cases, since its restart. */
  recent(): number[] {
    const entries = new Set(this.source.corpus?.map((e) => e.addedAt));
    const recentFrom = this.sinceRestart.length - CONTEXT_CANDIDATES;
    // In the order they were sent: a state is what its lines did in that order.
    return [...new Set(this.sinceRestart.filter((i, at) => at >= recentFrom || entries.has(i)))];
  }

  /** After case `index` (sent as `plan` says): the blocks it reached first make it an entry. */
  async learn(index: number, plan: CasePlan, seconds: number): Promise<void> {
    this.sinceRestart.push(...plan.context, index);
    if (this.sinceRestart.length > REMEMBERED) this.sinceRestart.splice(0, this.sinceRestart.length - REMEMBERED);
    const fresh = this.feedback.takeNew().map((h) => h.address);
    if (fresh.length === 0) {
      if (++this.quiet >= ROTATE_AFTER) {
        this.quiet = 0;
        this.feedback.rotate();
      }
      return;
    }
    this.quiet = 0;
    // A black-box campaign whose coverage is only recorded (fuzz.coverage.guide: false) has no corpus.
    const corpus = this.source.corpus;
    if (corpus) {
      const before = this.recent().filter((i) => i < index);
      const bytes = await this.trim(plan.bytes, fresh);
      // Restarts are dear on some boards (a power cycle's off-time; a boot through breakpoints halts at
      // each block it reaches first): the search for contexts takes at most a share of the campaign's
      // time, and an entry found past it gets none.
      const affordable = this.contextMs <= CONTEXT_SHARE * seconds * 1000;
      const started = Date.now();
      const context = before.length > 0 && affordable ? await this.contextOf(index, bytes, fresh, before) : [];
      this.contextMs += Date.now() - started;
      // Blocks the trimming reached first are this entry's too: they were reached by its own lines.
      corpus.push({ addedAt: index, bytes, found: fresh.length + this.feedback.takeNew().length, context });
    }
    this.timeline.push({ case: index, seconds: Number(seconds.toFixed(2)), blocks: this.feedback.reachedCount });
  }

  /** Whether `lines` reach every one of `blocks`; undefined when they failed (the board was restarted). */
  private async reaches(lines: Buffer[], blocks: number[]): Promise<boolean | undefined> {
    const { hit, result } = await this.feedback.probe(blocks, () => this.bench.send(lines));
    if (result) {
      await this.restart('fuzz: restart after a failure while growing the corpus');
      return undefined;
    }
    return blocks.every((b) => hit.has(b));
  }

  private async restart(step: string): Promise<void> {
    await this.bench.restart(step);
    this.sinceRestart = [];
  }

  /** The shortest prefix (halving the bytes cut off) that still reaches `blocks`, in the board's state now. */
  private async trim(line: Buffer, blocks: number[]): Promise<Buffer> {
    let best = line;
    let tries = 0;
    for (let cut = 2 ** Math.floor(Math.log2(Math.max(1, line.length))); cut >= 1; cut >>= 1) {
      while (best.length > cut && tries++ < TRIM_TRIES) {
        const candidate = best.subarray(0, best.length - cut);
        const reached = await this.reaches([candidate], blocks);
        if (reached === undefined) return best;
        if (!reached) break;
        best = candidate;
      }
    }
    // A console line is words: the space after the last word kept is kept, so the next argument can
    // grow at the end of the line, where edits are made (`key xyz` trims to `key `, not `key`).
    return best.length < line.length && line[best.length] === SPACE ? line.subarray(0, best.length + 1) : best;
  }

  /** The earlier cases `line` needs, from a fresh start, to reach `blocks`: none, or those ddmin keeps of `before`. */
  private async contextOf(index: number, line: Buffer, blocks: number[], before: number[]): Promise<number[]> {
    const after = async (context: number[]) => {
      await this.restart('fuzz: restart to find what a corpus entry needs before it');
      const lines = [...context.map((i) => this.bench.line(i)), line];
      const reached = await this.reaches(lines, blocks);
      // The board is left in the state these lines set (an unlock): the cases after it build on it.
      if (reached !== undefined) this.sinceRestart = [...context, index];
      return reached === true;
    };
    if (await after([])) return [];
    // Reached only after what came before it: ddmin keeps what is needed. Not reached even then (a
    // block reached by timing, a state set before the last restart): it is kept with no context.
    if (!(await after(before))) return [];
    return ddmin(before, after, { tests: CONTEXT_TESTS });
  }
}
