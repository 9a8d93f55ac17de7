/**
 * Glitches: power taken away from a board at a chosen moment, through its own power driver. Each
 * returns where the board's next boot starts on the console and the timing achieved beside the
 * timing asked for: a relay or a supply answers in milliseconds to hundreds of them, and that
 * latency is part of the evidence (a "cut at the marker" that landed 80 ms later hit another write).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Board, PowerCut } from '../board.ts';
import { bootMarker } from '../config/load.ts';
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

/**
 * `count` power cycles in a row, off `offMs` each (a weak supply's boot loop): every cycle but the
 * last is cut once its boot has printed the number of lines given for it in turn (0: as soon as the
 * switch answers). Aimed by the board's own lines, not by times: a busy host stretches a boot, and
 * on-times taken from another boot land anywhere in it. A run in which every boot reached its ready
 * line before its cut cut no boot short: `missed`.
 */
export async function quickCycles(board: Board, count: number, offMs: number, atLines: number[], step: string) {
  let last: PowerCut | undefined;
  const offs: [number, number][] = [];
  const cutAfterLines: number[] = [];
  let cutShort = 0;
  for (let i = 0; i < count; i++) {
    last = await board.powerOffOn(`${step}: cycle ${i + 1}/${count}`, offMs);
    offs.push(last.timing.offBetweenMs);
    if (i === count - 1) break;
    const boot = await bootLines(board, last.mark, atLines[i % atLines.length]!);
    cutAfterLines.push(boot.lines);
    if (!boot.ready) cutShort++;
  }
  const shortest = Math.min(...offs.map((o) => o[0]));
  const longest = Math.max(...offs.map((o) => o[1]));
  return {
    from: last!,
    timing: {
      cycles: count,
      requestedOffMs: offMs,
      atLines: atLines.slice(0, count - 1),
      cutAfterLines,
      offBetweenMs: [shortest, longest],
    },
    ...(cutShort === 0 && count > 1
      ? { missed: 'every boot reached its ready line before its cut: no boot was cut short' }
      : {}),
  } satisfies Glitch;
}

/**
 * Wait until the boot that began at `mark` has printed `count` lines, or its ready line (a prompt
 * that has not ended too), or its deadline is over: how many lines it printed, and whether it was ready.
 */
async function bootLines(board: Board, mark: number, count: number): Promise<{ lines: number; ready: boolean }> {
  const { ready, deadlineMs } = board.profile.boot;
  const now = () => {
    const lines = board.console.linesSince(mark).map(matchableText);
    const over = lines.some((l) => ready.test(l)) || ready.test(matchableText(board.console.pendingTextSince(mark)));
    return { lines: lines.length, ready: over };
  };
  const first = now();
  if (first.lines >= count || first.ready) return first;
  let timer: NodeJS.Timeout | undefined;
  let off: (() => void) | undefined;
  await new Promise<void>((resolve) => {
    timer = setTimeout(resolve, deadlineMs);
    off = board.console.onBytes(() => {
      const seen = now();
      if (seen.lines >= count || seen.ready) resolve();
    });
  }).finally(() => {
    clearTimeout(timer);
    off?.();
  });
  return now();
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

/**
 * Where a cut is aimed: `offsetMs` after the `nth` marker line, or `atMs` after the activity starts.
 * `within`: the cut is meant for the `nth` write itself, so one that lands after the next marker (a
 * busy host was late, and the board went on to its next write) tested another write: `missed`.
 */
export type Aim = { marker: RegExp; nth: number; offsetMs: number; within?: boolean } | { atMs: number };

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
  // The markers printed before the power went off: those before the next boot's first line, which the
  // console carries after them, however late they reach the harness.
  const nextBoot = 'marker' in aim && aim.within ? bootMarker(board.profile.boot) : undefined;
  let cutAsked = false;
  let booted = false;
  let landed = '';
  const onLine = (text: string) => {
    if (!('marker' in aim) || booted) return;
    const line = matchableText(text);
    if (cutAsked && nextBoot?.test(line)) booted = true;
    else if (aim.marker.test(line)) {
      landed = line;
      if (++seen === aim.nth) hit?.(line);
    }
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
    cutAsked = true;
    const cut = await board.powerOffOn(`${step}: cut`, offMs);
    await running;
    const offAt = cutAt + cut.timing.offAnsweredMs;
    const late =
      'marker' in aim && aim.within && seen > aim.nth
        ? `the cut landed in a later write than write ${aim.nth} (the last begun: "${landed}"): it tested another write`
        : undefined;
    return {
      from: cut,
      ...(doneAt !== undefined && doneAt <= offAt
        ? {
            missed: `the cut landed after the activity was over (done ${offAt - doneAt} ms before the power went off): it tested no write in progress`,
          }
        : late
          ? { missed: late }
          : {}),
      timing: {
        ...('marker' in aim
          ? { marker: line, markerIndex: aim.nth, requestedOffsetMs: aim.offsetMs, askedAfterMarkerMs: askedAfterMs }
          : { requestedAtMs: aim.atMs, askedAtMs: markerAt - started }),
        ...(nextBoot ? { landedIn: landed, landedIndex: seen } : {}),
        ...achieved(cut),
      },
    };
  } finally {
    board.console.off('line', onLine);
  }
}
