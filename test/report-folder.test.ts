// Reports from run folders a run should never leave, built cheaply by hand: a console log past V8's
// string limit (sparse, with real lines at its end) and a capture of the same size, reported and
// verified in bounded memory (the process's peak RSS, from /usr/bin/time); a report step that fails
// or never ends is a note, and Chromium is closed, or killed when it will not close; symbolic links
// to files outside the folder, which the reports must not copy in and hil verify must not pass.
import t, { type Test } from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeChromium, launchChromium } from '../harness/util/browser.ts';
import { buildReports } from '../harness/report/index.ts';
import type { PdfPrinter } from '../harness/report/pdf.ts';

t.setTimeout(300_000);

const MiB = 1024 * 1024;
const BIG = 600 * MiB;
const TAP = 'TAP version 14\nok 1 - boot-log/power-on-reset\n1..1\n';
/** A run always writes one first: without it, each report would note that it is missing. */
const SUMMARY = JSON.stringify({
  run: { id: 'run', rig: 'bench', seed: 1, started: '2024-05-01T10:00:00.000Z', complete: false },
  results: [],
});

/** `hil ARGS` with its peak resident memory in bytes, as /usr/bin/time measures it. */
function measured(args: string[], dir: string): { status: number | null; stdout: string; stderr: string; rss: number } {
  const file = join(dir, '..', `rss-${args[0]}`);
  const run = spawnSync('/usr/bin/time', ['-f', '%M', '-o', file, process.execPath, 'bin/hil.js', ...args], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  return {
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    rss: Number(readFileSync(file, 'utf8').trim()) * 1024,
  };
}

/** A file of `size` bytes that costs no disk: a hole, then `tail` at its end. */
function sparse(file: string, size: number, tail = ''): void {
  const fd = openSync(file, 'w');
  writeSync(fd, Buffer.from(tail), 0, Buffer.byteLength(tail), size - Buffer.byteLength(tail));
  closeSync(fd);
}

function runFolder(t: Test): string {
  const dir = join(t.testdir({}), 'run');
  mkdirSync(join(dir, 'board'), { recursive: true });
  writeFileSync(join(dir, 'board', 'boot-log.tap'), TAP);
  writeFileSync(join(dir, 'summary.json'), SUMMARY);
  return dir;
}

// The first hil after a change compiles build/js (about 200 MiB of TypeScript): not the report's figure.
spawnSync(process.execPath, ['bin/hil.js', 'list'], { stdio: 'ignore', timeout: 120_000 });

t.test('a 600 MiB console log: its tail is shown, read from its end, in bounded memory', async (t) => {
  const dir = runFolder(t);
  const lines = Array.from(
    { length: 25 },
    (_, i) => `2024-05-01T10:00:00.${String(i).padStart(3, '0')}Z < line ${i + 1}`,
  );
  sparse(join(dir, 'board', 'boot-log.log'), BIG, `\n${lines.join('\n')}\n`);
  const report = measured(['report', dir], dir);
  t.equal(report.status, 0, 'hil report DIR', { stderr: report.stderr.slice(-1500) });
  for (const file of ['junit.xml', 'report.html']) {
    const text = readFileSync(join(dir, file), 'utf8');
    t.match(text, /line 25\b/, `${file}: the log's last line`);
    t.match(text, /line 6\b/, `${file}: its twentieth line from the end`);
    t.notMatch(text, /line 5\b/, `${file}: nothing before`);
  }
  t.ok(existsSync(join(dir, 'MANIFEST.sha256')), 'the manifest is written');
  t.ok(report.rss < BIG / 2, `peak RSS ${(report.rss / MiB).toFixed(0)} MiB, under half the log's size`);
});

t.test('a 600 MiB capture: the manifest hashes it streaming, and hil verify too', async (t) => {
  const dir = runFolder(t);
  writeFileSync(join(dir, 'board', 'boot-log.log'), 'a line\n');
  sparse(join(dir, 'board', 'boot-log.bin'), BIG, 'the end');
  const report = measured(['report', dir], dir);
  t.equal(report.status, 0, 'hil report DIR', { stderr: report.stderr.slice(-1500) });
  t.ok(
    report.rss < BIG / 2,
    `hil report: peak RSS ${(report.rss / MiB).toFixed(0)} MiB, under half the capture's size`,
  );
  const verify = measured(['verify', dir], dir);
  t.equal(verify.status, 0, 'hil verify DIR', { stdout: verify.stdout });
  t.ok(verify.rss < BIG / 2, `hil verify: peak RSS ${(verify.rss / MiB).toFixed(0)} MiB`);
  const sums = spawnSync('sha256sum', ['-c', '--quiet', 'MANIFEST.sha256'], { cwd: dir, encoding: 'utf8' });
  t.equal(sums.status, 0, 'sha256sum -c agrees', { stdout: sums.stdout });
});

/** A printer that never ends its page; `closed` says whether it was closed. */
function stuckPrinter(): PdfPrinter & { closed: boolean } {
  const printer = {
    closed: false,
    print: () => new Promise<void>(() => undefined),
    close: async () => {
      printer.closed = true;
    },
  };
  return printer;
}

t.test('a PDF that never ends is a note, not a hang: the rest is written, the printer closed', async (t) => {
  const dir = runFolder(t);
  const printer = stuckPrinter();
  const built = await buildReports(dir, { env: {}, printer: Promise.resolve(printer), deadlinesMs: { pdf: 300 } });
  t.match(built.notes, [/^no report\.pdf: not made within 300 ms/]);
  t.same(
    built.files.map((f) => f.slice(dir.length + 1)),
    ['junit.xml', 'evidence.json', 'report.html', 'MANIFEST.sha256'],
  );
  t.ok(printer.closed, 'the printer is closed');
});

t.test('a step that fails is a note: the steps after it still run, and the printer is closed', async (t) => {
  const dir = runFolder(t);
  mkdirSync(join(dir, 'junit.xml')); // not writable as a file
  const printer = stuckPrinter();
  const built = await buildReports(dir, { env: { HIL_NO_PDF: '1' }, printer: Promise.resolve(printer) });
  t.match(built.notes, [/^no junit\.xml: EISDIR/]);
  t.ok(existsSync(join(dir, 'report.html')), 'report.html');
  t.match(readFileSync(join(dir, 'MANIFEST.sha256'), 'utf8'), /report\.html/, 'the manifest');
  t.ok(printer.closed, 'the printer is closed');
});

/** Chromium processes this process started (each the leader of its own process group). */
function chromiumChildren(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (
          state !== 'Z' &&
          Number(ppid) === process.pid &&
          readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('chromium')
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

t.test('a Chromium that will not close is killed, and the close says so', async (t) => {
  const browser = await launchChromium();
  const [leader] = chromiumChildren();
  t.ok(leader, 'Chromium is running');
  process.kill(-leader!, 'SIGSTOP'); // it can answer nothing now
  await t.rejects(closeChromium(browser, 500), /Chromium closed within 500 ms; killed/);
  for (let i = 0; i < 100 && chromiumChildren().length > 0; i++) await sleep(50);
  t.same(chromiumChildren(), [], 'no Chromium left');
});

t.test('a symbolic link in a run folder is not read: a .log, a .tap, a board folder', async (t) => {
  const dir = runFolder(t);
  const outside = join(dir, '..', 'outside');
  mkdirSync(join(outside, 'board'), { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), 'SECRET-FROM-OUTSIDE\n');
  writeFileSync(join(outside, 'board', 'boot-log.tap'), TAP.replace('power-on-reset', 'outside-check'));
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'board', 'boot-log.log'));
  symlinkSync(join(outside, 'board', 'boot-log.tap'), join(dir, 'board', 'rollback.tap'));
  symlinkSync(join(outside, 'board'), join(dir, 'linked-board'));
  const report = spawnSync(process.execPath, ['bin/hil.js', 'report', dir], { encoding: 'utf8', timeout: 120_000 });
  t.equal(report.status, 0, 'hil report DIR', { stderr: report.stderr });
  for (const file of ['junit.xml', 'report.html']) {
    const text = readFileSync(join(dir, file), 'utf8');
    t.notMatch(text, /SECRET-FROM-OUTSIDE|outside-check|linked-board/, `${file}: nothing from outside the folder`);
    t.match(text, /not shown: board\/boot-log\.log is a symbolic link/, `${file}: the log's link is named`);
  }
  t.match(report.stderr, /not read: board\/rollback\.tap is a symbolic link/);
  t.match(report.stderr, /not read: linked-board is a symbolic link/);
  t.match(report.stderr, /not in MANIFEST\.sha256, not a regular file: board\/boot-log\.log \(a symbolic link to /);
  t.notMatch(readFileSync(join(dir, 'MANIFEST.sha256'), 'utf8'), /boot-log\.log|rollback|linked-board/);
});

t.test('hil verify fails on a symbolic link anywhere in the folder, and names it', async (t) => {
  const dir = runFolder(t);
  writeFileSync(join(dir, 'board', 'boot-log.log'), 'a line\n');
  mkdirSync(join(dir, 'board', 'fuzz'));
  const hil = (args: string[]) => spawnSync(process.execPath, ['bin/hil.js', ...args], { encoding: 'utf8' });
  t.equal(hil(['report', dir]).status, 0, 'hil report DIR');
  t.equal(hil(['verify', dir]).status, 0, 'the folder as reported');
  symlinkSync('/etc/hostname', join(dir, 'board', 'fuzz', 'case.json'));
  const linked = hil(['verify', dir]);
  t.equal(linked.status, 1, 'a link added: FAILED', { stdout: linked.stdout });
  t.match(linked.stdout, /not a regular file: board\/fuzz\/case\.json \(a symbolic link to \/etc\/hostname\)\nFAILED/);
  rmSync(join(dir, 'board', 'fuzz', 'case.json'));
  t.equal(hil(['verify', dir]).status, 0, 'the link gone: OK');
  // A covered file swapped for a link to a copy of itself still fails, naming the link.
  const copy = join(dir, '..', 'copy.log');
  writeFileSync(copy, readFileSync(join(dir, 'board', 'boot-log.log')));
  rmSync(join(dir, 'board', 'boot-log.log'));
  symlinkSync(copy, join(dir, 'board', 'boot-log.log'));
  const swapped = hil(['verify', dir]);
  t.equal(swapped.status, 1);
  t.match(swapped.stdout, /missing: board\/boot-log\.log\nnot a regular file: board\/boot-log\.log \(a symbolic link/);
});
