// The device under test per board, as the report heads it: the builds its suites saw boot (a build
// that changed part way through shows both, with who saw each), the suites that saw no boot of their
// own, and the build --firmware put there.
import t from 'tap';
import { describeDevice, devicesUnderTest } from '../harness/report/devices.ts';
import type { RunFolder } from '../harness/report/run-folder.ts';
import type { SuiteResult } from '../harness/runner/summary.ts';

const result = (board: string, suite: string, firmware?: SuiteResult['firmware']): SuiteResult => ({
  board,
  suite,
  tap: `${board}/${suite}.tap`,
  console: `${board}/${suite}.log`,
  pass: 1,
  fail: 0,
  skip: 0,
  inconclusive: 0,
  ...(firmware ? { firmware } : {}),
  checks: [],
});
const v120 = { version: '1.2.0', buildId: '752f51807324979d' };
const v130 = { version: '1.3.0', buildId: 'a1b2c3d4e5f60718' };
const folder: RunFolder = {
  dir: '/run',
  summary: {
    run: {
      id: 'r',
      rig: 'bench',
      seed: 1,
      started: '',
      complete: true,
      builds: {
        legacy: { file: 'app.bin', sha256: 'ab'.repeat(32), path: 'smp', verifiedBy: 'imageList', booted: '1.2.0' },
      },
    },
    results: [],
  },
  results: [
    result('legacy', 'boot-log', v120),
    result('legacy', 'debug-interfaces'),
    result('legacy', 'rollback', v120),
    result('legacy', 'tls-pinning', v130),
    result('quiet', 'boot-log'),
  ],
  refused: [],
};

t.test('per board: the builds seen and by whom, the suites that saw none, the build deployed', async (t) => {
  const [legacy, quiet] = devicesUnderTest(folder);
  t.same(legacy!.builds, [
    { firmware: v120, suites: ['boot-log', 'rollback'] },
    { firmware: v130, suites: ['tls-pinning'] },
  ]);
  t.same(legacy!.notSeen, ['debug-interfaces']);
  t.same(describeDevice(legacy!), [
    'firmware: version 1.2.0, build 752f51807324979d (seen by boot-log, rollback)',
    'firmware: version 1.3.0, build a1b2c3d4e5f60718 (seen by tls-pinning)',
    'the build changed during the run',
    'not seen by debug-interfaces (each took over the board already up)',
    `deployed: app.bin (SHA-256 ${'ab'.repeat(32)}) by smp, verified by imageList; booted version 1.2.0`,
  ]);
  t.same(describeDevice(quiet!), ['firmware: not seen (no suite booted the board to its ready line)']);
});
