// Runs stopped at random moments (SIGINT) and killed outright (kill -9), against a rig host that
// outlives them, as a real bench does: every time the supply ends off, the boot strap released, the
// lock gone, no suite process left (in the middle of brownout cuts and sags too); a run signalled with
// Chromium up for its PDF still writes its reports and exits 2; and the next run passes.
import t, { type Test } from 'tap';
import './helpers/children.ts';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RigEndpoints } from '../harness/config/endpoints.ts';
import { connectTcp } from '../harness/util/tcp.ts';
import { SUITE_GRACE_MS } from '../harness/runner/guard.ts';

// Ten interrupted runs and a whole one on a loaded 2-core machine take longer than tap's default per file.
t.setTimeout(420_000);

const dir = t.testdir({});
const rigFile = join(dir, 'bench.yaml');
writeFileSync(
  rigFile,
  [
    'name: bench',
    'virtual: true',
    'boards:',
    '  board:',
    '    profile: virtual',
    '    console: { port: auto }',
    '    power: { driver: scpi-tcp, host: 127.0.0.1, port: auto, off-time: 100ms }',
    '    debug: { gdb: { host: 127.0.0.1, port: auto } }',
    '    boot-strap: { driver: tasmota, url: auto }',
    '    brownout: { trials: 2, cycles: 3 }',
    '    credentials: { user: admin, password: bench-6Tq-1Vz }',
    '',
  ].join('\n'),
);
const state = join(dir, 'host');
const host = spawn(process.execPath, ['bin/hil.js', 'rig-host', '--rig', rigFile, '--state', state], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
t.teardown(() => host.kill('SIGTERM'));
const endpoints = JSON.parse(
  await new Promise<string>((resolve) => host.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()))),
) as RigEndpoints & { endpointsFile: string };
const board = endpoints.boards.board!;
const env = { ...process.env, HIL_ENDPOINTS: endpoints.endpointsFile };

async function supplyOutput(): Promise<string> {
  const socket = await connectTcp('127.0.0.1', Number(board.power!.port));
  socket.write('INST:NSEL 1\nOUTP?\n');
  const [reply] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return reply.toString().trim();
}
async function bootStrapState(): Promise<unknown> {
  const url = new URL('/cm', String(board.bootStrap!.url));
  url.searchParams.set('cmnd', 'Power1');
  return ((await (await fetch(url)).json()) as Record<string, unknown>).POWER1;
}
/** Processes started for the run writing to `out` (suites carry HIL_RUN_DIR in their environment). */
function processesOf(out: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`HIL_RUN_DIR=${out}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}
function lockFree(): boolean {
  const file = join(process.env.HIL_LOCK_DIR!, 'bench--board.lock');
  if (!existsSync(file)) return true;
  const holder = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; children?: { pid: number }[] };
  const gone = (pid: number) =>
    !existsSync(`/proc/${pid}`) || /\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return [holder, ...(holder.children ?? [])].every(({ pid }) => gone(pid));
}
function start(
  out: string,
  args: string[] = [],
  more: NodeJS.ProcessEnv = {},
): ChildProcess & { stderrText: () => string } {
  const child = spawn(process.execPath, ['bin/hil.js', 'run', '--rig', rigFile, '--out', out, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...env, ...more },
  });
  let text = '';
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return Object.assign(child, { stderrText: () => text });
}
/**
 * What the harness promises is an order, not a time: a dead run's suites put their boards at rest, and
 * the guard does after them, within SUITE_GRACE_MS. So the checks wait that long for it (on a loaded
 * machine a suite took over the 5 s these waits once had), and no longer.
 */
const AT_REST_WITHIN_MS = SUITE_GRACE_MS + 10_000;
async function until(done: () => boolean): Promise<void> {
  for (const started = Date.now(); !done() && Date.now() - started < AT_REST_WITHIN_MS; ) await sleep(100);
}
async function benchAtRest(t: Test, out: string, what: string): Promise<void> {
  await until(() => processesOf(out).length === 0);
  t.same(processesOf(out), [], `${what}: no suite process left`);
  t.equal(await supplyOutput(), '0', `${what}: the supply is off`);
  t.equal(await bootStrapState(), 'OFF', `${what}: the boot strap is released`);
  t.ok(lockFree(), `${what}: the lock is free (gone, or held by no live process)`);
}

t.test('SIGINT at moments from start-up to mid-suite', async (t) => {
  // From 300 ms: before that Node itself may not have started running the harness (a loaded machine),
  // and a signal then ends it as any program, with nothing to clean up.
  for (const [i, delay] of [300, 1200, 4500].entries()) {
    const out = join(dir, `int-${i}`);
    const run = start(out);
    await sleep(delay);
    run.kill('SIGINT');
    const [code, signal] = (await once(run, 'exit')) as [number | null, NodeJS.Signals | null];
    if (signal && !existsSync(out)) {
      // On a loaded machine Node may not have reached the harness's first line yet: then the signal
      // ends it as any program, before it did anything (the bench checks below still apply).
      t.comment(`SIGINT after ${delay} ms came before Node ran the harness`);
    } else {
      t.equal(code, 2, `SIGINT after ${delay} ms: exit 2`);
    }
    if (existsSync(join(out, 'summary.json'))) {
      t.match(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).run, { complete: false });
    }
    await benchAtRest(t, out, `SIGINT after ${delay} ms`);
  }
});

t.test('kill -9 of hil run mid-suite: its suites stop and leave the bench at rest', async (t) => {
  const out = join(dir, 'kill-mid-suite');
  const run = start(out);
  while (!/board \/ \w/.test(run.stderrText()) && run.exitCode === null) await sleep(50);
  t.equal(run.exitCode, null, 'the run got to a suite', { stderr: run.stderrText().slice(-1500) });
  await sleep(1500);
  run.kill('SIGKILL');
  if (run.exitCode === null) await once(run, 'exit');
  await benchAtRest(t, out, 'kill -9 1.5 s into a suite');
  const guardLog = join(out, 'guard.log');
  await until(() => existsSync(guardLog) && /board: at rest/.test(readFileSync(guardLog, 'utf8')));
  t.match(readFileSync(guardLog, 'utf8'), /board: at rest/, 'the guard put the board at rest');
});

t.test(
  'kill -9 of hil run as a suite ends, when no suite is watching the board: the guard puts it at rest',
  async (t) => {
    const out = join(dir, 'kill-between');
    const run = start(out, ['--suite', 'boot-log', '--suite', 'debug-interfaces']);
    // The runner reports a suite's end once its process has gone; the next one has not started yet.
    while (!/board \/ boot-log: \d+ passed/.test(run.stderrText()) && run.exitCode === null) await sleep(5);
    t.equal(run.exitCode, null, 'the run got to the end of a suite', { stderr: run.stderrText().slice(-1500) });
    run.kill('SIGKILL');
    if (run.exitCode === null) await once(run, 'exit');
    await benchAtRest(t, out, 'kill -9 between two suites');
    t.match(readFileSync(join(out, 'guard.log'), 'utf8'), /without putting the bench at rest.*\n.*board: at rest/);
  },
);

t.test('SIGINT in the middle of brownout glitches (a cut, a sag, a cut aimed at a write)', async (t) => {
  for (const [i, moment] of [/cut 2\/\d/, /sag to/, /settings write: cut/].entries()) {
    const out = join(dir, `brownout-${i}`);
    const run = start(out, ['--suite', 'brownout']);
    while (!moment.test(run.stderrText()) && run.exitCode === null) await sleep(20);
    t.equal(run.exitCode, null, `the run got to ${moment}`, { stderr: run.stderrText().slice(-1500) });
    await sleep(30);
    run.kill('SIGINT');
    const [code] = (await once(run, 'exit')) as [number | null];
    t.equal(code, 2, `SIGINT at ${moment}: exit 2`);
    await benchAtRest(t, out, `SIGINT at ${moment}`);
  }
});

/** Chromium processes under `pid` (Playwright starts it in a process group of its own, as its child). */
function chromiumUnder(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(p)]);
    } catch {}
  }
  const under = (p: number): number[] => (children.get(p) ?? []).flatMap((c) => [c, ...under(c)]);
  return under(pid).filter((p) => alive(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('chromium'));
}
function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

t.test('SIGINT once Chromium is up for the PDF: hil finishes its reports, the PDF too, and exits 2', async (t) => {
  // The PDF printer starts as a board's last suite starts: with one suite, at its start.
  for (const [i, after] of [0, 1000].entries()) {
    const out = join(dir, `pdf-${i}`);
    const run = start(out, ['--suite', 'brownout'], { HIL_NO_PDF: '0' });
    let browser: number[] = [];
    while ((browser = chromiumUnder(run.pid!)).length === 0 && run.exitCode === null) await sleep(20);
    await sleep(after);
    browser = chromiumUnder(run.pid!);
    t.equal(run.exitCode, null, `the run got to Chromium (${browser.length} processes)`, {
      stderr: run.stderrText().slice(-1500),
    });
    run.kill('SIGINT');
    const [code, signal] = (await once(run, 'exit')) as [number | null, NodeJS.Signals | null];
    t.equal(code, 2, `SIGINT ${after} ms after Chromium started: exit 2`, {
      signal,
      stderr: run.stderrText().slice(-1500),
    });
    const summary = existsSync(join(out, 'summary.json'))
      ? (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { run: Record<string, unknown> })
      : { run: {} };
    t.match(summary.run, { complete: false, interrupted: 'SIGINT' }, 'summary.json: interrupted');
    for (const file of ['report.html', 'report.pdf', 'MANIFEST.sha256']) t.ok(existsSync(join(out, file)), file);
    t.same(browser.filter(alive), [], 'no Chromium left');
    t.same(readdirSync(process.env.HIL_LOCK_DIR!), [], 'no lock file left');
    await benchAtRest(t, out, `SIGINT ${after} ms after Chromium started`);
  }
});

t.test('the next run after all that passes', async (t) => {
  const out = join(dir, 'after');
  const run = start(out);
  const [code] = (await once(run, 'exit')) as [number | null];
  t.equal(code, 0, 'exit 0', { stderr: run.stderrText().slice(-2000) });
});
