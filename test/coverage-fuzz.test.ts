// Coverage-guided fuzzing on our own firmware (hil-target, built by npm run setup) under QEMU's
// netduino2, its gdbstub the debug port. The basic blocks come from the ELF; the coverage of a known
// input is exact on its functions; a probe held to 4 hardware breakpoints, rotated, still reaches
// every block of a small function; a campaign with coverage keeps a coverage file and finds the shallow
// bug, plotted in the report; the deep bug's reproducer (its unlock as the preamble) replays; a board with no debug port
// runs black-box, the reason in the evidence; MicroPython's hex, with no symbols, armed a thousand
// blocks at a time, answers its cases.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { basicBlocks, comparedBytes, elfBasicBlocks, imageBasicBlocks } from '../harness/fuzz/basic-blocks.ts';
import { BreakpointCoverage } from '../harness/fuzz/breakpoint-coverage.ts';
import { thinned } from '../harness/fuzz/coverage-session.ts';
import { cleanEvidence } from '../harness/evidence.ts';
import { GdbRemote } from '../harness/probes/gdb-remote.ts';
import { bootTarget, ELF, lineAnswered } from './helpers/hil-target.ts';
import { hilRun } from './helpers/run.ts';

t.setTimeout(240_000);

t.test('the basic blocks and compared bytes of the ELF, from objdump', async (t) => {
  const { blocks, compared } = await elfBasicBlocks(ELF);
  const key = blocks.filter((b) => b.where.startsWith('key+'));
  // key compares its argument a byte at a time: each byte a branch, so a block each.
  t.ok(key.length >= 6, `${key.length} blocks in key`);
  t.same(
    compared.filter((c) => 'HiL!'.includes(String.fromCharCode(c))).map((c) => String.fromCharCode(c)),
    ['!', 'H', 'L', 'i'],
    "the key's bytes are among the compared ones",
  );
  // objdump's own text: a conditional branch makes two blocks, a call's return point a third.
  const symbols = '08000000 g     F .text\t0000000a f\n';
  const code =
    ' 8000000:\tcmp\tr0, #65\t@ 0x41\n 8000002:\tbne.n\t8000008 <f+0x8>\n 8000004:\tbl\t8000000 <f>\n 8000008:\tbx\tlr\n';
  t.same(
    basicBlocks(symbols, code).map((b) => b.where),
    ['f+0x0', 'f+0x4', 'f+0x8'],
  );
  t.same(comparedBytes(code), [65]);
});

t.test('an image with no symbols: Intel HEX as it is, raw bytes at their address', async (t) => {
  // MicroPython for the micro:bit, from Debian: Intel HEX, no symbols.
  const hex = await imageBasicBlocks('/usr/share/firmware-microbit-micropython/firmware.hex', undefined);
  t.ok(hex.blocks.length > 10_000, `${hex.blocks.length} blocks`);
  t.ok(
    hex.blocks.every((b) => b.where === `0x${b.address.toString(16)}`),
    'named by address only',
  );
  // hil-target's own bytes, raw, loaded at the STM32's flash: the functions it calls start blocks there.
  const dir = t.testdir({});
  const bin = join(dir, 'hil-target.bin');
  t.equal(spawnSync('arm-none-eabi-objcopy', ['-O', 'binary', ELF, bin]).status, 0);
  const raw = await imageBasicBlocks(bin, 0x0800_0000);
  const { blocks } = await elfBasicBlocks(ELF);
  const called = ['key+0x0', 'dump+0x0', 'same+0x0'].map((w) => blocks.find((b) => b.where === w)!.address);
  t.ok(
    called.every((a) => raw.blocks.some((b) => b.address === a)),
    'key, dump and same begin blocks in the raw image too',
  );
  await t.rejects(imageBasicBlocks(bin, undefined), /a raw image needs the address it is loaded at/);
});

t.test(
  "a long campaign's timeline is thinned to what evidence keeps: the report's plot starts at its start",
  async (t) => {
    const timeline = Array.from({ length: 1000 }, (_, i) => ({ case: i, seconds: i / 2, blocks: i }));
    const kept = cleanEvidence(thinned(timeline)) as { case: number }[];
    t.same(kept[0], timeline[0], 'the first point survives the evidence bound');
    t.same(kept.at(-1), timeline.at(-1), 'and the last');
  },
);

t.test('the coverage of a known input is exact on the functions it runs', async (t) => {
  const { blocks } = await elfBasicBlocks(ELF);
  const target = await bootTarget(t);
  const coverage = await BreakpointCoverage.attach(() => GdbRemote.connect('127.0.0.1', target.gdb), blocks);
  t.teardown(() => coverage.stop());
  // Arming every block held the core halted: a wait that excludes halts must be given that time too.
  t.equal(coverage.halts.count, 1, 'the halt that armed the breakpoints is counted');
  await lineAnswered(target, 'status');
  coverage.markCase(1);
  await lineAnswered(target, 'key Hi');
  const keyHit = coverage
    .takeNew()
    .filter((h) => h.where.startsWith('key+'))
    .map((h) => h.where);
  const byteBlocks = blocks.filter((b) => b.where.startsWith('key+')).map((b) => b.where);
  // H and i pass, L does not: the entry, two byte tests passed, the refusal and its return; not the unlock.
  t.same(keyHit.sort(), byteBlocks.filter((w) => keyHit.includes(w)).sort(), 'every block hit is one of key');
  t.equal(keyHit.length, 5, `key Hi: ${keyHit.join(' ')}`);
  t.notOk(
    coverage.reached.some((h) => h.where.startsWith('dump+0xc')),
    'the locked dump path is not reached',
  );
  coverage.markCase(2);
  await lineAnswered(target, 'key HiL!');
  t.equal(
    coverage.takeNew().filter((h) => h.where.startsWith('key+')).length,
    4,
    'the third and fourth bytes, the end of the code and the unlock: four more',
  );
  t.match(target.said(), /unlocked/);
});

t.test('four hardware breakpoints, rotated, still reach every block of a small function', async (t) => {
  const { blocks } = await elfBasicBlocks(ELF);
  const target = await bootTarget(t);
  const coverage = await BreakpointCoverage.attach(() => GdbRemote.connect('127.0.0.1', target.gdb), blocks, {
    limit: 4,
  });
  t.teardown(() => coverage.stop());
  const same = blocks.filter((b) => b.where.startsWith('same+')).map((b) => b.where);
  t.equal(same.length, 6, 'same has six blocks');
  const reachedSame = () => coverage.reached.filter((h) => h.where.startsWith('same+')).length;
  for (let round = 0; round < 400 && reachedSame() < same.length; round++) {
    await lineAnswered(target, round % 2 ? 'help' : 'version');
    coverage.rotate();
  }
  t.equal(reachedSame(), same.length, 'every block of same reached');
});

t.test('a campaign with coverage: a coverage file, the shallow bug, and the deep one replayed', async (t) => {
  const out = join(t.testdir({}), 'run');
  const run = hilRun(['--rig', 'rigs/hil-target.yaml', '--suite', 'fuzz', '--seed', '7'], out, {
    HIL_FUZZ_SECONDS: '8',
    HIL_FUZZ_MINIMIZE: '8',
  });
  t.equal(run.status, 1, 'the shallow bug fails the check', { stderr: run.stderr.slice(-1500) });
  const check = run.check('hil-target', 'fuzz/console');
  const evidence = check.evidence as {
    coverage: {
      blocks: number;
      reached: number;
      file: string;
      timeline: { blocks: number }[];
      halts: { count: number; longestMs: number; watchdog: string };
    };
    failures: { signature: string; file: string }[];
  };
  t.ok(evidence.coverage.reached > 50 && evidence.coverage.reached < evidence.coverage.blocks, 'blocks reached');
  t.ok(evidence.coverage.timeline.length > 1, 'a timeline');
  t.ok(evidence.coverage.halts.count >= evidence.coverage.reached - 1, 'a halt for each block reached, at least');
  t.match(evidence.coverage.halts.watchdog, /^the core stood halted up to \d+ ms at a time/);
  const file = JSON.parse(readFileSync(join(out, evidence.coverage.file), 'utf8')) as {
    reached: { address: string; where: string }[];
    corpus: { addedAt: number; bytes: string }[];
  };
  t.ok(
    file.reached.some((r) => r.where.startsWith('run+')),
    'function+offset names',
  );
  t.ok(file.corpus.length > 0, 'the corpus as it grew');
  t.match(
    readFileSync(join(out, 'report.html'), 'utf8'),
    /<svg class="coverage"[^>]*>.*?<polyline points="[0-9., ]+"/,
    "the report plots the campaign's coverage",
  );
  const shallow = evidence.failures.find((f) => f.signature.includes('invalid-state'));
  t.ok(shallow, 'the shallow bug (led past its table)');
  // The deep bug as a reproducer: its unlock the preamble, its case dump 8.
  const reproducer = JSON.parse(readFileSync(join(out, shallow!.file), 'utf8'));
  const deep = join(out, 'deep.json');
  writeFileSync(
    deep,
    JSON.stringify({
      ...reproducer,
      bytes: Buffer.from('dump 8').toString('base64'),
      original: Buffer.from('dump 8').toString('base64'),
      shown: 'dump 8',
      preamble: [{ index: 0, bytes: Buffer.from('key HiL!').toString('base64') }],
      finding: { ...reproducer.finding, signature: 'crash: ^\\*\\*\\* HardFault \\(undefined-instruction\\)' },
    }),
  );
  const replay = spawnSync(process.execPath, ['bin/hil.js', 'replay', deep, '--out', join(out, 'replay')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(replay.status, 1, 'reproduced', { stderr: replay.stderr.slice(-1500) });
  t.match(replay.stderr + replay.stdout, /reproduced: crash: .*undefined-instruction/);
});

t.test('no debug port: coverage is unavailable, the campaign runs black-box, said why', async (t) => {
  const dir = t.testdir({ rigs: {} });
  const rig = join(dir, 'rigs', 'hil-target.yaml');
  writeFileSync(
    rig,
    readFileSync('rigs/hil-target.yaml', 'utf8')
      .replace('gdbstub: true', 'gdbstub: false')
      .replaceAll('../build/', `${process.cwd()}/build/`),
  );
  t.ok(existsSync(ELF));
  const run = hilRun(['--rig', rig, '--suite', 'fuzz', '--seed', '7'], join(dir, 'out'), { HIL_FUZZ_SECONDS: '3' });
  const evidence = run.check('hil-target', 'fuzz/console').evidence as { coverage: string; cases: number };
  t.match(evidence.coverage, /^unavailable, so the campaign ran black-box: the board has no GDB debug port/);
  t.ok(evidence.cases > 0, 'the campaign ran');
});

t.test('a locked debug port (the hardened virtual board): unavailable, black-box, said why', async (t) => {
  const dir = t.testdir({});
  const rig = join(dir, 'virtual.yaml');
  const elf = join(process.cwd(), ELF);
  writeFileSync(
    rig,
    readFileSync('rigs/virtual.yaml', 'utf8').replace(
      'fuzz: { seconds: 10 }',
      `fuzz: { seconds: 3, coverage: { elf: ${elf} } }`,
    ),
  );
  const run = hilRun(['--rig', rig, '--board', 'virtual-hardened', '--suite', 'fuzz', '--seed', '7'], join(dir, 'out'));
  const check = run.check('virtual-hardened', 'fuzz/console');
  const evidence = check.evidence as { coverage: string; cases: number };
  // Its gdbserver answers E01 to everything but the halt state, as a probe does at readout protection 1.
  t.match(
    evidence.coverage,
    /^unavailable, so the campaign ran black-box: the debug port gave no coverage: 127\.0\.0\.1:\d+: no breakpoint taken \(E01\)$/,
  );
  t.ok(evidence.cases > 0, 'the campaign ran');
  t.equal(check.verdict, 'pass', 'and the hardened board survived it: coverage missing is no error');
});

t.test("MicroPython's hex, 23265 blocks: armed a thousand at a time, its REPL answers every case", async (t) => {
  const dir = t.testdir({});
  const rig = join(dir, 'qemu.yaml');
  const hex = '/usr/share/firmware-microbit-micropython/firmware.hex';
  // All of them armed at once, QEMU translated so slowly that the REPL did not echo case 0: a false hang.
  writeFileSync(
    rig,
    `${readFileSync('rigs/qemu.yaml', 'utf8')}    fuzz: { seconds: 8, coverage: { image: ${hex} } }\n`,
  );
  const run = hilRun(['--rig', rig, '--suite', 'fuzz', '--seed', '1'], join(dir, 'out'));
  const check = run.check('microbit', 'fuzz/console');
  const evidence = check.evidence as {
    cases: number;
    coverage: { blocks: number; reached: number };
    unconfirmed?: unknown;
  };
  t.equal(check.verdict, 'pass', 'no hang, no reboot', { reason: check.reason });
  t.ok(evidence.cases >= 3, `${evidence.cases} cases answered`);
  t.equal(evidence.coverage.blocks, 23265);
  t.ok(evidence.coverage.reached > 0, `${evidence.coverage.reached} blocks reached`);
  t.notOk(evidence.unconfirmed, 'nothing inferred either');
});
