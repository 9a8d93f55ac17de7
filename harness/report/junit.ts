/**
 * junit.xml from a run folder: a testsuite per board and suite (classname `<board>.<suite>`), a
 * testcase per check; a failed check is a `<failure>` with its evidence, one that could not be made
 * an `<error>`, a skipped one `<skipped>` with its reason; the console's last lines in system-out.
 * An unreadable summary.json is an `<error>` of its own, in a testsuite `(run)`.
 */
import type { RunSummary, SuiteResult } from '../runner/summary.ts';
import { rerunCommand, worthRerunning } from './rerun.ts';
import type { ConsoleTails, RunFolder } from './run-folder.ts';
import { xml } from './text.ts';

const attr = (name: string, value: string | number) => `${name}="${xml(String(value))}"`;

function testcase(summary: RunSummary, result: SuiteResult, check: SuiteResult['checks'][number]): string {
  const open = `    <testcase ${attr('classname', `${result.board}.${result.suite}`)} ${attr('name', check.id)}>`;
  const again = worthRerunning(check.verdict) ? rerunCommand(summary, result.board, check.id) : undefined;
  const evidence = xml(JSON.stringify(check.evidence, null, 2) + (again ? `\nrun again: ${again}` : ''));
  const seen = typeof check.evidence.seen === 'string' ? check.evidence.seen : check.title;
  const body =
    check.verdict === 'fail'
      ? `<failure ${attr('message', seen)} type="insecure">${evidence}</failure>`
      : check.verdict === 'inconclusive'
        ? `<error ${attr('message', `could not test: ${check.reason ?? ''}`)} type="inconclusive">${evidence}</error>`
        : check.verdict === 'skip'
          ? `<skipped ${attr('message', check.reason ?? '')}/>`
          : '';
  return `${open}${body}</testcase>`;
}

export function junitXml(folder: RunFolder, tails: ConsoleTails): string {
  const suites = folder.results.map((r) => {
    const header = [
      attr('name', `${r.board}.${r.suite}`),
      attr('tests', r.checks.length),
      attr('failures', r.fail),
      attr('errors', r.inconclusive + (r.error ? 1 : 0)),
      attr('skipped', r.skip),
      ...(r.ms === undefined ? [] : [attr('time', (r.ms / 1000).toFixed(3))]),
    ].join(' ');
    const crashed = r.error
      ? [
          `    <testcase ${attr('classname', `${r.board}.${r.suite}`)} name="(suite)"><error ${attr('message', r.error)} type="suite"/></testcase>`,
        ]
      : [];
    // The build the checks were made on, as the board's boot said it (CI tools show testsuite properties).
    const firmware = Object.entries(r.firmware ?? {}).map(
      ([key, value]) => `      <property ${attr('name', `firmware.${key}`)} ${attr('value', value)}/>`,
    );
    const properties = firmware.length ? ['    <properties>', ...firmware, '    </properties>'] : [];
    const out = `    <system-out>${xml((tails.get(r.console) ?? []).join('\n'))}</system-out>`;
    return [
      `  <testsuite ${header}>`,
      ...properties,
      ...r.checks.map((c) => testcase(folder.summary, r, c)),
      ...crashed,
      out,
      '  </testsuite>',
    ].join('\n');
  });
  // Said as a crashed suite is: an error a CI shows, not a line nobody reads.
  if (folder.summaryUnreadable)
    suites.unshift(
      [
        '  <testsuite name="(run)" tests="1" failures="0" errors="1" skipped="0">',
        `    <testcase classname="(run)" name="summary.json"><error ${attr('message', `summary.json unreadable: ${folder.summaryUnreadable}; the run's rig, seed, start and finish are unknown`)} type="summary"/></testcase>`,
        '  </testsuite>',
      ].join('\n'),
    );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ${attr('name', `hil ${folder.summary.run.id}`)}>\n${suites.join('\n')}\n</testsuites>\n`;
}
