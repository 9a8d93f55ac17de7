/**
 * The brownout suite's bench: what a board offers to be cut during (a settings write through the
 * profile's config-write action, an update through its real update path), the settings marker that
 * every trial must leave intact (shown first to survive a clean power cycle), the board's baseline
 * every trial is judged against, and how trials become verdicts (`N/N recovered`).
 */
import type { Board } from '../board.ts';
import { HilError } from '../util/errors.ts';
import type { Glitch } from '../power/glitch.ts';
import { openUpdatePath } from '../update/open.ts';
import type { UpdatePath } from '../update/path.ts';
import { type Candidate, offers, readTeamImages, type TeamImages } from '../update/variants.ts';
import { fail, inconclusive, type Outcome, pass } from '../verdict.ts';
import { afterTrial, type Expectation, readMarker, type TrialReport } from './after-trial.ts';
import type { Baseline } from './baseline.ts';

/** Something the board does that writes flash, to be cut in the middle of. */
export interface Activity {
  readonly name: string;
  run(step: string): Promise<unknown>;
  /** What may be seen after a trial cut into it. */
  expectation(): Expectation;
  /** Back to where a trial starts (the current image; a settings marker written cleanly). */
  settle(step: string): Promise<void>;
}

export class Bench {
  private marker: string | undefined;
  private writes = 0;
  /**
   * The settings' positive control (proveSettings), where the board has settings: what it showed.
   * Where it failed, no trial judges the settings, and a check that would pass is inconclusive with
   * what it showed as the reason; a failure still stands.
   */
  private control: { held: boolean; seen: string } | undefined;
  readonly update: Activity | undefined;
  readonly settings: Activity | undefined;

  private constructor(
    readonly board: Board,
    private readonly seed: number,
    readonly baseline: Baseline,
    readonly path: UpdatePath | undefined,
    readonly team: TeamImages | undefined,
    /**
     * Which of the team's images the board runs before the first trial (its own baseline): the rig's
     * current one, or its newer one where an earlier run installed that for good (rollback's positive
     * control). Every trial must come back to it. Undefined where it runs neither.
     */
    readonly running: Candidate | undefined,
  ) {
    const canStore = board.hasAction('config-write') && board.hasAction('config-read');
    this.settings = canStore ? this.settingsWrite() : undefined;
    // An update to cut into needs a newer image than the one that runs.
    this.update =
      path && team?.newer && running === team.current ? this.newerImage(path, team.current, team.newer) : undefined;
  }

  /** The update path, where the rig wires one, and which of the team's images the board runs. */
  static async open(board: Board, seed: number, baseline: Baseline): Promise<Bench> {
    const files = board.rollback;
    if (!files) return new Bench(board, seed, baseline, undefined, undefined, undefined);
    const team = readTeamImages(files);
    const path = await openUpdatePath(board);
    const now = await (path.listNow ?? path.running).call(path, 'brownout: what runs before the trials');
    const running = [team.current, team.newer].find((image) => image && path.runs(now, image));
    return new Bench(board, seed, baseline, path, team, running);
  }

  /** Write a fresh settings marker cleanly: what every later trial must leave readable. */
  async writeMarker(): Promise<void> {
    if (!this.settings) return;
    this.marker = `hil-bo-${this.seed}-${++this.writes}`;
    await this.writeSettings(this.marker, 'brownout: settings marker');
  }

  /**
   * The positive control for "settings lost": the marker, written cleanly, reads back after a clean
   * power cycle. Where the write reports failure or the marker does not come back, no trial judges
   * the settings, and a check that would pass is inconclusive instead (verdictOf).
   */
  async proveSettings(): Promise<void> {
    if (!this.settings) return;
    try {
      await this.writeMarker();
    } catch (error) {
      if (!(error instanceof HilError)) throw error;
      this.control = {
        held: false,
        seen: `the settings marker could not be written, so no trial can judge the settings: ${error.detail.seen}`,
      };
      return;
    }
    const step = 'brownout: settings control, a clean power cycle';
    const boot = await this.board.powerCycle(step);
    if (!boot.ready) throw boot.failure ?? this.board.failure(step, 'a boot to the ready line', 'none');
    const read = await readMarker(this.board, [this.marker!]);
    const readBack = read.lines.join(' | ') || 'nothing';
    this.control = read.found
      ? { held: true, seen: `"${this.marker}" written, and read back after a clean power cycle: ${readBack}` }
      : {
          held: false,
          seen: `settings do not survive even a clean power cycle: "${this.marker}" was written, and read back: ${readBack}`,
        };
  }

  /** After a glitch that hit no activity: the version it ran, the marker it held. */
  steady(): Expectation {
    return {
      versions: this.running ? [this.running.info.version] : [this.baseline.version],
      ...(this.path && this.running ? { images: { path: this.path, allowed: [this.running] } } : {}),
      ...(this.marker && this.control?.held ? { settings: [this.marker] } : {}),
      baseline: this.baseline,
    };
  }

  /** The trials' verdict; a pass with the settings control failed proves less than it says: inconclusive. */
  verdictOf(reports: TrialReport[], what: string, extra: Record<string, unknown> = {}): Outcome {
    const control = this.control;
    const outcome = verdictOf(reports, what, control ? { ...extra, settingsControl: control.seen } : extra);
    if (outcome.verdict !== 'pass' || !control || control.held) return outcome;
    return inconclusive(control.seen, outcome.evidence);
  }

  /**
   * A settings write, done: its prompt back and nothing in its answer that the profile says means
   * failure (brownout.write-failed). Otherwise a HilError naming the answer: a failed write is never
   * the set-up of a cut, and a write a reset interrupted says so.
   */
  private async writeSettings(value: string, step: string): Promise<void> {
    const answer = await this.board.action('config-write', { value });
    const said = answer.lines.filter((line) => !line.endsWith(answer.sent));
    const failed = said.find((line) => this.board.profile.brownout.writeFailed.some((p) => p.test(line)));
    const wrong =
      answer.interrupted ??
      (failed !== undefined ? `its answer reports a failure: "${failed.slice(0, 200)}"` : undefined) ??
      (answer.prompt ? undefined : `no prompt after it; it said: ${said.slice(-4).join(' | ') || 'nothing'}`);
    if (wrong)
      throw this.board.failure(step, `"${answer.sent}" done (its prompt back, no failure in its answer)`, wrong);
  }

  /** Follow the boot after a glitch and judge it. */
  async trial(label: string, glitch: Glitch | undefined, expect: Expectation): Promise<TrialReport> {
    if (!glitch)
      return {
        trial: label,
        timing: {},
        inconclusive: 'the aim was never reached',
        problems: [],
        seen: {},
        excerpt: [],
      };
    const boot = await this.board.recordBoot(`${label}: boot`, glitch.from);
    try {
      const report = await afterTrial(this.board, label, glitch, boot, expect);
      // A cut after the activity was over tested nothing of it; what it broke still counts.
      if (glitch.missed && report.problems.length === 0) report.inconclusive = glitch.missed;
      return report;
    } catch (error) {
      if (!(error instanceof HilError)) throw error;
      return { trial: label, timing: glitch.timing, inconclusive: error.message, problems: [], seen: {}, excerpt: [] };
    }
  }

  /** The older signed images to offer once the cuts are over: the downgrade and the lower counter. */
  downgrades(): Candidate[] {
    if (!this.team) return [];
    const offered = offers(this.team);
    return ['older', 'lower-counter'].flatMap((name) => {
      const offer = offered[name];
      return offer && !('skip' in offer) ? [offer] : [];
    });
  }

  async close(): Promise<void> {
    await this.path?.close();
  }

  private settingsWrite(): Activity {
    let next = '';
    return {
      name: 'settings write',
      run: async (step) => {
        next = `hil-bo-${this.seed}-${++this.writes}`;
        await this.writeSettings(next, step);
      },
      expectation: () => {
        const steady = this.steady();
        return steady.settings ? { ...steady, settings: [...steady.settings, next] } : steady;
      },
      settle: () => this.writeMarker(),
    };
  }

  private newerImage(path: UpdatePath, current: Candidate, newer: Candidate): Activity {
    return {
      name: 'update',
      run: (step) => path.offer(newer, step),
      expectation: () => ({
        ...this.steady(),
        versions: [current.info.version, newer.info.version],
        ...(path.listNow ? { images: { path, allowed: [current, newer] } } : {}),
      }),
      settle: async (step) => path.restore(current, await path.running(`${step}: what runs`), step),
    };
  }
}

const brief = (r: TrialReport) => ({
  trial: r.trial,
  ...(r.inconclusive ? { inconclusive: r.inconclusive } : { ok: r.problems.length === 0 }),
  timing: r.timing,
});

/**
 * Every trial judged and recovered: pass, `N/N` as the headline; a failed trial fails it with its
 * evidence. What was so before any trial (the baseline) is named in every outcome's evidence.
 */
function verdictOf(reports: TrialReport[], what: string, given: Record<string, unknown>): Outcome {
  const judged = reports.filter((r) => !r.inconclusive);
  const failed = judged.filter((r) => r.problems.length > 0);
  const headline = `${judged.length - failed.length}/${judged.length} ${what} recovered`;
  const constant = [...new Set(reports.flatMap((r) => r.baseline ?? []))];
  const extra = constant.length > 0 ? { ...given, baseline: constant } : given;
  if (failed.length > 0)
    return fail({
      headline,
      seen: failed[0]!.problems.join('; '),
      failed: failed.slice(0, 4).map((r) => ({ ...brief(r), problems: r.problems, seen: r.seen, log: r.excerpt })),
      trials: reports.map(brief),
      ...extra,
    });
  if (judged.length === 0)
    return inconclusive(reports[0]?.inconclusive ?? `no ${what} could be made`, {
      trials: reports.map(brief),
      ...extra,
    });
  if (judged.length < reports.length)
    return inconclusive(`${reports.length - judged.length} of ${reports.length} trials could not be judged`, {
      headline,
      trials: reports.map(brief),
      ...extra,
    });
  return pass({ headline, trials: reports.map(brief), ...extra });
}
