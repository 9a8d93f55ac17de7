// The fuzz suite passes nothing on silence and knows its own traffic (issue 26), on the virtual rig:
// a profile with no prompt and no liveness probe gives a console campaign no way to ask the board
// whether it lives (inconclusive, the board that hung under it too; its SMP campaign asks by echo);
// a liveness probe whose answer looks like the boot banner is no reset, and a real reset under that
// profile still is; a help in FreeRTOS+CLI's form leads the campaign to the crash; no help at all
// leaves the grammar part inconclusive; every other form of help is read by the plan; and a replay
// passes nothing it could not see either: a board that cannot be brought up, or asked, is exit 2.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzPlan } from '../harness/fuzz/plan.ts';
import { hilRun } from './helpers/run.ts';
import { testRig } from './helpers/virtual-rig.ts';

const RIG = 'test/fixtures/rigs/fuzz-silence.yaml';
const CAMPAIGNED = ['unasked', 'unasked-hangs', 'banner-probe', 'banner-probe-resets', 'oob-freertos', 'help-none'];
const out = t.testdir({});
const run = hilRun(
  [
    '--rig',
    RIG,
    '--suite',
    'fuzz',
    '--seed',
    '75',
    '--fuzz-cases',
    '600',
    ...CAMPAIGNED.flatMap((b) => ['--board', b]),
  ],
  out,
  { HIL_FUZZ_SECONDS: '30' },
  600_000,
);
const evidence = (board: string, check: string) => run.check(board, `fuzz/${check}`).evidence;
const log = (board: string) => readFileSync(join(out, board, 'fuzz.log'), 'utf8').split('\n');

t.test('no prompt, no liveness probe: the console campaign is no pass; SMP asks by echo', async (t) => {
  const console = run.check('unasked', 'fuzz/console');
  t.equal(console.verdict, 'inconclusive', 'a campaign that cannot ask the board whether it lives');
  t.match(
    console.reason,
    /no way to ask the board whether it lives: the profile names no prompt and no liveness probe/,
  );
  t.match(console.evidence, { liveness: /^no way to ask/, grammar: /5 commands from the profile/, failures: [] });
  const smp = run.check('unasked', 'fuzz/smp');
  t.equal(smp.verdict, 'pass', 'the SMP campaign asks by SMP echo, and the board answered');
  t.match(smp.evidence, { liveness: 'asked by its SMP echo', monitors: [/./, /./, /./, /asked \d+ times, 0 dead/] });
});

t.test('a board that hangs silently under that profile is not passed', async (t) => {
  t.equal(run.check('unasked-hangs', 'fuzz/console').verdict, 'inconclusive');
  // It did hang: after the first case with %n it echoed, the board said nothing until it was switched off.
  const lines = log('unasked-hangs');
  const hung = lines.findIndex((line) => / < .*%n/.test(line));
  t.ok(hung > 0, 'a case with %n reached it');
  const until = lines.findIndex((line, i) => i > hung && / ! power off/.test(line));
  t.notOk(
    lines.slice(hung + 1, until).some((line) => / < /.test(line)),
    'and it answered nothing after it',
  );
});

t.test("the liveness probe's answer looks like the banner: no reset; a real one still is", async (t) => {
  const console = run.check('banner-probe', 'fuzz/console');
  t.equal(console.verdict, 'pass', { evidence: console.evidence });
  t.match(console.evidence, {
    liveness: 'asked by its liveness probe',
    monitors: [/./, 'unexpected boots: 0', /./, /^liveness \(liveness probe\): asked [1-9]\d* times, 0 dead/],
  });
  const answers = log('banner-probe').filter((line) => / < App version: /.test(line));
  t.ok(answers.length >= 2, 'its probe (and the version cases) printed the banner-like line');
  t.notOk(
    log('banner-probe').some((line) => /restart after a failure|restart for a replay/.test(line)),
    'no restart',
  );
  t.equal(run.check('banner-probe', 'fuzz/smp').verdict, 'pass');

  t.same(run.having('banner-probe-resets', 'fail'), ['fuzz/smp'], 'the reset the SMP flaw makes is still seen');
  t.match(evidence('banner-probe-resets', 'smp'), { failures: [{ kind: 'reboot', confirmed: true }] });
});

t.test("FreeRTOS+CLI's help leads the campaign to the crash", async (t) => {
  t.same(run.having('oob-freertos', 'fail'), ['fuzz/console']);
  t.match(evidence('oob-freertos', 'console'), {
    grammar: /^help: 5 commands from the freertos form/,
    failures: [{ kind: 'crash', signature: /^crash: Guru Meditation/, confirmed: true, preamble: [/\d/] }],
  });
});

t.test('no help and no commands in the profile: the grammar part is inconclusive, not silent', async (t) => {
  const console = run.check('help-none', 'fuzz/console');
  t.equal(console.verdict, 'inconclusive');
  t.match(console.reason, /the grammar part: no command to start from/);
  t.match(console.evidence, { grammar: /^help: 0 commands from the plain form/ });
});

t.test('every form of help is read, and says which', async (t) => {
  const rig = await testRig(RIG);
  t.teardown(() => rig.stop());
  const forms: Record<string, { form: string; commands: string[] }> = {
    'help-u-boot': { form: 'u-boot', commands: ['help', 'version', 'echo', 'cfg'] },
    'help-zephyr': { form: 'zephyr', commands: ['help', 'version', 'echo', 'cfg'] },
    'help-esp-idf': {
      form: 'esp-idf',
      commands: ['help', 'version', 'echo <words>', 'cfg get <key>', 'cfg set <key> <value>'],
    },
    'help-busybox': { form: 'busybox', commands: ['help', 'version', 'echo', 'cfg'] },
  };
  for (const [name, expected] of Object.entries(forms)) {
    const board = await rig.open(name, t.testdir({}));
    try {
      const plan = await fuzzPlan(board, 1);
      t.equal(
        plan.grammar,
        `help: ${expected.commands.length} commands from the ${expected.form} form; 0 commands from the profile (fuzz.commands)`,
      );
      t.same(
        plan.commands.map((c) => [c.name, ...c.args].join(' ')),
        expected.commands,
        `${name}: what restarts the board, and tlsprobe (the profile's exclude), left out`,
      );
    } finally {
      await board.close();
    }
  }
});

const replay = (file: string, board: string) =>
  spawnSync(
    process.execPath,
    ['bin/hil.js', 'replay', file, '--rig', RIG, '--board', board, '--out', mkdtempSync(join(tmpdir(), 'hil-replay-'))],
    { encoding: 'utf8', timeout: 120_000 },
  );

t.test('hil replay: a board it cannot bring up, or cannot ask, is exit 2, never "no longer reproduces"', async (t) => {
  const [saved] = evidence('oob-freertos', 'console').failures as { file: string }[];
  const file = join(out, saved!.file);
  const stalls = replay(file, 'never-ready');
  t.equal(stalls.status, 2, 'a board that never reaches its ready line', { stderr: stalls.stderr.slice(-1500) });
  t.match(stalls.stderr, /the board could not be brought up .*nothing was replayed/);
  // No oob flaw here: the case goes through, and with neither prompt nor probe nothing shows the board lives.
  const unasked = replay(file, 'unasked-hangs');
  t.equal(unasked.status, 2, 'a board that cannot be asked', { stderr: unasked.stderr.slice(-1500) });
  t.match(unasked.stderr, /no way to ask the board whether it lives/);
  t.notMatch(unasked.stderr, /no longer reproduces:/);
});
