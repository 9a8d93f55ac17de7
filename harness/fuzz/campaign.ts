/**
 * A campaign: cases 0, 1, 2, ... of one target until the case or time budget is spent. After each
 * case the monitors look; every K cases, and once more after the last, the board is asked whether
 * it lives, and a dead board is bisected back to the first case after which it no longer answered.
 * On a failure the board is restarted (QMP reset, power cycle, or its reboot action: never a fixed
 * sleep, always its ready line), the case is replayed to confirm it (one that does not come back is
 * kept unconfirmed), the cases before it are tried when it alone does not reproduce, the bytes are
 * minimized with ddmin, and a reproducer is kept; a failure whose signature is kept already only
 * restarts the board. With coverage (a debug port's breakpoints), a case that reaches a block no case
 * before it reached joins the corpus the next cases are mutated from (corpus-keeper.ts, cases.ts); a
 * case made from an entry sends the entry's context (earlier cases) first.
 */
import type { Board } from '../board.ts';
import { type CaseSource, caseBytes, casePlan } from './cases.ts';
import { CorpusKeeper, type CoveragePoint, type Feedback } from './corpus-keeper.ts';
import { ddmin } from './minimize.ts';
import type { Finding, Monitor } from './monitors.ts';
import type { Target } from './targets.ts';

export interface Budget {
  cases: number;
  seconds: number;
  /** Liveness every this many cases. */
  livenessEvery: number;
  /** Restarts a minimization may spend on one failure. */
  minimizeTests: number;
}

export interface Failure {
  index: number;
  finding: Finding;
  confirmed: boolean;
  /** The cases before it that it needs (indexes), when it alone did not reproduce. */
  preamble: number[];
  bytes: Buffer;
  minimized: Buffer;
  /** Seconds into the campaign it was seen. */
  seconds?: number;
}

export interface CampaignResult {
  cases: number;
  seconds: number;
  failures: Failure[];
  /** Set when the campaign could not go on: the board did not come back after a restart. */
  stopped?: string;
  synopsis: string[];
  /** With coverage: blocks reached over cases and time. */
  timeline?: CoveragePoint[];
}

export interface Progress {
  cases: number;
  failures: number;
  casesPerSecond: number;
  last?: string;
}

const HISTORY = 8;
/**
 * How long a replay waits for the board to go quiet before it looks again (a reset's banner is late;
 * a board host that a loaded machine did not schedule for a while is later still), and at most.
 */
const SETTLE_MS = 250;
const SETTLE_DEADLINE_MS = 1000;
/** A board that keeps failing is not worth more than this many failures in one campaign. */
const MAX_FAILURES = 5;

export class Campaign {
  private readonly history: number[] = [];
  /** The signatures of the failures kept: one reproducer each. */
  private readonly signatures = new Set<string>();

  /** With coverage: the corpus, grown after each case. */
  private readonly corpus?: CorpusKeeper;

  constructor(
    private readonly board: Board,
    private readonly target: Target,
    private readonly source: CaseSource,
    private readonly monitors: Monitor[],
    private readonly budget: Budget,
    private readonly onProgress: (p: Progress) => void = () => undefined,
    private readonly feedback?: Feedback,
  ) {
    if (feedback)
      this.corpus = new CorpusKeeper(feedback, source, {
        send: (lines) => this.send(lines, -1),
        restart: (step) => this.restart(step),
        line: (index) => caseBytes(source, index),
      });
  }

  async run(): Promise<CampaignResult> {
    const started = Date.now();
    const failures: Failure[] = [];
    let index = 0;
    let stopped: string | undefined;
    const elapsed = () => (Date.now() - started) / 1000;
    for (; index < this.budget.cases && elapsed() < this.budget.seconds; index++) {
      this.feedback?.markCase(index);
      const plan = casePlan(this.source, index);
      let finding = await this.send([...plan.context.map((i) => caseBytes(this.source, i)), plan.bytes], index);
      if (!finding && this.corpus) {
        // Growing the corpus restarts the board; one that does not come back ends the campaign.
        stopped = await this.corpus.learn(index, plan, elapsed()).then(
          () => undefined,
          (error: Error) => error.message,
        );
        if (stopped) break;
      }
      if (!finding && (index + 1) % this.budget.livenessEvery === 0) finding = await this.alive();
      this.history.push(index);
      if (this.history.length > HISTORY) this.history.shift();
      if (index % 25 === 0 || finding)
        this.onProgress({
          cases: index + 1,
          failures: failures.length,
          casesPerSecond: (index + 1) / Math.max(elapsed(), 0.001),
          last: finding?.signature,
        });
      if (!finding) continue;
      this.feedback?.markCase(-1);
      stopped = await this.found(index, finding, failures, elapsed());
      this.feedback?.takeNew(); // what replays and restarts reached belongs to no case
      if (stopped || failures.length >= MAX_FAILURES) break;
    }
    // The cases since the last liveness probe: a board that went silent there has not survived them.
    if (index > 0 && !stopped && failures.length < MAX_FAILURES) {
      await settle(this.board, this.monitors);
      const finding = lookAgain(this.monitors) ?? (await this.alive());
      if (finding) stopped = await this.found(index - 1, finding, failures, elapsed());
    }
    return {
      cases: index,
      seconds: elapsed(),
      failures,
      ...(stopped ? { stopped } : {}),
      synopsis: this.monitors.map((m) => m.synopsis()),
      ...(this.corpus ? { timeline: this.corpus.timeline } : {}),
    };
  }

  /** A finding after case `index`: confirmed (or not) and kept; what stops the campaign, when the board did not come back. */
  private async found(
    index: number,
    finding: Finding,
    failures: Failure[],
    seconds: number,
  ): Promise<string | undefined> {
    let stopped: string | undefined;
    if (this.signatures.has(finding.signature)) {
      // Kept already, with its reproducer: the board is only brought back, and the campaign goes on.
      return this.restart('fuzz: restart after a failure already kept').then(
        () => undefined,
        (error: Error) => error.message,
      );
    }
    // Where a preamble may be: the last few cases, and those since the board last restarted.
    const recent = [...this.history, ...(this.corpus?.recent() ?? [])];
    const failure = await this.investigate(index, finding, recent).catch((error: Error): Failure => {
      // The board did not come back: what was seen is kept, unconfirmed, and the campaign ends.
      stopped = error.message;
      const bytes = caseBytes(this.source, index);
      return { index, finding, confirmed: false, preamble: [], bytes, minimized: bytes };
    });
    if (failure && !this.signatures.has(failure.finding.signature))
      failures.push({ ...failure, seconds: Number(seconds.toFixed(1)) });
    if (failure) this.signatures.add(failure.finding.signature);
    return stopped;
  }

  /** Lines sent as case `index` (its context first); the first finding ends it. */
  private async send(lines: Buffer[], index: number): Promise<Finding | undefined> {
    for (const line of lines) {
      const finding = await sendCase(this.board, this.target, this.monitors, index, line);
      if (finding) return finding;
    }
    return undefined;
  }

  private alive(): Promise<Finding | undefined> {
    return askAlive(this.monitors);
  }

  /** Restart the board to its ready line: what the cases before set is gone. */
  private async restart(step: string): Promise<void> {
    this.history.length = 0;
    this.corpus?.restarted();
    await restartBoard(this.board, this.monitors, step);
  }

  private async reproduces(preamble: number[], bytes: Buffer, finding: Finding): Promise<boolean> {
    await this.restart('fuzz: restart for a replay');
    const seen = await replay(
      this.board,
      this.target,
      this.monitors,
      preamble.map((i) => caseBytes(this.source, i)),
      bytes,
      finding,
    );
    return seen?.signature === finding.signature;
  }

  private async investigate(index: number, finding: Finding, recent: number[]): Promise<Failure | undefined> {
    const { bytes, context } = casePlan(this.source, index);
    const before = [...new Set([...recent, ...context])].filter((i) => i < index).sort((a, b) => a - b);
    const tests = { tests: this.budget.minimizeTests };
    let preamble: number[] = [];
    let confirmed = await this.reproduces([], bytes, finding);
    // Output lags input: a reboot or crash seen after case N may be case N-1's doing.
    const previous = before.at(-1);
    if (!confirmed && previous !== undefined) {
      if (await this.reproduces([], caseBytes(this.source, previous), finding))
        return this.investigate(previous, finding, recent);
    }
    if (!confirmed && before.length > 0 && (await this.reproduces(before, bytes, finding))) {
      confirmed = true;
      preamble = await ddmin(before, (subset) => this.reproduces(subset, bytes, finding), tests);
    }
    if (!confirmed && finding.kind === 'dead') {
      // A board found dead at a liveness probe: the case that killed it is one of those since the last probe.
      for (const i of before) {
        if (await this.reproduces([], caseBytes(this.source, i), finding)) {
          await this.restart('fuzz: after the bisect');
          return this.investigate(i, finding, recent);
        }
      }
    }
    let minimized = bytes;
    if (confirmed) {
      const units = [...bytes];
      const kept = await ddmin(units, (subset) => this.reproduces(preamble, Buffer.from(subset), finding), tests);
      minimized = Buffer.from(kept);
    }
    await this.restart('fuzz: restart after a failure');
    return { index, finding, confirmed, preamble, bytes, minimized };
  }
}

/**
 * Send one case and ask every monitor; the first finding counts. A monitor that has seen something
 * begin (a banner-like line) gets the lines that settle it first: a reboot is seen with its case.
 */
export async function sendCase(
  board: Board,
  target: Target,
  monitors: Monitor[],
  index: number,
  bytes: Buffer,
): Promise<Finding | undefined> {
  for (const m of monitors) m.preSend?.(index);
  const fromTarget = await target.send(bytes);
  if (monitors.some((m) => m.pending?.())) await settle(board, monitors);
  // A crash or a reboot explains a prompt that never came: the monitors speak first.
  return lookAgain(monitors) ?? fromTarget;
}

export async function askAlive(monitors: Monitor[]): Promise<Finding | undefined> {
  for (const m of monitors) {
    const finding = await m.alive?.();
    if (finding) return finding;
  }
  return undefined;
}

/** Restart the board to its ready line; a board that does not come back ends the campaign. */
export async function restartBoard(board: Board, monitors: Monitor[], step: string): Promise<void> {
  const boot = await board.restart(step);
  for (const m of monitors) m.restarted();
  if (!boot.ready) throw new Error(`${step}: the board did not come back to its ready line after a restart`);
}

/**
 * On a freshly restarted board: the preamble's cases, then `bytes`; what was seen. A different
 * failure on the way is returned as it is (it is not the one looked for). The caller restarts the
 * board (restartBoard, or its own restart when it wants the boot record) and tells the monitors.
 */
export async function replay(
  board: Board,
  target: Target,
  monitors: Monitor[],
  preamble: Buffer[],
  bytes: Buffer,
  looking: Finding,
): Promise<Finding | undefined> {
  for (const before of preamble) {
    const on = await sendCase(board, target, monitors, -1, before);
    // A failure on the way is not this case's: it must come from the case itself.
    if (on) return { ...on, signature: `${on.signature} (during the preamble)` };
  }
  const seen = await sendCase(board, target, monitors, -1, bytes);
  if (seen) return seen;
  if (looking.kind === 'dead' || looking.kind === 'hang') return askAlive(monitors);
  await settle(board, monitors);
  return lookAgain(monitors);
}

/**
 * Output lags input (a reset's banner comes tens of milliseconds after the case): let the board go
 * quiet; and where a monitor has seen a boot begin, give the boot its deadline to show it is one.
 */
export async function settle(board: Board, monitors: Monitor[]): Promise<void> {
  await board.console.waitQuiet(SETTLE_MS, SETTLE_DEADLINE_MS);
  const until = Date.now() + board.profile.boot.deadlineMs;
  while (monitors.some((m) => m.pending?.()) && Date.now() < until)
    await board.console.waitQuiet(SETTLE_MS, Math.max(1, until - Date.now()));
}

/** What the monitors saw since they last looked: the first finding. */
function lookAgain(monitors: Monitor[]): Finding | undefined {
  for (const m of monitors) {
    const late = m.postSend(-1);
    if (late) return late;
  }
  return undefined;
}
