/**
 * Under GitHub Actions: an `::error` workflow command per failing check (message and properties
 * escaped by the workflow command rules: `%`, CR and LF, and in properties `:` and `,`) and a
 * Markdown job summary appended to GITHUB_STEP_SUMMARY. Device text is made plain first.
 */
import { rerunCommand, worthRerunning } from './rerun.ts';
import { appendFileSync } from 'node:fs';
import type { RunFolder } from './run-folder.ts';
import { plain } from './text.ts';

export const escapeData = (s: string) => plain(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function annotations(folder: RunFolder): string[] {
  return folder.results.flatMap((r) =>
    r.checks
      .filter((c) => c.verdict === 'fail')
      .map((c) => {
        const seen = typeof c.evidence.seen === 'string' ? `: ${c.evidence.seen}` : '';
        return `::error title=${escapeProperty(`${r.board} ${c.id}`)}::${escapeData(`${c.title}${seen}`)}`;
      }),
  );
}

/** A table cell's text: markup as entities, Markdown's own characters backslashed. */
const cell = (s: string) =>
  plain(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[|\\`*_[\]]/g, (c) => `\\${c}`);

export function jobSummary(folder: RunFolder): string {
  const rows = folder.results.map(
    (r) => `| ${cell(r.board)} | ${cell(r.suite)} | ${r.pass} | ${r.fail} | ${r.skip} | ${r.inconclusive} |`,
  );
  // Each with the command that runs it again on a desk (a code span: nothing in it is Markdown).
  const failures = folder.results.flatMap((r) =>
    r.checks
      .filter((c) => worthRerunning(c.verdict))
      .map((c) => {
        const again = rerunCommand(folder.summary, r.board, c.id);
        const said = c.verdict === 'fail' ? '' : 'could not test: ';
        return `- **${cell(r.board)}** \`${cell(c.id)}\`: ${said}${cell(c.title)}${again ? `  \n  \`${again}\`` : ''}`;
      }),
  );
  return [
    folder.summaryUnreadable
      ? `### hil ${cell(folder.summary.run.id)}: summary.json unreadable (${cell(folder.summaryUnreadable)}), checks from the TAP files`
      : `### hil ${cell(folder.summary.run.rig)}: ${folder.summary.run.complete ? 'complete' : 'incomplete'}`,
    '',
    '| board | suite | pass | fail | skip | could not test |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...failures,
    '',
  ].join('\n');
}

export function toGitHub(folder: RunFolder, env = process.env, out = process.stdout): void {
  if (env.GITHUB_ACTIONS !== 'true') return;
  for (const line of annotations(folder)) out.write(`${line}\n`);
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, jobSummary(folder));
}
