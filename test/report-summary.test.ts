// hil report on a run folder whose summary.json is damaged (cut short, not JSON, JSON of another
// shape, missing, too large) and whose TAP files are whole: the reports are rebuilt from the TAP,
// say the summary is unreadable and why, and leave summary.json as it was. A folder whose summary is
// fine gives the very reports main gave (test/fixtures/summary/good-reports, made by main's code).
import t, { type Test } from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { annotations, jobSummary } from '../harness/report/github.ts';
import { MAX_SUMMARY_BYTES, readRunFolder } from '../harness/report/run-folder.ts';

t.setTimeout(300_000);

const GOOD = 'test/fixtures/summary/good';
const EXPECTED = 'test/fixtures/summary/good-reports';
const REPORTS = ['junit.xml', 'evidence.json', 'report.html', 'MANIFEST.sha256'];
const SUITES = ['esp32-a.boot-log', 'esp32-a.fuzz', 'stm32-b.boot-log', 'stm32-b.brownout'];

const expected = (name: string) => readFileSync(join(EXPECTED, `${name}.expected`), 'utf8');
/** The harness line names the commit built from, which every commit changes. */
const harnessLine = (html: string) => html.replace(/hil [0-9.]+, commit [0-9a-f]{40}/, 'hil VERSION, commit COMMIT');

function copy(t: Test): string {
  const dir = join(t.testdir({}), 'run');
  cpSync(GOOD, dir, { recursive: true });
  return dir;
}

function report(dir: string) {
  return spawnSync(process.execPath, ['bin/hil.js', 'report', dir], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, HIL_NO_PDF: '1' },
  });
}

t.test('a summary that is fine: the reports main made, byte for byte', async (t) => {
  const dir = copy(t);
  const summary = readFileSync(join(dir, 'summary.json'));
  const run = report(dir);
  t.equal(run.status, 0, 'hil report DIR', { stderr: run.stderr });
  t.equal(run.stderr, '', 'no note');
  t.equal(run.stdout, `${REPORTS.map((f) => join(dir, f)).join('\n')}\n`);
  t.equal(readFileSync(join(dir, 'junit.xml'), 'utf8'), expected('junit.xml'), 'junit.xml');
  t.equal(readFileSync(join(dir, 'evidence.json'), 'utf8'), expected('evidence.json'), 'evidence.json');
  t.equal(harnessLine(readFileSync(join(dir, 'report.html'), 'utf8')), expected('report.html'), 'report.html');
  // report.html's hash follows the commit: every other line is main's
  const notHtml = (text: string) => text.split('\n').filter((line) => !line.endsWith('  report.html'));
  const manifest = readFileSync(join(dir, 'MANIFEST.sha256'), 'utf8');
  t.same(notHtml(manifest), notHtml(expected('MANIFEST.sha256')), 'MANIFEST.sha256');
  t.match(manifest, /^[0-9a-f]{64} {2}report\.html$/m);
  const folder = await readRunFolder(dir);
  t.equal(folder.summaryUnreadable, undefined);
  t.equal(jobSummary(folder), expected('job-summary.md'), 'the GitHub job summary');
  t.equal(`${annotations(folder).join('\n')}\n`, expected('annotations.txt'), 'the GitHub annotations');
  t.same(readFileSync(join(dir, 'summary.json')), summary, 'summary.json untouched');
});

const goodSummary = () => JSON.parse(readFileSync(join(GOOD, 'summary.json'), 'utf8')) as Record<string, unknown>;
const goodEvidence = JSON.parse(expected('evidence.json')) as { results: unknown[] };

/** A summary.json damaged by `damage` (which writes it, or removes it); `why` is what hil says of it. */
const DAMAGED: { name: string; damage: (file: string) => void; why: RegExp }[] = [
  {
    name: 'cut short mid-JSON',
    damage: (file) => writeFileSync(file, readFileSync(file).subarray(0, 700)),
    why: /not JSON \((Unterminated string|Unexpected end of JSON input|Expected)[^)]*\)/,
  },
  {
    name: 'not JSON at all, with a terminal sequence in it',
    damage: (file) => writeFileSync(file, 'run: \x1b[31mbench\nseed: 7\n'),
    why: /not JSON \(Unexpected token 'r', "run: [^)\x1b]*is not valid JSON\)/,
  },
  {
    name: 'JSON whose results is not an array',
    damage: (file) => writeFileSync(file, JSON.stringify({ ...goodSummary(), results: { 'esp32-a': [] } })),
    why: /not a run summary: results is an object, not an array/,
  },
  {
    name: 'JSON with a check without a verdict',
    damage: (file) => {
      const summary = goodSummary() as { results: { checks: Record<string, unknown>[] }[] };
      delete summary.results[1]!.checks[0]!.verdict;
      writeFileSync(file, JSON.stringify(summary, null, 2));
    },
    why: /not a run summary: results\[1\]\.checks\[0\] has no verdict/,
  },
  { name: 'missing', damage: (file) => rmSync(file), why: /the run folder has none/ },
  {
    name: 'larger than a summary is read',
    damage: (file) => {
      // a hole: costs no disk
      const fd = openSync(file, 'w');
      writeSync(fd, Buffer.from('}'), 0, 1, MAX_SUMMARY_BYTES);
      closeSync(fd);
    },
    why: new RegExp(`it is ${MAX_SUMMARY_BYTES + 1} bytes, and at most ${MAX_SUMMARY_BYTES} are read`),
  },
];

for (const { name, damage, why } of DAMAGED) {
  t.test(`summary.json ${name}: the reports from the TAP, saying what is missing`, async (t) => {
    const dir = copy(t);
    const file = join(dir, 'summary.json');
    damage(file);
    const before = spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout;
    const run = report(dir);
    t.equal(run.status, 0, 'hil report DIR', { stderr: run.stderr });
    t.equal(run.stdout, `${REPORTS.map((f) => join(dir, f)).join('\n')}\n`, 'every report written');
    t.match(
      run.stderr,
      /^summary\.json unreadable: [^\n]*; the reports are built from the TAP files, without the run's rig, seed, start and finish\n$/,
    );
    t.match(run.stderr, why);
    t.notMatch(run.stderr, /\x1b|\n\s+at /, 'no terminal sequence, no stack');

    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    t.match(html, /<p class="inconclusive" id="summary-unreadable">summary\.json unreadable: /);
    t.match(html.replace(/&#39;/g, "'").replace(/&quot;/g, '"'), why, 'why, in report.html');
    for (const field of ['rig', 'seed', 'started', 'finished', 'complete'])
      t.match(html, new RegExp(`<tr><th>${field}</th><td>unknown \\(summary\\.json unreadable\\)</td></tr>`));
    for (const board of ['esp32-a', 'stm32-b']) t.match(html, `<tr><th>${board}</th>`, `the matrix has ${board}`);
    t.match(html, /<td class="inconclusive">1 pass, 0 fail, 0 skip, 0 could not test<br>the suite did not finish/);

    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    t.match(junit, /<testcase classname="\(run\)" name="summary\.json"><error message="summary\.json unreadable: /);
    for (const suite of SUITES) t.match(junit, `<testsuite name="${suite}"`, `junit.xml: ${suite}`);

    const evidence = JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8')) as {
      run: Record<string, unknown>;
      results: unknown[];
    };
    t.same(
      evidence.run,
      {
        id: 'run',
        summaryUnreadable: evidence.run.summaryUnreadable,
        unknown: ['rig', 'rigFile', 'seed', 'started', 'finished', 'complete'],
      },
      'evidence.json: the run as far as known',
    );
    t.match(evidence.run.summaryUnreadable, why);
    t.same(evidence.results, goodEvidence.results, "evidence.json: every check, as from the good summary's folder");

    t.match(readFileSync(join(dir, 'MANIFEST.sha256'), 'utf8'), /report\.html\n/);
    t.equal(spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout, before, 'summary.json as it was');
  });
}

t.test('other shapes, and a link, read in process', async (t) => {
  const cases: [string, (file: string) => void, RegExp][] = [
    ['an array', (file) => writeFileSync(file, '[]'), /^not a run summary: it is an array, not an object$/],
    ['null', (file) => writeFileSync(file, 'null'), /^not a run summary: it is null, not an object$/],
    ['no run', (file) => writeFileSync(file, JSON.stringify({ results: [] })), /^not a run summary: it has no "run"$/],
    [
      'a seed as text',
      (file) =>
        writeFileSync(file, JSON.stringify({ ...goodSummary(), run: { ...(goodSummary().run as object), seed: '7' } })),
      /^not a run summary: run\.seed is "7", not a whole number$/,
    ],
    [
      'a verdict of another word',
      (file) => writeFileSync(file, readFileSync(file, 'utf8').replace('"verdict": "skip"', '"verdict": "maybe"')),
      /^not a run summary: results\[0\]\.checks\[2\]\.verdict is "maybe", not pass, fail, skip or inconclusive$/,
    ],
    [
      'a symbolic link',
      (file) => {
        rmSync(file);
        symlinkSync('/etc/hostname', file);
      },
      /^it is a symbolic link to \/etc\/hostname$/,
    ],
  ];
  for (const [name, damage, why] of cases) {
    const dir = copy(t);
    damage(join(dir, 'summary.json'));
    const folder = await readRunFolder(dir);
    t.match(folder.summaryUnreadable, why, name);
    t.equal(folder.results.flatMap((r) => r.checks).length, 9, `${name}: every check from the TAP`);
  }
});
