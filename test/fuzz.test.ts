// fuzz through `hil run` and `hil replay`: with a fixed seed each input-handling flaw of the virtual
// board is found, confirmed on a restarted board and minimized; hardened survives; a reproducer
// reproduces on the flawed board (exit 1) and not on the fixed one (exit 0), and a different failure
// (a crash, a hang) is said to be one (exit 1); a board that dies ends its campaign with the evidence
// instead of hanging it, its unconfirmed hang listed and the check inconclusive.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hilRun } from './helpers/run.ts';

interface Saved {
  file: string;
  signature: string;
  confirmed: boolean;
  minimized: string;
  preamble: number[];
}

const out = t.testdir({});
const started = Date.now();
const run = hilRun(
  ['--rig', 'test/fixtures/rigs/fuzz-flaws.yaml', '--suite', 'fuzz', '--seed', '75', '--fuzz-cases', '600'],
  out,
  { HIL_FUZZ_SECONDS: '60' },
  600_000,
);
t.comment(`the campaigns took ${((Date.now() - started) / 1000).toFixed(0)} s`);
const failures = (board: string, check: string) =>
  (run.check(board, `fuzz/${check}`).evidence as { failures?: Saved[] }).failures ?? [];

/** board -> the check that fails, what it must have seen, and the heart of the minimized input. */
const FOUND: Record<string, { check: string; signature: RegExp; minimized: RegExp; preamble?: boolean }> = {
  'crash-long-arg': { check: 'console', signature: /^crash: Guru Meditation/, minimized: /A{33}/ },
  'hang-on-token': { check: 'console', signature: /^hang: no prompt/, minimized: /%n/ },
  'oob-after-set': { check: 'console', signature: /^crash: Guru Meditation/, minimized: /^cfg get/, preamble: true },
  'smp-length-reset': { check: 'smp', signature: /^reboot: rst:0xc/, minimized: /^\\x06\\t/ },
};

t.test('hardened survives the campaign on every target it has', async (t) => {
  t.equal(run.check('hardened', 'fuzz/console').verdict, 'pass');
  t.equal(run.check('hardened', 'fuzz/smp').verdict, 'pass');
  t.match(run.check('hardened', 'fuzz/console').evidence, { seed: 75, cases: 600, failures: [] });
  t.match(run.check('hardened', 'fuzz/network').reason, /names no network port/);
  t.match(run.check('hardened', 'fuzz/usb').reason, /no USB identity/);
});

for (const [board, expected] of Object.entries(FOUND)) {
  t.test(`${board}: found, confirmed, minimized, kept`, async (t) => {
    t.same(run.having(board, 'fail'), [`fuzz/${expected.check}`], 'exactly the target with the flaw fails');
    const [failure] = failures(board, expected.check);
    t.ok(failure, 'a reproducer');
    t.match(failure!.signature, expected.signature);
    t.ok(failure!.confirmed, 'seen again on a restarted board');
    t.match(failure!.minimized, expected.minimized);
    if (expected.preamble) t.equal(failure!.preamble.length, 1, 'it needs the one case before it, and only that');
    const saved = JSON.parse(readFileSync(join(out, failure!.file), 'utf8'));
    t.match(saved, { format: 'hil-fuzz-reproducer/1', board, seed: 75, finding: { signature: failure!.signature } });
  });
}

t.test('a crash answers its case: no recovery key goes into the reboot that follows', async (t) => {
  const log = readFileSync(join(out, 'crash-long-arg', 'fuzz.log'), 'utf8').split('\n');
  const crashes = log.flatMap((line, i) => (/ < Guru Meditation Error/.test(line) ? [i] : []));
  t.ok(crashes.length >= 2, 'the crash, and its replays');
  // Before, the countdown's quiet looked like a case with no prompt: a Ctrl-C stopped the bootloader,
  // and the campaign waited its case deadline at the bootloader's prompt.
  const untilRestart = (i: number) =>
    log.slice(
      i,
      log.findIndex((line, j) => j > i && / ! power off/.test(line)),
    );
  t.notOk(
    crashes.some((i) => untilRestart(i).some((line) => /^\S+ > \\x03/.test(line))),
    'no Ctrl-C between a crash and the restart',
  );
  t.notOk(
    log.some((line) => / < => $/.test(line)),
    "the bootloader's prompt never came up",
  );
});

const replay = (file: string, ...args: string[]) =>
  spawnSync(
    process.execPath,
    ['bin/hil.js', 'replay', file, '--out', mkdtempSync(join(tmpdir(), 'hil-replay-')), ...args],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );

t.test('hil replay: reproduces on the flawed board (exit 1), not on the fixed one (exit 0)', async (t) => {
  const file = join(out, failures('oob-after-set', 'console')[0]!.file);
  const again = replay(file);
  t.equal(again.status, 1, 'reproduced', { stderr: again.stderr.slice(-1500) });
  t.match(again.stderr, /oob-after-set FAIL a reproducer given to hil replay no longer reproduces/);
  t.match(again.stderr, /outcome: reproduced: crash: Guru Meditation/);
  const fixed = replay(file, '--board', 'hardened');
  t.equal(fixed.status, 0, 'not reproduced on firmware without the flaw', { stderr: fixed.stderr.slice(-1500) });
  t.match(fixed.stderr, /hardened ok {3}a reproducer given to hil replay no longer reproduces/);
  const broken = replay(join(out, 'summary.json'));
  t.equal(broken.status, 2, 'a file that is not a reproducer cannot run');
  t.match(broken.stderr, /not a hil-fuzz-reproducer\/1 file/);
});

t.test('hil replay: a different failure is not "no longer reproduces" (exit 1, said so)', async (t) => {
  const dir = t.testdir({});
  const recordedAs = (board: string, finding: object) => {
    const saved = JSON.parse(readFileSync(join(out, failures(board, 'console')[0]!.file), 'utf8'));
    const file = join(dir, `${board}.json`);
    writeFileSync(file, JSON.stringify({ ...saved, finding }, null, 2));
    return file;
  };
  // A reproducer whose recorded failure was a hang, on the board its case crashes.
  const crashes = replay(recordedAs('oob-after-set', { kind: 'hang', signature: 'hang: no prompt' }));
  t.equal(crashes.status, 1, 'a crash where a hang was recorded', { stderr: crashes.stderr.slice(-1500) });
  t.match(
    crashes.stderr,
    /outcome: a different failure: crash: Guru Meditation Error \(the reproducer's was hang: no prompt\)/,
  );
  // One recorded as a crash, on the board its case hangs: a dead board is no pass.
  const hangs = replay(recordedAs('hang-on-token', { kind: 'crash', signature: 'crash: Guru Meditation Error' }));
  t.equal(hangs.status, 1, 'a hang where a crash was recorded', { stderr: hangs.stderr.slice(-1500) });
  t.match(hangs.stderr, /outcome: a different failure: hang: no prompt/);
});

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

t.test('hil replay checks a reproducer as a rig file: each hostile value named, exit 2, nothing sent', async (t) => {
  const file = join(out, failures('oob-after-set', 'console')[0]!.file);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { pacing: object; finding: { signature?: string } };
  const { signature: _signature, ...unsigned } = saved.finding;
  const deadline =
    'pacing.caseDeadlineMs: expected whole milliseconds from 1 to 2147483647 \\(the longest a timer holds\\)';
  // Before, each of these replayed and said "no longer reproduces" (exit 0) on a board that still crashes.
  const hostile: [string, object, string][] = [
    [
      'a deadline of "soon"',
      { pacing: { ...saved.pacing, caseDeadlineMs: 'soon' } },
      `${deadline}, found string "soon"`,
    ],
    ['a negative deadline', { pacing: { ...saved.pacing, caseDeadlineMs: -5 } }, `${deadline}, found number -5`],
    // Past 2^31-1 ms a Node timer fires after 1 ms.
    [
      'a deadline of 1e12 ms',
      { pacing: { ...saved.pacing, caseDeadlineMs: 1e12 } },
      `${deadline}, found number 1000000000000`,
    ],
    ['a finding with no signature', { finding: unsigned }, 'finding.signature: missing required key "signature"'],
  ];
  const dir = t.testdir({});
  for (const [i, [what, change, message]] of hostile.entries()) {
    const broken = join(dir, `hostile-${i}.json`);
    writeFileSync(broken, JSON.stringify({ ...saved, ...change }, null, 2));
    const run = replay(broken);
    t.equal(run.status, 2, `${what}: cannot run`, { stderr: run.stderr.slice(-1500) });
    t.match(
      run.stderr,
      new RegExp(`hil: invalid reproducer:\\n  ${escaped(broken)}:\\d+:\\d+: ${message}`),
      `${what}: named`,
    );
    t.notMatch(run.stderr, /reproduces/, `${what}: nothing replayed`);
  }
});

t.test('a board that dies and cannot be restarted ends its campaign, with what it saw', async (t) => {
  const check = run.check('dies-unpowered', 'fuzz/console');
  // A hang is the harness's inference: seen once and never confirmed, it is listed, not a failure.
  t.equal(check.verdict, 'inconclusive', 'the hang it saw could not be confirmed on a restarted board');
  t.match(check.reason, /^hang: no prompt .*: inferred by the harness, not seen again on a restarted board/);
  t.match(check.evidence, {
    stopped: /did not come back|expected/,
    failures: [],
    unconfirmed: [{ kind: 'hang', signature: /^hang/, confirmed: false, replay: /^hil replay / }],
  });
  t.notOk(run.result('dies-unpowered').error, 'the suite ended by itself, within its deadline');
});
