/**
 * A run folder read back for reporting: summary.json for the run's metadata, and every
 * `<board>/<suite>.tap` parsed again (TAP is the record: a run killed before it wrote its summary
 * still has its TAP). A TAP file that ends without a plan is a suite that did not finish.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunSummary, SuiteResult } from '../runner/summary.ts';
import { countVerdicts, tapResults } from '../runner/tap-results.ts';
import { tailLines } from './tail.ts';

export interface RunFolder {
  dir: string;
  summary: RunSummary;
  results: SuiteResult[];
}

export async function readRunFolder(dir: string): Promise<RunFolder> {
  const file = join(dir, 'summary.json');
  const summary: RunSummary = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as RunSummary)
    : { run: { id: basename(dir), rig: 'unknown', seed: 0, started: '', complete: false }, results: [] };
  const results: SuiteResult[] = [];
  for (const board of readdirSync(dir).sort()) {
    if (!statSync(join(dir, board)).isDirectory()) continue;
    for (const tap of readdirSync(join(dir, board))
      .filter((f) => f.endsWith('.tap'))
      .sort()) {
      const suite = tap.replace(/\.tap$/, '');
      const parsed = tapResults();
      parsed.parser.end(readFileSync(join(dir, board, tap), 'utf8'));
      const outcome = await parsed.done;
      const known = summary.results.find((r) => r.board === board && r.suite === suite);
      const error = known?.error ?? (outcome.complete ? undefined : 'the suite did not finish (its TAP has no plan)');
      results.push({
        board,
        suite,
        tap: `${board}/${tap}`,
        console: `${board}/${suite}.log`,
        ...countVerdicts(outcome.checks),
        ...(error ? { error } : {}),
        checks: outcome.checks,
      });
    }
  }
  return { dir, summary, results };
}

/** Console tails by `SuiteResult.console`, each read from the end of its file (tail.ts). */
export type ConsoleTails = ReadonlyMap<string, string[]>;

/** The last lines of every suite's console log (already escaped by the log writer), for excerpts. */
export async function consoleTails(folder: RunFolder, lines = 20): Promise<ConsoleTails> {
  const tails = new Map<string, string[]>();
  for (const result of folder.results) {
    const file = join(folder.dir, result.console);
    if (!existsSync(file)) tails.set(result.console, []);
    else
      tails.set(
        result.console,
        await tailLines(file, lines).catch((error: Error) => [`(the console log could not be read: ${error.message})`]),
      );
  }
  return tails;
}
