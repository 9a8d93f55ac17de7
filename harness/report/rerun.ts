/**
 * From a nightly failure to a desk: the one command that runs a failing or could-not-test check again,
 * on the same rig file, board and seed, with the same build where the run deployed one
 * (`hil run --check suite/check`: its suite runs for what the check needs, the rest are skipped).
 */
import type { RunSummary } from '../runner/summary.ts';
import type { Verdict } from '../verdict.ts';

/** A word as a POSIX shell reads it: left bare when it is plainly safe, else in single quotes. */
const word = (text: string) => (/^[\w./:=@+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/** Whether a check's verdict is one a person would run again: failed, or could not be tested. */
export const worthRerunning = (verdict: Verdict) => verdict === 'fail' || verdict === 'inconclusive';

/** Names and paths a command can carry as they are; anything else (a hostile TAP's id) gets no command. */
const PLAIN = /^[\w./:=@+ -]+$/;

/** The command, or undefined where a name in it is not one hil itself could have written. */
export function rerunCommand(summary: RunSummary, board: string, check: string): string | undefined {
  const { rigFile, rig, seed, builds } = summary.run;
  const build = builds?.[board]?.file;
  const rigPath = rigFile ?? `rigs/${rig}.yaml`;
  const named = [board, check, rigPath, ...(build ? [build] : [])];
  if (!/^[a-z0-9-]+\/[a-z0-9-]+$/.test(check) || !named.every((n) => PLAIN.test(n)) || !Number.isSafeInteger(seed))
    return undefined;
  return [
    'npx hil run --rig',
    word(rigPath),
    '--board',
    word(board),
    '--check',
    word(check),
    '--seed',
    String(seed),
    ...(build ? ['--firmware', word(build)] : []),
  ].join(' ');
}
