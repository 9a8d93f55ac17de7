/**
 * A failure kept so anyone can run it again: `<run>/<board>/fuzz/<target>-<case>.json` with the
 * profile, target, seed, case index, the bytes (original and minimized), the cases before it that
 * it needs, the pacing, the signature seen, and a hash of the firmware's boot banner and version
 * (a replay on other firmware says so). `hil replay FILE` sends it to a restarted board.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Board } from '../board.ts';
import { Name, Strict } from '../config/atoms.ts';
import { MAX_DURATION_MS } from '../config/duration.ts';
import { type Static, Type } from '../config/typebox.ts';
import { validateYaml } from '../config/validate.ts';
import { escapeBytes } from '../console/escape.ts';
import type { Failure } from './campaign.ts';
import { caseBytes, type CaseSource } from './cases.ts';
import type { Finding } from './monitors.ts';

export const REPRODUCER_FORMAT = 'hil-fuzz-reproducer/1';
const MAX_REPRODUCER_BYTES = 1024 * 1024;

const Base64 = (description: string) => Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', description });
const CaseIndex = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'a case number from 0' });
const oneOf = <T extends string>(values: T[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description: `${description}: ${values.join(', ')}` },
  );

/** A reproducer file, checked as a rig file is: a value a campaign never writes is an error naming its key. */
export const ReproducerFile = Type.Object(
  {
    format: Type.Literal(REPRODUCER_FORMAT),
    rig: Type.String({ minLength: 1, description: 'the rig file the campaign ran on' }),
    board: Name('the board the campaign ran on'),
    profile: Type.String({ minLength: 1, description: "the name of the board's profile" }),
    target: oneOf<CaseSource['target']>(['console', 'smp', 'tcp', 'udp', 'usb'], 'one of the targets'),
    seed: Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, description: 'a seed from 0 to 4294967295' }),
    caseIndex: CaseIndex,
    /** Base64 of what is sent: the minimized case; `original` is the case as generated. */
    bytes: Base64('the minimized case in base64'),
    original: Base64('the case as generated, in base64'),
    /** The same, escaped, for people. */
    shown: Type.String(),
    preamble: Type.Array(Type.Object({ index: CaseIndex, bytes: Base64('a case before it, in base64') }, Strict)),
    pacing: Type.Object(
      {
        caseDeadlineMs: Type.Integer({
          minimum: 1,
          maximum: MAX_DURATION_MS,
          description: `whole milliseconds from 1 to ${MAX_DURATION_MS} (the longest a timer holds)`,
        }),
        lineEnding: Type.String(),
      },
      Strict,
    ),
    finding: Type.Object(
      {
        kind: oneOf<Finding['kind']>(['crash', 'reboot', 'hang', 'dead', 'port-gone'], 'one of the findings'),
        signature: Type.String({ minLength: 1, description: 'the signature a replay must see again' }),
        line: Type.Optional(Type.String()),
      },
      Strict,
    ),
    confirmed: Type.Boolean(),
    firmware: Type.Object({ banner: Type.String(), version: Type.Optional(Type.String()) }, Strict),
  },
  Strict,
);

export type Reproducer = Static<typeof ReproducerFile>;

export interface SavedFailure {
  file: string;
  /** A crash the board printed, or what the harness inferred (a reboot, a hang, a dead board, a port gone). */
  kind: Finding['kind'];
  signature: string;
  confirmed: boolean;
  caseIndex: number;
  /** Seconds into the campaign it was seen. */
  seconds?: number;
  minimized: string;
  preamble: number[];
  replay: string;
}

/** The firmware's fingerprint: a hash of its banner line and the version it reported. */
export function firmwareFingerprint(bannerLine: string | undefined, version: string | undefined) {
  const banner = createHash('sha256')
    .update(bannerLine?.replace(/\d+/g, '#') ?? '')
    .digest('hex')
    .slice(0, 16);
  return version ? { banner, version } : { banner };
}

export function saveReproducer(
  board: Board,
  rigFile: string,
  source: CaseSource,
  failure: Failure,
  caseDeadlineMs: number,
  firmware: Reproducer['firmware'],
): SavedFailure {
  const runBoardDir = dirname(board.console.logPath);
  const dir = join(runBoardDir, 'fuzz');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${source.target}-${failure.index}.json`);
  const reproducer: Reproducer = {
    format: REPRODUCER_FORMAT,
    rig: rigFile,
    board: board.name,
    profile: board.profile.name,
    target: source.target,
    seed: source.seed,
    caseIndex: failure.index,
    bytes: failure.minimized.toString('base64'),
    original: failure.bytes.toString('base64'),
    shown: escapeBytes(failure.minimized),
    preamble: failure.preamble.map((index) => ({ index, bytes: caseBytes(source, index).toString('base64') })),
    pacing: { caseDeadlineMs, lineEnding: board.profile.console.lineEnding },
    finding: failure.finding,
    confirmed: failure.confirmed,
    firmware,
  };
  writeFileSync(file, `${JSON.stringify(reproducer, null, 2)}\n`);
  const shown = relative(dirname(runBoardDir), file);
  return {
    file: shown,
    kind: failure.finding.kind,
    signature: failure.finding.signature,
    confirmed: failure.confirmed,
    caseIndex: failure.index,
    ...(failure.seconds !== undefined ? { seconds: failure.seconds } : {}),
    // As bytes: evidence is escaped once, where it is written.
    minimized: failure.minimized.subarray(0, 200).toString('latin1'),
    preamble: failure.preamble,
    replay: `hil replay ${file}`,
  };
}

/**
 * Read a reproducer, bounded and checked against its schema as a rig file is (ConfigError: the file,
 * line and column, the key path, what was expected and what was found); a file that is not one says so.
 */
export function loadReproducer(file: string): Reproducer {
  const size = statSync(file).size;
  // Not a reproducer at all is said in one line (the CLI escapes it); a reproducer with bad fields gets
  // the schema's errors, each with its place.
  if (size > MAX_REPRODUCER_BYTES) throw new Error(`${file} is ${size} bytes: not a reproducer`);
  const text = readFileSync(file, 'utf8');
  const parsed: unknown = JSON.parse(text);
  if ((parsed as { format?: unknown } | null)?.format !== REPRODUCER_FORMAT)
    throw new Error(`${file} is not a ${REPRODUCER_FORMAT} file`);
  return validateYaml<Reproducer>(file, text, ReproducerFile);
}
