/** `hil run` and `hil replay`: a run of suites on a rig's boards, and a fuzz reproducer run again. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, UsageError } from '../util/errors.ts';
import { loadReproducer } from '../fuzz/reproducer.ts';
import { consoleProgress } from '../runner/progress.ts';
import { EXIT, run } from '../runner/run.ts';

/** The longest suite deadline: a day (a timer cannot hold much more than 24 days anyway). */
const MAX_SUITE_DEADLINE_S = 86_400;
/** A fuzz budget's bounds: a billion cases, a week. */
const MAX_FUZZ_CASES = 1_000_000_000;
const MAX_FUZZ_SECONDS = 7 * 86_400;
const MAX_FUZZ_MINIMIZE = 1000;

export async function runCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      rig: { type: 'string' },
      board: { type: 'string', multiple: true },
      suite: { type: 'string', multiple: true },
      out: { type: 'string' },
      seed: { type: 'string' },
      'suite-deadline': { type: 'string' },
      wait: { type: 'string' },
      'fuzz-cases': { type: 'string' },
      'fuzz-seconds': { type: 'string' },
      'fuzz-minimize': { type: 'string' },
      firmware: { type: 'string', multiple: true },
      'any-firmware': { type: 'boolean' },
      check: { type: 'string', multiple: true },
      sign: { type: 'string' },
    },
  });
  if (!values.rig) throw new UsageError('hil run needs --rig FILE');
  // The fuzz suite's budget reaches its processes through their environment, as the seed does.
  for (const [option, name, min, max] of [
    ['fuzz-cases', 'HIL_FUZZ_CASES', 1, MAX_FUZZ_CASES],
    ['fuzz-seconds', 'HIL_FUZZ_SECONDS', 1, MAX_FUZZ_SECONDS],
    ['fuzz-minimize', 'HIL_FUZZ_MINIMIZE', 0, MAX_FUZZ_MINIMIZE],
  ] as const) {
    const given = values[option];
    if (given !== undefined) process.env[name] = String(wholeNumber(`--${option}`, given, min, max));
  }
  const seed = values.seed === undefined ? undefined : wholeNumber('--seed', values.seed, 0, 2 ** 32 - 1);
  const deadline = secondsOption('--suite-deadline', values['suite-deadline']);
  const wait = secondsOption('--wait', values.wait);
  return run({
    rig: values.rig,
    boards: values.board,
    suites: values.suite,
    out: values.out,
    seed,
    suiteDeadlineMs: deadline,
    ...(wait !== undefined ? { waitMs: wait } : {}),
    ...(values.firmware ? { firmware: values.firmware.map(buildOption) } : {}),
    anyFirmware: values['any-firmware'] === true,
    ...(values.check ? { checks: values.check.map(checkOption) } : {}),
    ...(values.sign ? { sign: values.sign } : {}),
    progress: consoleProgress(),
  });
}

/** A whole number given on the command line, from `min` to `max`. */
function wholeNumber(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  // Digits only: Number() would read '' and ' ' as 0, and '0x10' or '1e3' as other numbers.
  if (!(/^[0-9]+$/.test(value) && n >= min && n <= max))
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return n;
}

/** A number of seconds given on the command line, in milliseconds; undefined when not given. */
function secondsOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!(value.trim() !== '' && seconds > 0 && seconds <= MAX_SUITE_DEADLINE_S))
    throw new UsageError(
      `${name} must be a number of seconds above 0, at most ${MAX_SUITE_DEADLINE_S}, not ${JSON.stringify(value)}`,
    );
  return seconds * 1000;
}

export async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { rig: { type: 'string' }, board: { type: 'string' }, out: { type: 'string' } },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError('hil replay needs one reproducer FILE');
  let recorded: { rig: string; board: string };
  try {
    recorded = loadReproducer(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hil: invalid reproducer:\n  ${error.problems.join('\n  ')}\n`);
      return EXIT.cannotRun;
    }
    throw new UsageError(notAReproducer(file, error as NodeJS.ErrnoException));
  }
  process.env.HIL_FUZZ_REPLAY = resolve(file);
  return run({
    rig: values.rig ?? recorded.rig,
    boards: [values.board ?? recorded.board],
    suites: ['fuzz'],
    out: values.out,
    progress: consoleProgress(),
  });
}

/** Why `file` cannot be replayed, in one line that names it (JSON.parse's own message names nothing). */
function notAReproducer(file: string, error: NodeJS.ErrnoException): string {
  // JSON.parse quotes the file's text, newlines and all: none of it reaches the terminal unescaped.
  const why = error.message.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (error instanceof SyntaxError) return `${file} is not a reproducer: it is not JSON (${why})`;
  if (why.includes(file)) return why;
  return error.code ? `cannot read ${file}: ${why}` : `${file} is not a reproducer: ${why}`;
}

/** `--firmware [BOARD=]FILE`: a board's name before `=` (as rig files name boards), else the file for every board. */
function buildOption(text: string): { board?: string; file: string } {
  const m = /^([A-Za-z0-9][A-Za-z0-9_-]*)=(.+)$/.exec(text);
  if (m) return { board: m[1]!, file: m[2]! };
  if (text === '') throw new UsageError('--firmware needs [BOARD=]FILE');
  return { file: text };
}

/** `--check suite/check`, as `hil list` names checks. */
function checkOption(text: string): string {
  if (!/^[a-z0-9-]+\/[a-z0-9-]+$/.test(text))
    throw new UsageError(`--check names a check as suite/check (hil list shows them), not ${JSON.stringify(text)}`);
  return text;
}
