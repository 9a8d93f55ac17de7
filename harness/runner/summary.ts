/**
 * summary.json: written after every suite (so a run that dies leaves what it had), and once more
 * at the end with `complete: true`, and never half a file (`writeWholeFile`).
 */
import type { FirmwareSeen } from '../firmware-seen.ts';
import { join } from 'node:path';
import { writeWholeFile } from '../util/root.ts';
import type { Verdict } from '../verdict.ts';
import { type Check, countVerdicts } from './tap-results.ts';

export interface SuiteResult extends Record<Verdict, number> {
  board: string;
  suite: string;
  /** The raw TAP file, relative to the run folder. */
  tap: string;
  /** The board's console log for this suite, relative to the run folder. */
  console: string;
  /** When the suite's process was started, and how long it ran to its exit (start-up included). */
  started?: string;
  ms?: number;
  /** Why the suite could not run to its end (crash, deadline), when it could not. */
  error?: string;
  /** Which firmware the board ran, as its boot in this suite said (none when it did not boot here). */
  firmware?: FirmwareSeen;
  checks: Check[];
}

/** A build `hil run --firmware` deployed before the suites (runner/deploy-builds.ts). */
export interface DeployedBuild {
  file: string;
  sha256: string;
  path: string;
  verifiedBy: string;
  /** The version the build claims (MCUboot or ESP-IDF image), where its format tells it. */
  version?: string;
  /** The version the board's boot reported afterwards. */
  booted?: string;
}

/** A pre-flight problem: something a selected suite needs that did not open or answer. */
export interface PreflightProblem {
  board: string;
  need: string;
  expected: string;
  seen: string;
}

export interface RunSummary {
  run: {
    id: string;
    rig: string;
    /** The rig file, for the reports' implementation information (IXIT). */
    rigFile?: string;
    seed: number;
    started: string;
    finished?: string;
    complete: boolean;
    interrupted?: string;
    /** Set when the pre-flight found the rig not ready: no suite ran. */
    preflight?: PreflightProblem[];
    /** The builds `--firmware` deployed before the suites, by board. */
    builds?: Record<string, DeployedBuild>;
  };
  results: SuiteResult[];
}

export function writeSummary(dir: string, summary: RunSummary): string {
  const file = join(dir, 'summary.json');
  writeWholeFile(file, `${JSON.stringify(summary, null, 2)}\n`);
  return file;
}

export function totals(summary: RunSummary): Record<Verdict, number> {
  return countVerdicts(summary.results.flatMap((r) => r.checks));
}
