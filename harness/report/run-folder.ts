/**
 * A run folder read back for reporting: summary.json for the run's metadata, and every
 * `<board>/<suite>.tap` parsed again (TAP is the record: a run killed before it wrote its summary
 * still has its TAP). A TAP file that ends without a plan is a suite that did not finish.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunSummary, SuiteResult } from '../runner/summary.ts';
import { countVerdicts, tapResults } from '../runner/tap-results.ts';
import { folderFile, linkTarget } from './folder-file.ts';
import { tailLines } from './tail.ts';

export interface RunFolder {
  dir: string;
  summary: RunSummary;
  results: SuiteResult[];
  /** What was not read, and why: entries that are not the folder's own files or folders (folder-file.ts). */
  refused: string[];
}

export async function readRunFolder(dir: string): Promise<RunFolder> {
  const refused: string[] = [];
  const own = (rel: string): string | undefined => {
    const found = folderFile(dir, rel);
    if ('refused' in found) refused.push(found.refused);
    return 'path' in found ? found.path : undefined;
  };
  const file = own('summary.json');
  const summary: RunSummary = file
    ? (JSON.parse(readFileSync(file, 'utf8')) as RunSummary)
    : { run: { id: basename(dir), rig: 'unknown', seed: 0, started: '', complete: false }, results: [] };
  const results: SuiteResult[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.isSymbolicLink()) refused.push(`${entry.name} is a symbolic link${linkTarget(join(dir, entry.name))}`);
    if (!entry.isDirectory()) continue;
    const board = entry.name;
    for (const tap of readdirSync(join(dir, board))
      .filter((f) => f.endsWith('.tap'))
      .sort()) {
      const path = own(`${board}/${tap}`);
      if (!path) continue;
      const suite = tap.replace(/\.tap$/, '');
      const parsed = tapResults();
      parsed.parser.end(readFileSync(path, 'utf8'));
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
  return { dir, summary, results, refused: [...new Set(refused)] };
}

/** Console tails by `SuiteResult.console`, each read from the end of its file (tail.ts). */
export type ConsoleTails = ReadonlyMap<string, string[]>;

/** The last lines of every suite's console log (already escaped by the log writer), for excerpts. */
export async function consoleTails(folder: RunFolder, lines = 20): Promise<ConsoleTails> {
  const tails = new Map<string, string[]>();
  for (const result of folder.results) {
    const found = folderFile(folder.dir, result.console);
    tails.set(
      result.console,
      'path' in found
        ? await tailLines(found.path, lines).catch((error: Error) => [
            `(the console log could not be read: ${error.message})`,
          ])
        : 'refused' in found
          ? [`(not shown: ${found.refused}; only the run folder's own files are read)`]
          : [],
    );
  }
  return tails;
}
