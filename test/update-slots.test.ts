// The known state includes the update slots. An earlier run that stopped between an upload and its
// reset leaves an image in the secondary slot, marked for a test boot; the board's next power-on swaps
// it in. The rollback suite, run alone against the same rig host, finishes that test boot (the image
// nobody confirmed reverts), erases the slot, says so in every verdict's evidence, and judges as usual.
// Without it (the parent), every check could not be tested: the board ran the newer image, on trial.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import './helpers/children.ts';
import { tapResults } from '../harness/runner/tap-results.ts';
import { readTeamImages } from '../harness/update/variants.ts';
import { testRig } from './helpers/virtual-rig.ts';

t.setTimeout(240_000);

t.test('an image left marked for a test boot is finished and cleared before rollback judges', async (t) => {
  const rig = await testRig('rigs/virtual.yaml');
  t.teardown(() => rig.stop());
  const dir = t.testdir({});
  const board = await rig.open('virtual-hardened', dir);
  const team = readTeamImages(board.rollback!);
  const newer = team.newer!;
  try {
    await board.ensure('ready');
    // What a run killed after its upload and state write, before its reset, leaves behind.
    await board.smp.upload(newer.bytes, { chunk: 256, step: 'earlier run: upload' });
    await board.smp.setState(newer.info.hash!, false, 'earlier run: mark for test boot');
  } finally {
    await board.close();
  }

  const suite = spawnSync(process.execPath, ['--import', 'tsx', 'suites/rollback.ts'], {
    encoding: 'utf8',
    timeout: 180_000,
    env: {
      ...process.env,
      HIL_RIG: 'rigs/virtual.yaml',
      HIL_BOARD: 'virtual-hardened',
      HIL_ENDPOINTS: rig.process.endpointsFile,
      HIL_RUN_DIR: dir,
    },
  });
  const { parser, done } = tapResults();
  parser.end(suite.stdout);
  const { checks } = await done;
  t.same(
    checks.map((c) => [c.id, c.verdict]),
    checks.map((c) => [c.id, 'pass']),
    'every rollback check passes',
    { stderr: suite.stderr.slice(-1500) },
  );
  t.equal(checks.length, 8);
  for (const check of checks)
    t.match(
      check.evidence.slotsAtStart,
      {
        // The power-on that brought the board up swapped the marked image in, on trial.
        running: { version: newer.info.version, confirmed: false },
        secondarySlot: { slot: 1 },
        resets: [`${team.current.info.version} runs (confirmed)`],
        cleared: 'SMP image erase',
      },
      `${check.id}: its evidence says what was in the slot and what was done`,
    );
});

// mcumgr as Zephyr's behaves, straight through the client: a 256-byte receive buffer, a first chunk
// answered only once a 384 KiB slot is erased (over 6 s here), log lines printed inside reply frames,
// the image list's own version format and its lookup by hash from slot 0.
t.test("an upload to Zephyr's mcumgr: sized to its buffer, waiting out the erase, through its log lines", async (t) => {
  const dir = t.testdir({});
  writeFileSync(
    join(dir, 'rig.yaml'),
    [
      'name: zephyr-mcumgr',
      'virtual: true',
      'boards:',
      '  zephyr:',
      '    profile: virtual',
      '    console: { port: auto }',
      '    version: 1.4.2+3',
      '    mcumgr: zephyr',
      '    rollback: { path: smp, current: auto, newer: auto, slot-size: 0x60000 }',
      '',
    ].join('\n'),
  );
  const rig = await testRig(join(dir, 'rig.yaml'));
  t.teardown(() => rig.stop());
  const board = await rig.open('zephyr', dir);
  t.teardown(() => board.close());
  const team = readTeamImages(board.rollback!);
  await board.ensure('ready');

  t.same(await board.smp.mcumgrParams(), { bufSize: 256, bufCount: 4 }, 'os_mgmt MCUmgr parameters');
  const echoes = [];
  for (let i = 0; i < 10; i++) echoes.push(await board.smp.echo(`ping ${i}`));
  t.same(
    echoes,
    [...Array(10).keys()].map((i) => `ping ${i}`),
    'no request lost to a log line inside its reply',
  );

  const firstChunk: number[] = [];
  const started = Date.now();
  await board.smp.upload(team.newer!.bytes, {
    chunk: 256,
    slotBytes: board.rollback!.slotSize!,
    onProgress: (sent) => firstChunk.push(sent, Date.now() - started),
  });
  t.ok(firstChunk[1]! > 5000, `the first chunk waited out the erase (${firstChunk[1]} ms), not a fixed 5 s`);
  t.ok(firstChunk[0]! < 256, `and carried what fits a 256-byte buffer (${firstChunk[0]} bytes)`);

  const slots = await board.smp.imageState();
  t.match(slots, [
    { slot: 0, version: '1.4.2.3', active: true, confirmed: true },
    { slot: 1, version: '1.5.0', pending: false },
  ]);
  t.equal(slots[1]!.hash?.length, 64, 'a SHA-512 image, named by its 64-byte hash');
  t.same(slots[1]!.hash, team.newer!.info.hash);
  const denied = await board.smp.setState(team.current.info.hash!, false).catch((error: unknown) => error);
  t.match(denied, { errorName: 'IMAGE_SETTING_TEST_TO_ACTIVE_DENIED' }, 'a test of the running image, by its hash');
  const marked = await board.smp.setState(team.newer!.info.hash!, false);
  t.match(marked[1], { slot: 1, pending: true }, 'found by its hash in slot 1 and marked for a test boot');

  const log = readFileSync(join(dir, 'console.log'), 'utf8');
  t.match(log, /<inf> app: heartbeat/, 'the log lines did come inside frames');
  t.match(log, /again \(1 of 2\)/);
});
