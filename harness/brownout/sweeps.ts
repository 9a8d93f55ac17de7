/**
 * The brownout suite's aimed profiles. Both run the activity once untouched first, to see its write
 * markers and how long it takes: `sweepAcross` then cuts at offsets swept from the first marker to
 * the end; `everyWrite` cuts once at each marker in turn (the MCUboot simulator's method), or, where
 * the firmware prints none, at times spread over the activity. `cutsThroughBoot` cuts at points spread
 * through a boot, each aimed again at the same share of the boot when the boot was over before the cut.
 */
import { HilError } from '../util/errors.ts';
import { cutDuring, cutIntoBoot, observe } from '../power/glitch.ts';
import { inconclusive } from '../verdict.ts';
import type { TrialReport } from './after-trial.ts';
import type { Activity, Bench } from './bench.ts';

export interface Sweep {
  activity: Activity;
  bench: Bench;
  /** Cuts in a swept profile (and in every-write where the firmware prints no marker). */
  trials: number;
  cutMs: number;
  progress: (text: string) => void;
}

/** The activity once, untouched, and back to where it started (unless it failed: then nothing is cut). */
async function cleanRun(activity: Activity, bench: Bench) {
  const marker = bench.board.profile.brownout.writeMarker;
  const clean = await observe(bench.board, marker, () => activity.run(`brownout: clean ${activity.name}`));
  if (!clean.error) await activity.settle(`brownout: after the clean ${activity.name}`);
  return { marker, clean };
}

/** Cuts swept across the activity: from its first write marker to its end (or across all of it, by time). */
export async function sweepAcross({ activity, bench, trials, cutMs, progress }: Sweep) {
  const { marker, clean } = await cleanRun(activity, bench);
  if (clean.error) return inconclusive(`the ${activity.name} failed with no cut at all: ${clean.error}`);
  const first = clean.markers[0];
  const window = first ? clean.durationMs - first.atMs : clean.durationMs;
  const reports: TrialReport[] = [];
  for (let i = 0; i < trials; i++) {
    const aim = first
      ? { marker: marker!, nth: 1, offsetMs: Math.round((i / trials) * window) }
      : { atMs: Math.round(((i + 0.5) / trials) * window) };
    const label = 'marker' in aim ? `cut ${aim.offsetMs} ms after the first write marker` : `cut at ${aim.atMs} ms`;
    progress(`${activity.name}: ${label} (${i + 1}/${trials})`);
    reports.push(await cutAndSettle(activity, bench, aim, cutMs, `${activity.name}: ${label}`));
  }
  return bench.verdictOf(reports, 'cuts', {
    activity: activity.name,
    aimedBy: first ? `write markers /${marker!.source}/` : 'time: the firmware printed no write marker',
    cleanRun: { markers: clean.markers.length, durationMs: clean.durationMs },
  });
}

/** The MCUboot simulator's method on the bench: count the writes of a clean run, then cut at each in turn. */
export async function everyWrite({ activity, bench, trials, cutMs, progress }: Sweep) {
  const { marker, clean } = await cleanRun(activity, bench);
  if (clean.error) return inconclusive(`the ${activity.name} failed with no cut at all: ${clean.error}`);
  const writes = clean.markers.length;
  const aims = writes
    ? clean.markers.map((_, i) => ({ marker: marker!, nth: i + 1, offsetMs: 0, within: true }))
    : Array.from({ length: trials }, (_, i) => ({ atMs: Math.round(((i + 0.5) / trials) * clean.durationMs) }));
  const reports: TrialReport[] = [];
  for (const [i, aim] of aims.entries()) {
    const label =
      'marker' in aim ? `cut at write ${aim.nth}/${writes} (${clean.markers[i]!.line})` : `cut at ${aim.atMs} ms`;
    progress(`${activity.name}: ${label}`);
    const trial = await cutAndSettle(activity, bench, aim, cutMs, `${activity.name}: ${label}`);
    reports.push(trial);
    if ([...trial.problems, trial.inconclusive ?? ''].some((p) => p.includes(STUCK))) break;
  }
  return bench.verdictOf(reports, 'cuts', {
    activity: activity.name,
    aimedBy: writes
      ? `each of the ${writes} write markers of a clean run`
      : 'time: the firmware printed no write marker',
  });
}

async function cutAndSettle(
  activity: Activity,
  bench: Bench,
  aim: Parameters<typeof cutDuring>[2],
  cutMs: number,
  label: string,
): Promise<TrialReport> {
  for (let tries = 1; ; tries++) {
    const glitch = await cutDuring(
      bench.board,
      () => activity.run(`brownout: ${label}`),
      aim,
      cutMs,
      `brownout: ${label}`,
    );
    const trial = await bench.trial(label, glitch, activity.expectation());
    if (tries > 1) trial.timing = { ...trial.timing, tries };
    // A cut that landed after the activity was over, or in a later write than aimed at (a busy host is
    // late), is aimed again, a few times.
    const missed = glitch?.missed !== undefined && trial.inconclusive === glitch.missed;
    try {
      await activity.settle(`brownout: after ${label}`);
    } catch (error) {
      if (!(error instanceof HilError)) throw error;
      const stuck = `${STUCK}: ${error.detail.seen}`;
      // Where a cut that missed its aim left the board is not what the trial aimed at: it stays
      // inconclusive (its aimed write untested), and no try follows from there.
      if (missed) {
        trial.inconclusive = `${trial.inconclusive}; then ${stuck}`;
        return trial;
      }
      trial.problems.push(stuck);
    }
    if (!missed || tries === MISSED_TRIES) return trial;
  }
}

/**
 * `trials` cuts at points spread through the boot (the baseline boot took `bootMs` to its ready line).
 * A boot that was ready before its cut (faster than the baseline's, as on a host that was busy then)
 * cut nothing: that cut is aimed again at the same share of the boot just seen, and so are the rest.
 */
export async function cutsThroughBoot({
  bench,
  trials,
  cutMs,
  bootMs,
  progress,
}: Omit<Sweep, 'activity'> & { bootMs: number }) {
  const reports: TrialReport[] = [];
  let aimedBy = bootMs;
  for (let i = 0; i < trials; i++) {
    const share = (i + 0.5) / trials;
    for (let tries = 1; ; tries++) {
      // The last try cuts as soon as the switch allows: a boot that is over within tens of ms of the
      // switch answering (QEMU's micro:bit) is cut early in it or not at all, never aimed past it.
      const at = tries === MISSED_TRIES ? 0 : Math.round(share * aimedBy);
      progress(`cut ${i + 1}/${trials}: off ${cutMs} ms, ${at} ms into the boot`);
      const glitch = await cutIntoBoot(bench.board, at, cutMs, `brownout: cut ${i + 1}`);
      const trial = await bench.trial(`cut ${i + 1} at ${at} ms`, glitch, bench.steady());
      if (tries > 1) trial.timing = { ...trial.timing, tries };
      const missed = glitch.missed !== undefined && trial.inconclusive === glitch.missed;
      if (!missed || tries === MISSED_TRIES) {
        reports.push(trial);
        break;
      }
      aimedBy = Math.min(aimedBy, glitch.readyAtMs ?? aimedBy);
    }
  }
  return bench.verdictOf(reports, 'cuts', { bootMs });
}

/** How many times a trial whose cut landed after the activity (or the boot) was over is made. */
const MISSED_TRIES = 3;
/** A trial after which the bench could not bring the board back: no later trial starts where it should. */
const STUCK = 'could not return to where the trial started';
