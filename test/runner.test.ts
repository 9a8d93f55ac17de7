// `hil run` as a user meets it: exit codes, configuration errors without stack traces, board
// locks, and an interrupted run that leaves a readable summary marked incomplete.
import t from 'tap';
import './helpers/children.ts';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunSummary } from '../harness/runner/summary.ts';

const hil = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['bin/hil.js', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, HIL_FUZZ_SECONDS: '3', ...env },
  });

t.test('a broken rig file: exit 2, file:line:col and key path, no stack trace', async (t) => {
  const result = hil(['run', '--rig', 'test/fixtures/config/bad-port.rig.yaml']);
  t.equal(result.status, 2);
  t.match(result.stderr, /bad-port\.rig\.yaml:8:54: boards\.b\.power\.port: expected a TCP port number/);
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
});

t.test('unknown board or suite: exit 2 with the names that exist', async (t) => {
  const board = hil(['run', '--rig', 'rigs/virtual.yaml', '--board', 'nope']);
  t.equal(board.status, 2);
  t.match(board.stderr, /no board nope .*boards: virtual-hardened, virtual-legacy/);
  const suite = hil(['run', '--rig', 'rigs/virtual.yaml', '--suite', 'nope']);
  t.equal(suite.status, 2);
  t.match(suite.stderr, /no suite nope .*suites: .*boot-log/);
  const help = hil(['run', '--help']);
  t.equal(help.status, 0, 'hil run --help: exit 0');
  t.match(help.stdout, /usage:\n {2}hil run --rig FILE/);
  const deadline = hil(['run', '--rig', 'rigs/virtual.yaml', '--suite-deadline', 'abc']);
  t.equal(deadline.status, 2);
  t.match(deadline.stderr, /--suite-deadline must be a number of seconds above 0, at most 86400, not "abc"/);
  const usage = hil(['frobnicate']);
  t.equal(usage.status, 2);
  t.match(usage.stderr, /unknown command "frobnicate"/);
});

t.test(
  '--check: one check run again, the rest of its suite skipped and said so; the report says how to run it again',
  async (t) => {
    const out = join(t.testdir({}), 'run');
    const run = hil(
      [
        ...['run', '--rig', 'rigs/virtual.yaml', '--board', 'virtual-legacy'],
        ...['--check', 'boot-log/no-red-flag'],
        ...['--seed', '7', '--out', out],
      ],
      { HIL_NO_PDF: '1' },
    );
    t.equal(run.status, 1, run.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
    t.same(
      summary.results.map((r) => r.suite),
      ['boot-log'],
      'its suite only',
    );
    const checks = summary.results[0]!.checks;
    t.same(
      checks.filter((c) => c.verdict === 'fail').map((c) => c.id),
      ['boot-log/no-red-flag'],
    );
    t.ok(
      checks
        .filter((c) => c.id !== 'boot-log/no-red-flag')
        .every((c) => c.verdict === 'skip' && /^not asked for \(--check boot-log\/no-red-flag\)$/.test(c.reason!)),
      'the others skipped, said why',
    );
    t.match(
      readFileSync(join(out, 'junit.xml'), 'utf8'),
      `run again: npx hil run --rig ${summary.run.rigFile} --board virtual-legacy --check boot-log/no-red-flag --seed 7`,
    );
    const unknown = hil(['run', '--rig', 'rigs/virtual.yaml', '--check', 'boot-log/nope']);
    t.equal(unknown.status, 2);
    t.match(unknown.stderr, /cannot run: no check boot-log\/nope \(boot-log's checks: boots-to-ready, /);
    t.match(
      hil(['run', '--rig', 'rigs/virtual.yaml', '--check', 'boot-log']).stderr,
      /--check names a check as suite\/check/,
    );
  },
);

t.test('a board another process holds is refused: exit 2 naming the holder', async (t) => {
  const locks = t.testdir({});
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  t.teardown(() => holder.kill());
  writeFileSync(join(locks, 'virtual--virtual-legacy.lock'), JSON.stringify({ pid: holder.pid, since: 'now' }));
  const result = hil(['run', '--rig', 'rigs/virtual.yaml', '--out', join(locks, 'out')], { HIL_LOCK_DIR: locks });
  t.equal(result.status, 2);
  t.match(result.stderr, new RegExp(`board virtual-legacy of rig virtual is in use by process ${holder.pid}`));
  t.ok(existsSync(join(locks, 'virtual--virtual-legacy.lock')), "the other process's lock is left alone");
  t.notOk(existsSync(join(locks, 'virtual--virtual-hardened.lock')), 'locks this run took are released');
});

t.test('--wait: the run gives up at its deadline, or takes the board when its holder finishes', async (t) => {
  const locks = t.testdir({});
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.teardown(() => holder.kill());
  writeFileSync(join(locks, 'virtual--virtual-legacy.lock'), JSON.stringify({ pid: holder.pid, since: 'now' }));
  const args = ['run', '--rig', 'rigs/virtual.yaml', '--board', 'virtual-legacy', '--suite', 'boot-log'];
  const gaveUp = hil([...args, '--wait', '1', '--out', join(locks, 'early')], { HIL_LOCK_DIR: locks });
  t.equal(gaveUp.status, 2, 'a deadline shorter than the holder: exit 2');
  t.match(gaveUp.stderr, new RegExp(`in use by process ${holder.pid}.*\\(waited 1 s\\)`));
  const waiting = spawn(process.execPath, ['bin/hil.js', ...args, '--wait', '60', '--out', join(locks, 'late')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HIL_LOCK_DIR: locks },
  });
  let stderr = '';
  waiting.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  while (!/waiting up to 60 s/.test(stderr) && waiting.exitCode === null) await sleep(50);
  t.match(
    stderr,
    new RegExp(`waiting up to 60 s: board virtual-legacy of rig virtual is in use by process ${holder.pid}`),
  );
  holder.kill();
  const [code] = (await once(waiting, 'exit')) as [number | null];
  t.equal(code, 1, 'it ran once the holder was gone (the legacy board fails boot-log)', { stderr: stderr.slice(-800) });
});

t.test('a stale lock (its process is gone) is taken over', async (t) => {
  const locks = t.testdir({ 'virtual--virtual-hardened.lock': JSON.stringify({ pid: 2 ** 22 + 12345 }) });
  const result = hil(
    [
      'run',
      '--rig',
      'rigs/virtual.yaml',
      '--board',
      'virtual-hardened',
      '--suite',
      'boot-log',
      '--out',
      join(locks, 'out'),
    ],
    { HIL_LOCK_DIR: locks },
  );
  t.equal(result.status, 0, 'exit 0', { stderr: result.stderr.slice(-2000) });
});

t.test('SIGTERM mid-run: supplies to the safe state, summary written with complete: false, exit 2', async (t) => {
  const out = t.testdir({});
  const child = spawn(process.execPath, ['bin/hil.js', 'run', '--rig', 'rigs/virtual.yaml', '--out', out], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HIL_FUZZ_SECONDS: '3' },
  });
  let stderr = '';
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/virtual-(hardened|legacy) \/ boot-log/.test(stderr)) resolve();
    });
  });
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.equal(code, 2);
  t.match(stderr, /SIGTERM: stopping suites, putting supplies in the safe state \(off\)/);
  t.notMatch(stderr, /could not put .* in the safe state/, 'every supply reached the safe state');
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
  t.equal(summary.run.complete, false);
  t.equal(summary.run.interrupted, 'SIGTERM');
  t.ok(summary.run.finished);
});

t.test('hil rig-host keeps running with its standard input closed, and stops on SIGTERM', async (t) => {
  const state = t.testdir({});
  const host = spawn(process.execPath, ['bin/hil.js', 'rig-host', '--rig', 'rigs/virtual.yaml', '--state', state], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => host.kill('SIGKILL'));
  const ready = await new Promise<string>((resolve) =>
    host.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())),
  );
  t.match(JSON.parse(ready), { ready: true, endpointsFile: join(state, 'endpoints.json') });
  await sleep(1000);
  t.equal(host.exitCode, null, 'still running a second after its stdin closed');
  host.kill('SIGTERM');
  const [code] = (await once(host, 'exit')) as [number | null];
  t.equal(code, 0, 'a clean stop');
  t.notOk(existsSync(join(state, 'endpoints.json')), 'its endpoints file is removed');
});
