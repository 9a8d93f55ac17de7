// "Could not test" is never "insecure": a rig that is not ready stops in the pre-flight with exit 2
// before any suite runs; a suite that crashes leaves its unreached checks inconclusive with the
// cause, never a TAP that reads as passing; a suite run on its own waits its turn for the board.
import t from 'tap';
import './helpers/children.ts';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tapResults } from '../harness/runner/tap-results.ts';
import { hilRun } from './helpers/run.ts';

/** A loopback port nothing listens on: an instrument that is switched off. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

t.test('pre-flight: an unplugged console and a supply that is off stop the run before any suite', async (t) => {
  const dir = t.testdir({});
  writeFileSync(
    join(dir, 'rig.yaml'),
    [
      'name: desk',
      'boards:',
      '  esp:',
      '    profile: virtual',
      `    console: { port: ${join(dir, 'ttyUSB9')} }`,
      `    power: { driver: scpi-tcp, host: 127.0.0.1, port: ${await deadPort()} }`,
      '',
    ].join('\n'),
  );
  const started = Date.now();
  const run = hilRun(['--rig', join(dir, 'rig.yaml')], join(dir, 'out'));
  t.comment(`pre-flight failed after ${Date.now() - started} ms`);
  t.equal(run.status, 2, 'exit 2: the run could not be done');
  t.match(run.stderr, /pre-flight found the rig not ready \(no suite was started\)/);
  t.match(run.stderr, /\[esp\] console: expected the console .*ttyUSB9 to open\n\s+seen: cannot open/);
  t.match(run.stderr, /\[esp\] power: expected the scpi-tcp power driver to answer\n\s+seen: .*ECONNREFUSED/);
  t.same(run.summary.results, [], 'no suite ran');
  t.notOk(
    existsSync(join(dir, 'out', 'esp')),
    'the suite started ahead of its go left nothing: it never had the board',
  );
  t.match(run.summary.run, {
    complete: false,
    preflight: [
      { board: 'esp', need: 'console' },
      { board: 'esp', need: 'power' },
    ],
  });
  t.notOk(existsSync(join(dir, 'out', 'esp')), 'no board folder: nothing touched the board');
});

t.test('a suite that throws or dies: its unreached checks are inconclusive with the cause; exit 2', async (t) => {
  const run = hilRun(
    ['--rig', 'rigs/virtual.yaml', '--board', 'virtual-hardened', '--suite', 'throws', '--suite', 'dies'],
    t.testdir({}),
    { HIL_SUITE_PATH: 'test/fixtures/suites' },
  );
  t.equal(run.status, 2, 'exit 2: nothing failed, something could not be tested');
  t.equal(run.check('virtual-hardened', 'throws/first').verdict, 'pass', 'what was reported before the fault stands');
  const second = run.check('virtual-hardened', 'throws/second');
  t.equal(second.verdict, 'inconclusive');
  t.match(second.reason, /the suite stopped before this check: .*fetch failed/);
  t.same(second.provisions, ['5.9-2'], 'it keeps its provisions');
  const dies = run.result('virtual-hardened', 'dies');
  t.match(dies.error, /exited with 3/, 'the crash is named');
  t.match(run.check('virtual-hardened', 'dies/only'), { verdict: 'inconclusive', reason: /^not run: / });
  t.equal(dies.inconclusive, 1);
  t.match(run.stderr, /0 failed, 0 skipped, 2 could not be tested/);
});

t.test('a suite run on its own takes the board lock: held by another run, every check is inconclusive', async (t) => {
  const locks = t.testdir({});
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  t.teardown(() => holder.kill());
  writeFileSync(join(locks, 'virtual--virtual-hardened.lock'), JSON.stringify({ pid: holder.pid, since: 'now' }));
  const suite = spawnSync(process.execPath, ['--import', 'tsx', 'suites/boot-log.ts'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, HIL_LOCK_DIR: locks, HIL_BOARD: 'virtual-hardened', TAP_TIMEOUT: '0' },
  });
  const { parser, done } = tapResults();
  parser.end(suite.stdout);
  const { checks, complete } = await done;
  t.ok(complete, 'the TAP is whole');
  t.equal(checks.length, 6, 'every declared check is reported');
  for (const check of checks) {
    t.equal(check.verdict, 'inconclusive', `${check.id} could not be tested`);
    t.match(check.reason, new RegExp(`in use by process ${holder.pid}`));
  }
});
