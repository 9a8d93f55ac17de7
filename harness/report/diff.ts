/**
 * Two run folders compared, check by check (board and check id): what fails now and did not before
 * (new failures, first), what failed and passes now (fixed), what fails in both (still failing),
 * and what could not be tested now. Read from each folder's TAP and summary, as the reports are.
 */
import type { Verdict } from '../verdict.ts';
import { readRunFolder } from './run-folder.ts';

export interface RunDiff {
  newFailures: string[];
  fixed: string[];
  stillFailing: string[];
  /** Could not be tested in the newer run (passed or failed before, or new). */
  untested: string[];
}

async function verdicts(dir: string): Promise<Map<string, Verdict>> {
  const folder = await readRunFolder(dir);
  return new Map(folder.results.flatMap((r) => r.checks.map((c) => [`${r.board} ${c.id}`, c.verdict] as const)));
}

export async function diffRuns(before: string, after: string): Promise<RunDiff> {
  const [a, b] = await Promise.all([verdicts(before), verdicts(after)]);
  const diff: RunDiff = { newFailures: [], fixed: [], stillFailing: [], untested: [] };
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
  return [
    section('new failures', diff.newFailures),
    section('fixed', diff.fixed),
    section('still failing', diff.stillFailing),
    section('could not be tested', diff.untested),
  ].join('');
}
