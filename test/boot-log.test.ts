// The boot-log suite through `hil run`, as a user runs it: it passes on the hardened board and
// fails on each boot-related flaw, exactly the checks that flaw should fail, with evidence.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../harness/runner/summary.ts';

const BANNER = 'boot banner and ready line within 5000 ms of power-on';
const CRASH = 'no crash signature during boot';
const RESET = 'reset reason after power-on is a power-on reset';
const VERSION = 'firmware version reported at boot';
const JTAG = 'no red-flag line /Not disabling JTAG - SECURITY COMPROMISED/m';
const SECURE_BOOT = 'required line /secure_boot_v2: Signature verified successfully!/m present';

/** board -> the checks that must fail on it (every other check must pass). */
const EXPECTED_FAILURES: Record<string, string[]> = {
  hardened: [],
  'jtag-open': [JTAG],
  'secure-boot-off': [SECURE_BOOT],
  'boot-panic': [CRASH, RESET],
  'no-version': [VERSION],
};

const out = t.testdir({});
const run = spawnSync(
  process.execPath,
  [
    'bin/hil.js',
    'run',
    '--rig',
    'test/fixtures/rigs/boot-flaws.yaml',
    '--suite',
    'boot-log',
    '--out',
    out,
    '--seed',
    '7',
  ],
  {
    encoding: 'utf8',
    timeout: 120_000,
  },
);
const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;

t.equal(run.status, 1, 'exit code 1: a check failed');
t.equal(summary.run.complete, true);
t.equal(summary.run.seed, 7);
t.equal(summary.results.length, 6, 'one result per board');

for (const [board, failures] of Object.entries(EXPECTED_FAILURES)) {
  t.test(board, async (t) => {
    const result = summary.results.find((r) => r.board === board)!;
    t.ok(result, 'has a result');
    t.notOk(result.error, 'the suite ran to its end');
    const failed = result.checks.filter((c) => !c.ok && !c.skip).map((c) => c.name);
    t.same(failed.sort(), [...failures].sort(), 'fails exactly the checks its flaw should');
    t.equal(result.skip, 0);
    for (const check of result.checks) {
      t.ok(check.provisions.length > 0, `${check.name} names its provisions`);
      t.ok(check.evidence.log, `${check.name} points at the console log`);
    }
    t.ok(
      result.checks.some((c) => c.name === BANNER && c.ok),
      'booted',
    );
    const tap = readFileSync(join(out, result.tap), 'utf8');
    t.match(tap, /^TAP version 14/, 'raw TAP kept');
    const log = readFileSync(join(out, board, 'boot-log.log'), 'utf8');
    t.match(log, /< rst:0x1 \(POWERON_RESET\)/, 'the console log has the boot');
  });
}

t.test('evidence names what was seen', async (t) => {
  const check = (board: string, name: string) =>
    summary.results.find((r) => r.board === board)!.checks.find((c) => c.name === name)!;
  t.match(check('jtag-open', JTAG).evidence.lines, [
    /W \(\d+\) secure_boot: Not disabling JTAG - SECURITY COMPROMISED/,
  ]);
  t.match(check('boot-panic', RESET).evidence.seen, '0xc (software)');
  t.match(check('boot-panic', CRASH).evidence.crashes, [
    { line: /Guru Meditation Error: Core {2}0 panic'ed \(LoadProhibited\)/ },
  ]);
  t.equal(check('no-version', VERSION).evidence.version, 'none reported');
  t.same(check('secure-boot-off', SECURE_BOOT).evidence.lines, []);
});

t.test('a board with no power control skips every check with the reason, and passes none', async (t) => {
  const result = summary.results.find((r) => r.board === 'unpowered')!;
  const hardened = summary.results.find((r) => r.board === 'hardened')!;
  t.equal(result.pass, 0);
  t.equal(result.fail, 0);
  t.same(
    result.checks.map((c) => c.name),
    hardened.checks.map((c) => c.name),
    'the same checks, each accounted for',
  );
  for (const check of result.checks) {
    t.match(check.skip, /no power control/);
    t.ok(check.provisions.length > 0, 'a skipped check still names its provisions');
  }
});
