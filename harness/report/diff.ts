/**
 * Two run folders compared, check by check (board and check id): what fails now and did not before
 * (new failures, first), what failed and passes now (fixed), what fails in both (still failing),
 * and what could not be tested now. Read from each folder's TAP and summary, as the reports are.
 */
import { describeFirmware, differentBuilds, type FirmwareSeen } from '../firmware-seen.ts';
import { type RunFolder, readRunFolder } from './run-folder.ts';

export interface RunDiff {
  newFailures: string[];
  fixed: string[];
  stillFailing: string[];
  /** Could not be tested in the newer run (passed or failed before, or new). */
  untested: string[];
  /** Boards whose two runs tested different builds: the verdicts compare two firmwares, not one. */
  builds: { board: string; before: FirmwareSeen; after: FirmwareSeen }[];
}

const verdicts = (folder: RunFolder) =>
  new Map(folder.results.flatMap((r) => r.checks.map((c) => [`${r.board} ${c.id}`, c.verdict] as const)));

/** Each board's firmware in a run: the last its suites saw boot. */
function firmware(folder: RunFolder): Map<string, FirmwareSeen> {
  const seen = new Map<string, FirmwareSeen>();
  for (const r of folder.results) if (r.firmware) seen.set(r.board, r.firmware);
  return seen;
}

export async function diffRuns(before: string, after: string): Promise<RunDiff> {
  const [then, now] = await Promise.all([readRunFolder(before), readRunFolder(after)]);
  const [a, b] = [verdicts(then), verdicts(now)];
  const [was, is] = [firmware(then), firmware(now)];
  const builds = [...is]
    .filter(([board, seen]) => differentBuilds(was.get(board), seen))
    .map(([board, seen]) => ({ board, before: was.get(board)!, after: seen }));
  const diff: RunDiff = { newFailures: [], fixed: [], stillFailing: [], untested: [], builds };
  for (const [key, now] of [...b].sort(([x], [y]) => x.localeCompare(y))) {
    const then = a.get(key);
    if (now === 'fail') (then === 'fail' ? diff.stillFailing : diff.newFailures).push(key);
    else if (now === 'pass' && then === 'fail') diff.fixed.push(key);
    else if (now === 'inconclusive') diff.untested.push(key);
  }
  return diff;
}

export function formatDiff(diff: RunDiff): string {
  const section = (title: string, keys: string[]) =>
    keys.length ? `${title} (${keys.length}):\n${keys.map((k) => `  ${k}`).join('\n')}\n` : `${title}: none\n`;
  const builds = diff.builds.map(
    (b) =>
      `${b.board} tested different builds: ${describeFirmware(b.before)} before, ${describeFirmware(b.after)} now\n`,
  );
  return [
    ...builds,
    section('new failures', diff.newFailures),
    section('fixed', diff.fixed),
    section('still failing', diff.stillFailing),
    section('could not be tested', diff.untested),
  ].join('');
}
