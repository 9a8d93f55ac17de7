// The boot-log suite through `hil run`, as a user runs it: it passes on the hardened board and
// fails on each boot-related flaw, exactly the checks that flaw should fail, with evidence.
import t from 'tap';
import './helpers/children.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hilRun } from './helpers/run.ts';

/** board -> the checks that must fail on it (every other check must pass). */
const EXPECTED_FAILURES: Record<string, string[]> = {
  hardened: [],
  'jtag-open': ['boot-log/no-red-flag'],
  'secure-boot-off': ['boot-log/required-lines'],
  'boot-panic': ['boot-log/no-crash', 'boot-log/power-on-reset'],
  'no-version': ['boot-log/version-reported'],
};
const ALL = [
  'boot-log/boots-to-ready',
  'boot-log/no-crash',
  'boot-log/no-red-flag',
  'boot-log/power-on-reset',
  'boot-log/required-lines',
  'boot-log/version-reported',
];

const out = t.testdir({});
const run = hilRun(['--rig', 'test/fixtures/rigs/boot-flaws.yaml', '--suite', 'boot-log', '--seed', '7'], out);

t.equal(run.status, 1, 'exit code 1: a check failed');
t.equal(run.summary.run.complete, true);
t.equal(run.summary.run.seed, 7);
t.equal(run.summary.results.length, 8, 'one result per board');

for (const [board, failures] of Object.entries(EXPECTED_FAILURES)) {
  t.test(board, async (t) => {
    const result = run.result(board);
    t.notOk(result.error, 'the suite ran to its end');
    t.same(run.having(board, 'fail'), [...failures].sort(), 'fails exactly the checks its flaw should');
    t.same(
      run.having(board, 'pass'),
      ALL.filter((id) => !failures.includes(id)),
      'passes every other check',
    );
    for (const check of result.checks) {
      t.ok(check.provisions.length > 0, `${check.id} names its provisions`);
      t.equal(
        check.evidence.log,
        `${board}/boot-log.log`,
        `${check.id} points at the console log, relative to the run`,
      );
    }
    const tap = readFileSync(join(out, result.tap), 'utf8');
    t.match(tap, /^TAP version 14/, 'raw TAP kept');
    t.match(tap, /# seed 7/, 'the seed reached the suite');
    const log = readFileSync(join(out, board, 'boot-log.log'), 'utf8');
    t.match(log, /< rst:0x1 \(POWERON_RESET\)/, 'the console log has the boot');
  });
}

t.test('evidence names what was seen', async (t) => {
  t.match(run.check('jtag-open', 'boot-log/no-red-flag').evidence.found, [
    {
      pattern: '/Not disabling JTAG - SECURITY COMPROMISED/m',
      lines: [/W \(\d+\) secure_boot: Not disabling JTAG - SECURITY COMPROMISED/],
    },
  ]);
  t.match(run.check('boot-panic', 'boot-log/power-on-reset').evidence.seen, '0xc (software)');
  t.match(run.check('boot-panic', 'boot-log/no-crash').evidence.crashes, [
    { line: /Guru Meditation Error: Core {2}0 panic'ed \(LoadProhibited\)/ },
  ]);
  t.equal(run.check('no-version', 'boot-log/version-reported').evidence.version, 'none reported');
  t.match(run.check('secure-boot-off', 'boot-log/required-lines').evidence.missing, [
    { pattern: '/secure_boot_v2: Signature verified successfully!/m', lines: [] },
  ]);
  const tap = readFileSync(join(out, 'no-version', 'boot-log.tap'), 'utf8');
  t.match(tap, /pattern: \/App version:\\s\+\(\\S\+\)\/m/, 'a regex in evidence is escaped once, as written');
});

t.test('a boot cut short of its ready line: what was printed is judged, what is missing is not', async (t) => {
  const verdicts = (board: string) =>
    Object.fromEntries(run.result(board).checks.map((c) => [c.id.replace('boot-log/', ''), c.verdict]));
  t.same(verdicts('stalls'), {
    'boots-to-ready': 'fail',
    'no-crash': 'inconclusive',
    'power-on-reset': 'pass',
    'version-reported': 'pass',
    'no-red-flag': 'inconclusive',
    'required-lines': 'pass',
  });
  t.match(run.check('stalls', 'boot-log/no-red-flag').reason, /never reached its ready line.*no red flag yet/);
  t.match(run.check('stalls', 'boot-log/no-red-flag').evidence.tail, [/./], 'the log it had is shown');
  t.same(verdicts('stalls-flagged'), {
    'boots-to-ready': 'fail',
    'no-crash': 'inconclusive',
    'power-on-reset': 'pass',
    'version-reported': 'pass',
    'no-red-flag': 'fail',
    'required-lines': 'inconclusive',
  });
  t.match(run.check('stalls-flagged', 'boot-log/required-lines').reason, /a required line may come later/);
});

t.test('a board with no power control reports the same checks, each skipped with the reason', async (t) => {
  const result = run.result('unpowered');
  t.equal(result.pass, 0);
  t.equal(result.fail, 0);
  t.same(
    result.checks.map((c) => c.id),
    run.result('hardened').checks.map((c) => c.id),
    'the same stable ids whether they ran or skipped',
  );
  for (const check of result.checks) {
    t.equal(check.verdict, 'skip');
    t.match(check.reason, /no power control/);
    t.ok(check.provisions.length > 0, 'a skipped check still names its provisions');
  }
});
