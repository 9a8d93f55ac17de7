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
import { escapeBytes } from '../console/escape.ts';
import type { Failure } from './campaign.ts';
import { caseBytes, type CaseSource } from './cases.ts';
import type { Finding } from './monitors.ts';

export const REPRODUCER_FORMAT = 'hil-fuzz-reproducer/1';
const MAX_REPRODUCER_BYTES = 1024 * 1024;

export interface Reproducer {
  format: typeof REPRODUCER_FORMAT;
  rig: string;
  board: string;
  profile: string;
  target: CaseSource['target'];
  seed: number;
  caseIndex: number;
  /** Base64 of what is sent: the minimized case; `original` is the case as generated. */
  bytes: string;
  original: string;
  /** The same, escaped, for people. */
  shown: string;
  preamble: { index: number; bytes: string }[];
  pacing: { caseDeadlineMs: number; lineEnding: string };
  finding: Finding;
  confirmed: boolean;
  firmware: { banner: string; version?: string };
}

export interface SavedFailure {
  file: string;
  signature: string;
  confirmed: boolean;
  caseIndex: number;
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
    pacing: { caseDeadlineMs, lineEnding: board.profile.lineEnding },
    finding: failure.finding,
    confirmed: failure.confirmed,
    firmware,
  };
  writeFileSync(file, `${JSON.stringify(reproducer, null, 2)}\n`);
  const shown = relative(dirname(runBoardDir), file);
  return {
    file: shown,
    signature: failure.finding.signature,
    confirmed: failure.confirmed,
    caseIndex: failure.index,
    // As bytes: evidence is escaped once, where it is written.
    minimized: failure.minimized.subarray(0, 200).toString('latin1'),
    preamble: failure.preamble,
    replay: `hil replay ${file}`,
  };
}

/** Read a reproducer, bounded and checked: a file that is not one says so. */
export function loadReproducer(file: string): Reproducer {
  const size = statSync(file).size;
  if (size > MAX_REPRODUCER_BYTES) throw new Error(`${file} is ${size} bytes: not a reproducer`);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Reproducer>;
  if (parsed.format !== REPRODUCER_FORMAT) throw new Error(`${file} is not a ${REPRODUCER_FORMAT} file`);
  for (const key of ['rig', 'board', 'target', 'bytes', 'finding'] as const)
    if (parsed[key] === undefined) throw new Error(`${file}: no "${key}"`);
  return parsed as Reproducer;
}
