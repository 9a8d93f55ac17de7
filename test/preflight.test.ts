// In process, against the rig host (a separate process): the pre-flight finds every wire of a ready
// rig live and names a dead one; the probes judge a live path and a disconnected one from the board's
// connections, with the same four outcomes the suites report.
import t from 'tap';
import './helpers/children.ts';
import { probeRomLoader } from '../harness/probes/rom-loader.ts';
import { probeDebugPort } from '../harness/probes/swd-jtag.ts';
import { preflight } from '../harness/runner/preflight.ts';
import { testRig } from './helpers/virtual-rig.ts';

const rig = await testRig('test/fixtures/rigs/debug-flaws.yaml');
t.teardown(() => rig.stop());
const ALL = new Set(['console', 'power', 'debug-port', 'boot-strap', 'boot-uart', 'trust'] as const);

t.test('a ready rig: every console, supply, relay, gdbserver and boot UART answers', async (t) => {
  const boards = Object.keys(rig.rig.config.boards);
  t.same(await preflight(rig.rig, boards, ALL, rig.process.endpoints), []);
});

t.test('a dead gdbserver and a boot UART that is gone are named, board by board', async (t) => {
  const endpoints = structuredClone(rig.process.endpoints);
  endpoints.boards.hardened!.gdb = 1; // nothing listens on port 1
  endpoints.boards['stm32-rdp1']!.bootUart = '/nonexistent/ttyUSB7';
  const problems = await preflight(rig.rig, ['hardened', 'stm32-rdp1', 'jtag-open'], ALL, endpoints);
  t.match(problems, [
    { board: 'hardened', need: 'debug-port', expected: 'a gdbserver listening at 127.0.0.1:1', seen: /ECONNREFUSED/ },
    { board: 'stm32-rdp1', need: 'boot-uart', seen: /cannot open \/nonexistent\/ttyUSB7/ },
  ]);
  t.equal(problems.length, 2, 'the board that is ready has no problem');
  t.same(
    await preflight(rig.rig, ['hardened'], new Set(['console'] as const), endpoints),
    [],
    'only what is needed is pinged',
  );
});

t.test('probes from the connections: a live path passes, a disconnected one is inconclusive', async (t) => {
  const open = async (name: string) => {
    const board = await rig.open(name, t.testdir({}));
    t.teardown(() => board.close());
    await board.powerCycle();
    return board;
  };
  const hardened = await open('hardened');
  t.match(await probeRomLoader(hardened), { verdict: 'pass', evidence: { verdict: 'secure' } });
  t.match(await probeDebugPort(hardened), { verdict: 'pass', evidence: { haltReason: 'S05' } });
  const disconnected = await open('strap-disconnected');
  t.match(await probeRomLoader(disconnected), { verdict: 'inconclusive', reason: /strap did not reach GPIO0/ });
  t.match(await probeDebugPort(disconnected), { verdict: 'inconclusive', reason: /no halted target/ });
  const disabled = await open('rom-disabled');
  t.match(await probeRomLoader(disabled), {
    verdict: 'pass',
    evidence: { verdict: 'disabled', positiveControl: /DOWNLOAD_BOOT/ },
  });
  const unwired = await open('unwired');
  t.match(await probeRomLoader(unwired), { verdict: 'skip', reason: /no boot strap/ });
});
