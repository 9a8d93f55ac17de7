// Reports from real runs and from hostile ones: junit.xml parsed by Chromium's XML parser and
// checked against the TAP's counts, report.html rendered in Chromium (a row per check; the matrix
// photographed), report.pdf read back with pdftotext, the manifest catching one changed byte, a
// report built from device text full of markup, script and terminal sequences in which nothing runs,
// GitHub annotations escaped, and a SIGKILLed run still reported, marked incomplete.
import t from 'tap';
import './helpers/children.ts';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { launchChromium } from '../harness/util/browser.ts';
import { annotations, escapeData, jobSummary } from '../harness/report/github.ts';
import { readRunFolder } from '../harness/report/run-folder.ts';
import { hilRun } from './helpers/run.ts';

t.setTimeout(300_000);
const hil = (args: string[]) =>
  spawnSync(process.execPath, ['bin/hil.js', ...args], { encoding: 'utf8', timeout: 120_000 });

const out = t.testdir({});
const run = hilRun(['--rig', 'rigs/virtual.yaml', '--suite', 'boot-log', '--suite', 'debug-interfaces'], out, {
  HIL_NO_PDF: '0',
});
const browser = await launchChromium();
t.teardown(() => browser.close());

t.test('junit.xml: a testsuite per board and suite, a testcase per check, counts as in the TAP', async (t) => {
  t.equal(run.status, 1, 'the legacy board fails', { stderr: run.stderr.slice(-1500) });
  const page = await browser.newPage();
  const parsed = await page.evaluate(
    (text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      if (doc.querySelector('parsererror')) return { error: doc.querySelector('parsererror')!.textContent };
      return {
        suites: [...doc.querySelectorAll('testsuite')].map((s) => ({
          name: s.getAttribute('name'),
          cases: s.querySelectorAll('testcase').length,
          failures: s.querySelectorAll('failure').length,
          errors: s.querySelectorAll('error').length,
          skipped: s.querySelectorAll('skipped').length,
          classnames: [...new Set([...s.querySelectorAll('testcase')].map((c) => c.getAttribute('classname')))],
        })),
      };
    },
    readFileSync(join(out, 'junit.xml'), 'utf8'),
  );
  t.notOk('error' in parsed, 'well-formed XML');
  const suites = (
    parsed as {
      suites: {
        name: string;
        cases: number;
        failures: number;
        errors: number;
        skipped: number;
        classnames: string[];
      }[];
    }
  ).suites;
  t.equal(suites.length, run.summary.results.length);
  for (const r of run.summary.results) {
    const s = suites.find((x) => x.name === `${r.board}.${r.suite}`)!;
    t.same(
      [s.cases, s.failures, s.errors, s.skipped, s.classnames],
      [r.checks.length, r.fail, r.inconclusive, r.skip, [`${r.board}.${r.suite}`]],
      `${r.board}.${r.suite}: checks, failures, errors, skipped`,
    );
  }
});

t.test(
  'report.html in Chromium: a row per check, the matrix, provisions; the PDF has pages and the checks',
  async (t) => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`file://${join(out, 'report.html')}`);
    const checks = run.summary.results.flatMap((r) => r.checks).length;
    t.equal(await page.locator('tr.check').count(), checks, 'a row per check');
    t.equal(
      await page.locator('tr.check.fail').count(),
      run.summary.results.reduce((n, r) => n + r.fail, 0),
    );
    t.match(await page.locator('table.provisions').first().textContent(), /5\.6-4/);
    const shot = join(tmpdir(), 'hil-report-matrix.png');
    await page.locator('#matrix').screenshot({ path: shot });
    t.comment(`the matrix: ${shot}`);
    const pdf = join(out, 'report.pdf');
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))?.[1]);
    t.ok(pages >= 1, `${pages} pages`);
    t.match(execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }), /boot-log\/power-on-reset/);
  },
);

t.test(
  'evidence.json: TS 103 701 test cases, IXIT items from the rig and profile, PASS/FAIL apart from harness states',
  async (t) => {
    const lab = JSON.parse(readFileSync(join(out, 'evidence.json'), 'utf8')) as {
      results: {
        board: string;
        check: string;
        testCases: string[];
        ixit: { id: string; items: string[] }[];
        verdict?: string;
        harnessState?: string;
      }[];
    };
    const redFlag = lab.results.find((r) => r.board === 'virtual-legacy' && r.check === 'boot-log/no-red-flag')!;
    t.match(redFlag, {
      testCases: ['5.6-4-2a', '5.7-1-2a'],
      verdict: 'FAIL',
      ixit: [{ id: '20-SecBoot', items: [/Signature verified successfully/] }],
    });
    const swd = lab.results.find((r) => r.board === 'virtual-hardened' && r.check === 'debug-interfaces/swd-jtag')!;
    t.match(swd.ixit, [{ id: '15-Intf', items: ['console auto (virtual rig)', /debug port gdbserver 127\.0\.0\.1/] }]);
    for (const r of lab.results)
      t.ok(
        (r.verdict === undefined) !== (r.harnessState === undefined),
        `${r.check}: a verdict or a harness state, not both`,
      );
    t.notOk(
      lab.results.some((r) => r.verdict && !['PASS', 'FAIL'].includes(r.verdict)),
      'verdicts are PASS or FAIL only',
    );
  },
);

t.test('MANIFEST.sha256 and hil verify: one changed byte is found and named', async (t) => {
  t.equal(hil(['verify', out]).status, 0, 'the folder as the run left it');
  const log = join(out, 'virtual-legacy', 'boot-log.log');
  const bytes = readFileSync(log);
  bytes[100] = bytes[100]! ^ 1;
  writeFileSync(log, bytes);
  const changed = hil(['verify', out]);
  t.equal(changed.status, 1);
  t.match(changed.stdout, /changed: virtual-legacy\/boot-log\.log\nFAILED/);
  t.equal(spawnSync('sha256sum', ['-c', '--quiet', 'MANIFEST.sha256'], { cwd: out }).status, 1, 'sha256sum -c agrees');
});

const HOSTILE = [
  '<script>window.pwned = 1; alert(1)</script>',
  '<img src=x onerror="window.pwned = 2; alert(2)">',
  '<a href="javascript:window.pwned=3">click me</a>',
  '</pre></td></tr></table><script>window.pwned = 4</script>',
  '\x1b[31mred\x1b[0m \x1b]0;a title\x07 \x1b]8;;javascript:alert(5)\x1b\\link\x1b]8;;\x1b\\',
];

t.test('a report from hostile device text: nothing runs, nothing navigates, the text is shown', async (t) => {
  const dir = t.testdir({});
  mkdirSync(join(dir, 'evil'));
  const diag = stringify({
    id: 'boot-log/evil',
    provisions: ['5.6-4'],
    evidence: { seen: HOSTILE.join(' '), lines: HOSTILE },
  });
  const tap = `TAP version 14\nnot ok 1 - ${HOSTILE[0]}\n  ---\n${diag.replace(/^/gm, '  ')}  ...\n1..1\n`;
  writeFileSync(join(dir, 'evil', 'boot-log.tap'), tap);
  writeFileSync(join(dir, 'evil', 'boot-log.log'), `${HOSTILE.join('\n')}\n`);
  t.equal(hil(['report', dir]).status, 0, 'hil report DIR');
  const text = readFileSync(join(dir, 'report.html'), 'utf8');
  t.notMatch(text, /\x1b/, 'no terminal sequence in the HTML');
  t.notMatch(text, /<script|<img|href="javascript/i, 'no live markup from the device');
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const url = `file://${join(dir, 'report.html')}`;
  await page.goto(url);
  for (const link of await page.locator('a').all()) await link.click({ timeout: 1000 }).catch(() => undefined);
  await sleep(300);
  t.same(dialogs, [], 'no dialog');
  // The summary's links to each board's section move within the page, never away from it.
  t.equal(page.url().split('#')[0], url, 'no navigation');
  t.equal(await page.evaluate(() => (window as { pwned?: number }).pwned), undefined, 'the page-level flag is unset');
  t.match(await page.locator('body').textContent(), /<script>window\.pwned = 1; alert\(1\)<\/script>/, 'shown as text');
  const folder = await readRunFolder(dir);
  const lines = annotations(folder);
  t.equal(lines.length, 1);
  t.notMatch(lines[0]!, /[\r\n\x1b]/, 'an annotation is one line with no terminal sequence');
  t.equal(escapeData('50%\ndone\x1b[0m'), '50%25%0Adone', 'percent and newline encoded, terminal sequences gone');
  t.notMatch(jobSummary(folder), /<script/, 'the job summary escapes markup');
});

t.test('a run killed with SIGKILL mid-suite: hil report DIR gives a report marked incomplete', async (t) => {
  const dir = join(t.testdir({}), 'run');
  const child = spawn(
    process.execPath,
    [
      'bin/hil.js',
      'run',
      '--rig',
      'rigs/virtual.yaml',
      '--board',
      'virtual-hardened',
      '--suite',
      'boot-log',
      '--suite',
      'brownout',
      '--out',
      dir,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  while (!/cut 1\//.test(stderr) && child.exitCode === null) await sleep(50);
  child.kill('SIGKILL');
  await once(child, 'exit');
  // Its suite notices the run is gone and stops; then the guard puts the board at rest and says so.
  const guardLog = join(dir, 'guard.log');
  const settled = () =>
    existsSync(guardLog) && /virtual-hardened: (at rest|could not)/.test(readFileSync(guardLog, 'utf8'));
  for (const until = Date.now() + 30_000; !settled() && Date.now() < until; ) await sleep(100);
  t.ok(settled(), 'the guard put the board at rest', {
    guardLog: existsSync(guardLog) ? readFileSync(guardLog, 'utf8') : 'none',
  });
  t.equal(hil(['report', dir]).status, 0);
  const page = await browser.newPage();
  await page.goto(`file://${join(dir, 'report.html')}`);
  t.equal(await page.locator('#incomplete').count(), 1, 'marked incomplete');
  t.match(await page.locator('#matrix').textContent(), /boot-log/);
  t.match(
    readFileSync(join(dir, 'junit.xml'), 'utf8'),
    /testsuite name="virtual-hardened\.brownout"[^>]*errors="[1-9]/,
  );
  const verified = hil(['verify', dir]);
  t.equal(verified.status, 0, 'and its manifest', { stdout: verified.stdout });
});
