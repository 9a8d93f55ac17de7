/**
 * Glitches: power taken away from a board at a chosen moment, through its own power driver. Each
 * returns where the board's next boot starts on the console and the timing achieved beside the
 * timing asked for: a relay or a supply answers in milliseconds to hundreds of them, and that
 * latency is part of the evidence (a "cut at the marker" that landed 80 ms later hit another write).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Board, PowerCut } from '../board.ts';
import { matchableText } from '../console/escape.ts';
import { isSupply } from './driver.ts';

export interface Glitch {
  /** Where the boot after the glitch starts (the last power-on, or the start of a sag). */
  from: { mark: number; started: number };
  /** What was asked and what was achieved, in milliseconds and volts. */
  timing: Record<string, unknown>;
  /** Whether the supply was taken below the board's brown-out threshold. */
  belowThreshold?: boolean;
  /** Why a cut aimed into an activity tested none of it: the activity was over before the power went off. */
  missed?: string;
  /** For a cut aimed into a boot that missed it: when that boot printed its ready line, after power-on. */
  readyAtMs?: number;
}

/** What one run of an activity (a settings write, an update) showed: its write markers and when. */
export interface Observed {
  markers: { line: string; atMs: number }[];
  durationMs: number;
  error?: string;
}

function achieved(cut: PowerCut): Record<string, unknown> {
  return { ...cut.timing };
}

/**
 * Power on, and `atMs` later cut the power for `offMs`: a cut at a chosen point of the boot. A boot
 * that reached its ready line before the cut (a boot faster than the one the aim was taken from) was
 * not cut: `missed` says so, and `readyAtMs` says when that boot was ready, to aim again by.
 * Times count from the power-on request, as a boot record's readyAfterMs does: a switch that is slow
 * to answer (QEMU's process start is hundreds of milliseconds, its boot after that tens) is part of
 * the boot the aim was taken from, and a cut asked before the switch answered is made at once.
 */
export async function cutIntoBoot(board: Board, atMs: number, offMs: number, step: string): Promise<Glitch> {
  const first = await board.powerOffOn(`${step}: power on`);
  const poweredAt = first.started;
  const ready = board.profile.boot.ready;
  let readyAtMs: number | undefined;
  const onLine = (text: string) => {
    if (readyAtMs === undefined && ready.test(matchableText(text))) readyAtMs = Date.now() - poweredAt;
  };
  board.console.on('line', onLine);
  try {
    await sleep(Math.max(0, atMs - (Date.now() - poweredAt)));
  } finally {
    board.console.off('line', onLine);
  }
  // A ready line that has not ended (a prompt) counts as well, but not one left from before the power-on.
  if (readyAtMs === undefined && ready.test(board.console.pendingTextSince(first.mark)))
    readyAtMs = Date.now() - poweredAt;
  const cutAskedAfterMs = Date.now() - poweredAt;
  const cut = await board.powerOffOn(`${step}: cut`, offMs);
  const timing = { requestedAtMs: atMs, askedAtMs: cutAskedAfterMs, ...achieved(cut) };
  if (readyAtMs === undefined) return { from: cut, timing };
  return {
    from: cut,
    timing: { ...timing, readyAtMs },
    readyAtMs,
    missed: `the cut landed after the boot was over (ready ${readyAtMs} ms after power-on, cut asked at ${cutAskedAfterMs} ms): it cut no boot in progress`,
  };
}

/** `count` power cycles in a row, off `offMs`, on for the times given in turn (a weak supply's boot loop). */
export async function quickCycles(board: Board, count: number, offMs: number, onMs: number[], step: string) {
  let last: PowerCut | undefined;
  const offs: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    last = await board.powerOffOn(`${step}: cycle ${i + 1}/${count}`, offMs);
    offs.push(last.timing.offBetweenMs);
    if (i < count - 1) await sleep(onMs[i % onMs.length]!);
  }
  const shortest = Math.min(...offs.map((o) => o[0]));
  const longest = Math.max(...offs.map((o) => o[1]));
  return {
    from: last!,
    timing: { cycles: count, requestedOffMs: offMs, onMs: onMs.slice(0, count - 1), offBetweenMs: [shortest, longest] },
  } satisfies Glitch;
}

/** The supply taken to `volts` for `holdMs` and back to its nominal voltage. Supplies only. */
export async function sag(board: Board, volts: number, holdMs: number, threshold: number, step: string) {
  const supply = board.power;
  if (!supply || !isSupply(supply)) throw board.failure(step, 'a bench supply to set the voltage with', 'a relay');
  const from = { mark: board.console.mark(), started: Date.now() };
  // An instrument that fails is a HilError naming the step: the check is could-not-test, never insecure.
  const setVoltage = (v: number) =>
    supply.setVoltage(v).catch((error: Error) => {
      throw board.failure(step, `the supply to set ${v} V`, error.message);
    });
  await setVoltage(volts);
  const set = Date.now();
  const measuredVolts = await supply.measureVoltage().catch((error: Error) => `not measured: ${error.message}`);
  await sleep(Math.max(0, holdMs - (Date.now() - set)));
  const back = Date.now();
  await setVoltage(supply.nominal);
  const done = Date.now();
  return {
    from,
    belowThreshold: volts < threshold,
    timing: {
      requestedVolts: volts,
      measuredVolts,
      nominalVolts: supply.nominal,
      thresholdVolts: threshold,
      requestedMs: holdMs,
      setAnsweredMs: set - from.started,
      heldBetweenMs: [back - set, done - from.started],
    },
  } satisfies Glitch;
}

/** Run an activity untouched and note the write markers it printed, and when. */
export async function observe(board: Board, marker: RegExp | undefined, activity: () => Promise<unknown>) {
  const started = Date.now();
  const markers: Observed['markers'] = [];
  const onLine = (text: string) => {
    const line = matchableText(text);
    if (marker?.test(line)) markers.push({ line, atMs: Date.now() - started });
  };
  board.console.on('line', onLine);
  try {
    await activity();
    return { markers, durationMs: Date.now() - started } satisfies Observed;
  } catch (error) {
    return { markers, durationMs: Date.now() - started, error: (error as Error).message } satisfies Observed;
  } finally {
    board.console.off('line', onLine);
  }
}

/** Where a cut is aimed: `offsetMs` after the `nth` marker line, or `atMs` after the activity starts. */
export type Aim = { marker: RegExp; nth: number; offsetMs: number } | { atMs: number };

/**
 * Run an activity and cut the power for `offMs` where aimed. The activity is let run on to its own
 * end (it may fail: the board went away under it); what counts is what the board does afterwards.
 * Undefined when the aim was never reached (fewer markers than asked for, or the activity was over).
 */
export async function cutDuring(
  board: Board,
  activity: () => Promise<unknown>,
  aim: Aim,
  offMs: number,
  step: string,
): Promise<Glitch | undefined> {
  const started = Date.now();
  let seen = 0;
  let hit: ((line: string) => void) | undefined;
  const reached = new Promise<string>((resolve) => {
    hit = resolve;
  });
  const onLine = (text: string) => {
    if (!('marker' in aim)) return;
    const line = matchableText(text);
    if (aim.marker.test(line) && ++seen === aim.nth) hit?.(line);
  };
  board.console.on('line', onLine);
  let over = false;
  /** When the activity finished by itself (an answer that it was done), not by the cut. */
  let doneAt: number | undefined;
  const running = activity()
    .then(
      () => {
        doneAt = Date.now();
      },
      () => undefined,
    )
    .finally(() => {
      over = true;
      hit?.('');
    });
  try {
    if (!('marker' in aim)) await Promise.race([sleep(aim.atMs), running]);
    const line = 'marker' in aim ? await reached : '';
    if (over) {
      await running;
      return undefined;
    }
    const markerAt = Date.now();
    await sleep('marker' in aim ? aim.offsetMs : 0);
    const cutAt = Date.now();
    const askedAfterMs = cutAt - markerAt;
    const cut = await board.powerOffOn(`${step}: cut`, offMs);
    await running;
    const offAt = cutAt + cut.timing.offAnsweredMs;
    return {
      from: cut,
      ...(doneAt !== undefined && doneAt <= offAt
        ? {
            missed: `the cut landed after the activity was over (done ${offAt - doneAt} ms before the power went off): it tested no write in progress`,
          }
        : {}),
      timing: {
        ...('marker' in aim
          ? { marker: line, markerIndex: aim.nth, requestedOffsetMs: aim.offsetMs, askedAfterMarkerMs: askedAfterMs }
          : { requestedAtMs: aim.atMs, askedAtMs: markerAt - started }),
        ...achieved(cut),
      },
    };
  } finally {
    board.console.off('line', onLine);
  }
}
