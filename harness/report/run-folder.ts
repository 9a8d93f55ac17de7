/**
 * A run folder read back for reporting: summary.json for the run's metadata, and every
 * `<board>/<suite>.tap` parsed again (TAP is the record: a run killed before it wrote its summary
 * still has its TAP). A TAP file that ends without a plan is a suite that did not finish.
 * A summary.json that is missing, cut short, not JSON or not a summary is never mended (it is
 * evidence): the reports are built from the TAP alone and say that the run's metadata is unknown.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunSummary, SuiteResult } from '../runner/summary.ts';
import { countVerdicts, tapResults } from '../runner/tap-results.ts';
import { type FolderFile, folderFile, linkTarget, readBounded } from './folder-file.ts';
import { asSummary } from './summary-shape.ts';
import { tailLines } from './tail.ts';
import { plain } from './text.ts';

/** Far above any summary a run writes (its checks' evidence is what grows). */
export const MAX_SUMMARY_BYTES = 64 * 1024 * 1024;

export interface RunFolder {
  dir: string;
  /** When `summaryUnreadable` is set, a stand-in: the folder's name as its id, and nothing else known. */
  summary: RunSummary;
  /** Why summary.json could not be used: the run's rig, seed, start and finish, and completeness are unknown. */
  summaryUnreadable?: string;
  results: SuiteResult[];
  /** What was not read, and why: entries that are not the folder's own files or folders (folder-file.ts). */
  refused: string[];
}

/** One line, no terminal sequence: a parse error quotes the file's own text. */
const oneLine = (text: string) => plain(text).replace(/\s+/g, ' ').trim().slice(0, 300);

async function readSummary(found: FolderFile): Promise<{ summary: RunSummary } | { problem: string }> {
  if ('missing' in found) return { problem: 'the run folder has none' };
  if ('refused' in found) return { problem: found.refused.replace(/^summary\.json /, 'it ') };
  let text: string;
  try {
    text = (await readBounded(found.path, MAX_SUMMARY_BYTES)).toString('utf8');
  } catch (error) {
    return { problem: (error as Error).message };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})` };
  }
  const checked = asSummary(parsed);
  return 'problem' in checked ? { problem: `not a run summary: ${checked.problem}` } : checked;
}

export async function readRunFolder(dir: string): Promise<RunFolder> {
  const refused: string[] = [];
  const own = (rel: string): string | undefined => {
    const found = folderFile(dir, rel);
    if ('refused' in found) refused.push(found.refused);
    return 'path' in found ? found.path : undefined;
  };
  const read = await readSummary(folderFile(dir, 'summary.json'));
  const summary: RunSummary =
    'summary' in read
      ? read.summary
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
        ...(outcome.firmware ? { firmware: outcome.firmware } : {}),
        checks: outcome.checks,
      });
    }
  }
  return {
    dir,
    summary,
    ...('problem' in read ? { summaryUnreadable: oneLine(read.problem) } : {}),
    results,
    refused: [...new Set(refused)],
  };
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
