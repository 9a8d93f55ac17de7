// The known state includes the update slots. An earlier run that stopped between an upload and its
// reset leaves an image in the secondary slot, marked for a test boot; the board's next power-on swaps
// it in. The rollback suite, run alone against the same rig host, finishes that test boot (the image
// nobody confirmed reverts), erases the slot, says so in every verdict's evidence, and judges as usual.
// Without it (the parent), every check could not be tested: the board ran the newer image, on trial.
import { spawnSync } from 'node:child_process';
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
