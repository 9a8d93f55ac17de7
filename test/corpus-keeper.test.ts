// The corpus of a coverage-guided campaign, grown on hil-target under QEMU (its gdbstub the debug
// port, its monitor's system_reset the restart): a probe sees blocks reached before without counting
// them as coverage; an entry is trimmed to the shortest line that still reaches its new blocks
// (`key HicP` to `key Hi`, `key xyz` to `key `); an entry found in a state an earlier case set
// (`dump 3` once `key HiL!` unlocked the board) gets that case as its context, and one that needs
// nothing gets none.
import t from 'tap';
import './helpers/children.ts';
import { elfBasicBlocks } from '../harness/fuzz/basic-blocks.ts';
import { BreakpointCoverage } from '../harness/fuzz/breakpoint-coverage.ts';
import type { CaseSource } from '../harness/fuzz/cases.ts';
import { CorpusKeeper } from '../harness/fuzz/corpus-keeper.ts';
import { GdbRemote } from '../harness/probes/gdb-remote.ts';
import { bootTarget, ELF, lineAnswered } from './helpers/hil-target.ts';

t.setTimeout(120_000);

t.test('a probe sees blocks reached before, and is not coverage', async (t) => {
  const { blocks } = await elfBasicBlocks(ELF);
  const target = await bootTarget(t);
  // Four hardware breakpoints: the probe's two make room among them.
  const coverage = await BreakpointCoverage.attach(() => GdbRemote.connect('127.0.0.1', target.gdb), blocks, {
    limit: 4,
  });
  t.teardown(() => coverage.stop());
  const at = (where: string) => blocks.find((b) => b.where === where)!.address;
  // key+0x8: the first byte passed; key+0x16: the second.
  const [h, i] = [at('key+0x8'), at('key+0x16')];
  const before = coverage.reachedCount;
  const first = await coverage.probe([h, i], () => lineAnswered(target, 'key Hx'));
  t.same([...first.hit], [h], 'key Hx passes the first byte only');
  const second = await coverage.probe([h, i], () => lineAnswered(target, 'key Hi'));
  t.same([...second.hit].sort(), [h, i].sort(), 'key Hi passes both');
  t.equal(coverage.reachedCount, before, 'a probe reaches nothing for the coverage');
  t.notOk(
    coverage.takeNew().some((hit) => hit.address === h || hit.address === i),
    'nor gives the campaign new blocks',
  );
  t.match(target.said(), /wrong key/);
});

t.test('entries trimmed, and given the context they need', async (t) => {
  const { blocks } = await elfBasicBlocks(ELF);
  const target = await bootTarget(t);
  const coverage = await BreakpointCoverage.attach(() => GdbRemote.connect('127.0.0.1', target.gdb), blocks);
  t.teardown(() => coverage.stop());
  await lineAnswered(target, 'status');
  coverage.takeNew(); // the boot's blocks and status's: no entry's
  const lines = ['key HicP', 'key HiL!', 'dump 3', 'echo', 'key xyz'];
  const source = { corpus: [] } as unknown as CaseSource; // the keeper reads only the corpus of a source
  let restarts = 0;
  const keeper = new CorpusKeeper(coverage, source, {
    send: async (sent) => {
      for (const line of sent) await lineAnswered(target, line.toString('latin1'));
      return undefined;
    },
    restart: async () => {
      restarts++;
      await target.reset();
    },
    line: (index) => Buffer.from(lines[index]!, 'latin1'),
  });
  for (const [index, line] of lines.entries()) {
    coverage.markCase(index);
    await lineAnswered(target, line);
    // An hour into the campaign: the share of time finding contexts may take is not what this tests.
    await keeper.learn(index, { context: [], bytes: Buffer.from(line, 'latin1') }, 3600);
  }
  const entries = source.corpus!.map((e) => ({ at: e.addedAt, line: e.bytes.toString('latin1'), context: e.context }));
  t.same(
    entries.filter((e) => e.at < 4),
    [
      { at: 0, line: 'key Hi', context: [] },
      { at: 1, line: 'key HiL!', context: [] },
      { at: 2, line: 'dump 3', context: [1] },
      { at: 3, line: 'echo', context: [] },
    ],
    'key HicP trimmed to key Hi; dump 3 needs the unlock before it',
  );
  t.ok(restarts >= 3, `each entry found after other cases was tried from a fresh start (${restarts} restarts)`);
  t.match(target.said(), /dumped 3/, 'the board was left unlocked, as the cases after dump 3 found it');
  t.ok(coverage.reachedCount > 0);
});
