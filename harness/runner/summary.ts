/**
 * summary.json: written after every suite (so a run that dies leaves what it had), and once more
 * at the end with `complete: true`. Written to a temporary file and renamed, so it is never half a file.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Check } from './tap-results.ts';

export interface SuiteResult {
  board: string;
  suite: string;
  pass: number;
  fail: number;
  skip: number;
  /** The raw TAP file, relative to the run folder. */
  tap: string;
  /** The board's console log for this suite, relative to the run folder. */
  console: string;
  /** Why the suite could not run to its end (bail out, crash, deadline), when it could not. */
  error?: string;
  checks: Check[];
}

export interface RunSummary {
  run: {
    id: string;
    rig: string;
    seed: number;
    started: string;
    finished?: string;
    complete: boolean;
    interrupted?: string;
  };
  results: SuiteResult[];
}

export function writeSummary(dir: string, summary: RunSummary): string {
  const file = join(dir, 'summary.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

export function totals(summary: RunSummary): { pass: number; fail: number; skip: number } {
  return summary.results.reduce(
    (sum, r) => ({ pass: sum.pass + r.pass, fail: sum.fail + r.fail, skip: sum.skip + r.skip }),
    { pass: 0, fail: 0, skip: 0 },
  );
}
