// The fuzz engine, without a board: case N is fixed by (seed, N) on every platform (golden hashes),
// computable without the cases before it; mutations stay in bounds; the grammar comes from help
// text; ddmin shrinks a planted failure to its core, in bytes and in a sequence of cases.
import { createHash } from 'node:crypto';
import t from 'tap';
import { BUILT_IN_TOKENS, type CaseSource, caseBytes } from '../harness/fuzz/cases.ts';
import { generateLine, harvestCommands } from '../harness/fuzz/grammar.ts';
import { ddmin } from '../harness/fuzz/minimize.ts';
import { havoc, MUTATIONS } from '../harness/fuzz/mutators.ts';
import { caseRng, Rng } from '../harness/fuzz/prng.ts';
import { decodePacket, FrameDecoder } from '../harness/wire/smp.ts';

const HELP = [
  'help',
  'version',
  'reboot',
  'echo <words>',
  'cfg get <key>',
  'cfg set <key> <value>',
  'tlsprobe <host> <port>',
  'ota <https url> | ota confirm',
  'Welcome to the shell, type help for help',
];
const commands = harvestCommands(HELP);
const source = (target: CaseSource['target']): CaseSource => ({
  seed: 20261201,
  target,
  commands,
  dictionary: BUILT_IN_TOKENS,
  samples: [Buffer.from('GET / HTTP/1.0\r\n\r\n')],
  maxLength: 240,
});
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);

t.test('the grammar from help: commands and argument shapes, never reboot or ota, no prose', async (t) => {
  t.same(
    commands.map((c) => [c.name, ...c.args].join(' ')),
    ['help', 'version', 'echo <words>', 'cfg get <key>', 'cfg set <key> <value>', 'tlsprobe <host> <port>'],
  );
  t.same(
    harvestCommands(HELP, ['tlsprobe'])
      .map((c) => c.name)
      .includes('tlsprobe'),
    false,
    'the profile excludes more',
  );
  const rng = new Rng(1);
  const lines = Array.from({ length: 200 }, () => generateLine(rng, commands, BUILT_IN_TOKENS));
  t.ok(
    lines.filter((l) => /^(help|version|echo|cfg|tlsprobe)\b/.test(l)).length >= 190,
    'most lines start with a command',
  );
});

t.test('same seed, same bytes: golden hashes, and case N alone', async (t) => {
  const golden = {
    console: [0, 1, 1000, 1_000_000].map((n) => sha(caseBytes(source('console'), n))),
    smp: [0, 1, 1000, 1_000_000].map((n) => sha(caseBytes(source('smp'), n))),
    tcp: [0, 1, 1000, 1_000_000].map((n) => sha(caseBytes(source('tcp'), n))),
  };
  // A change here changes every reproducer ever saved: only on purpose, and said in the commit.
  t.same(golden, {
    console: ['bebb518f77e17149', '5d86e7071775aa42', '8c4653e087aceb17', '59090f1f39b1a479'],
    smp: ['28e1d6ec36aa6930', 'e719feda974eb1b7', '57f727f2596793c1', 'd5d3f1ba44960ce9'],
    tcp: ['4a072e30395e861d', '6ec63b40bcbc26b7', '9c5f40a9a910f320', '6e1ce0a1b8250ae0'],
  });
  t.same(caseBytes(source('console'), 1000), caseBytes(source('console'), 1000), 'deterministic');
  t.notSame(caseBytes(source('console'), 1000), caseBytes({ ...source('console'), seed: 1 }, 1000), 'the seed matters');
  t.same(caseRng(5, 2 ** 40).next(), caseRng(5, 2 ** 40).next(), 'indexes past 2^32 too');
  t.notSame(caseRng(5, 2 ** 32).next(), caseRng(5, 0).next(), 'and they do not wrap');
  t.throws(() => caseRng(1, -1), /whole number/);
});

t.test('mutations stay within the length bound, whatever they are given', async (t) => {
  const rng = new Rng(99);
  const context = { dictionary: BUILT_IN_TOKENS, corpus: [Buffer.alloc(500, 7)], maxLength: 64 };
  for (const [name, mutate] of Object.entries(MUTATIONS)) {
    for (const input of [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(64, 1)]) {
      const out = mutate(input, rng, context);
      t.ok(out.length <= Math.max(64, input.length), `${name} on ${input.length} bytes gave ${out.length}`);
    }
  }
  for (let i = 0; i < 500; i++) t.ok(havoc(Buffer.alloc(60, 2), rng, context).length <= 64);
});

t.test('SMP cases: most decode to a packet once re-framed; the rest break the framing', async (t) => {
  let packets = 0;
  for (let n = 0; n < 200; n++) {
    const bytes = caseBytes(source('smp'), n);
    const lines = bytes.toString('latin1').split('\n').slice(0, -1);
    const decoder = new FrameDecoder();
    try {
      let packet: Buffer | undefined;
      for (const line of lines) packet = decoder.push(line);
      if (packet) {
        decodePacket(packet);
        packets++;
      }
    } catch {
      // a case that breaks the framing or the packet: what the other share is for
    }
  }
  t.ok(packets > 20 && packets < 200, `${packets} of 200 cases reach the SMP code`);
});

t.test('ddmin: a planted crash shrinks to its core, and a two-case sequence to its two cases', async (t) => {
  const planted = Buffer.from('xxxxxxxxxxcfg set -1 yyyyyyyyyyyyyyyyyyy');
  let tests = 0;
  const kept = await ddmin(
    [...planted],
    async (candidate) => {
      tests++;
      return Buffer.from(candidate).includes('-1');
    },
    { tests: 200 },
  );
  t.equal(Buffer.from(kept).toString(), '-1');
  t.ok(tests < 200, `${tests} tests`);
  const cases = [3, 8, 11, 42, 57, 60];
  const sequence = await ddmin(cases, async (c) => c.includes(11) && c.includes(57), { tests: 50 });
  t.same(sequence, [11, 57]);
  const budget = { tests: 3 };
  const cut = await ddmin([...planted], async (c) => Buffer.from(c).includes('-1'), budget);
  t.ok(cut.length < planted.length && budget.tests <= 0, 'a spent budget stops with what it has');
});
