// A relay's answer is waited for as long as what it switches may take: the rig host tells the harness
// how long a QEMU board's power switch may take (QEMU's start deadline and more), so its relay
// waits that long; a rig can give any Tasmota relay its own `timeout`. Tested at the HTTP boundary
// with a relay that answers "Power1 On" late, or never.
import t from 'tap';
import './helpers/children.ts';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Board } from '../harness/board.ts';
import { loadRig } from '../harness/config/load.ts';
import { Rig } from '../harness/power/registry.ts';
import { HilError } from '../harness/util/errors.ts';
import { ptyDevice } from './helpers/pty-device.ts';
import { testRig } from './helpers/virtual-rig.ts';

/** A Tasmota relay that answers everything at once but "Power1 On", which it answers after `onAfterMs`, or never. */
async function relayAnsweringOn(
  t: { teardown(fn: () => unknown): void },
  onAfterMs: number | 'never',
): Promise<string> {
  const server = createServer((req, res) => {
    const command = new URL(req.url ?? '/', 'http://relay').searchParams.get('cmnd') ?? '';
    const on = / On$/i.test(command);
    const reply = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ POWER: on ? 'ON' : 'OFF' }));
    };
    if (!on) reply();
    else if (onAfterMs !== 'never') setTimeout(reply, onAfterMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

t.test("a QEMU board's relay waits for a switch that takes 4 s, as the rig host allows", async (t) => {
  const rig = await testRig('rigs/qemu.yaml');
  t.teardown(() => rig.stop());
  const given = rig.process.endpoints.boards.microbit!;
  t.ok(Number(given.power?.timeout) >= 10_000, 'the rig host gives at least its 10 s start deadline');
  // The rig host's own answer to the switch, made slow: QEMU starting on a loaded machine.
  const url = await relayAnsweringOn(t, 4000);
  const board = await Board.open({
    rig: rig.rig,
    name: 'microbit',
    logDir: t.testdir({}),
    logName: 'console',
    endpoints: { ...given, power: { ...given.power, url } },
  });
  await t.resolves(board.powerOffOn('boot-log: power cycle', 0), 'switched on, once the relay answered');
  await board.close();
});

t.test('a relay that never answers fails the step, naming board, step, expected and seen', async (t) => {
  const dir = t.testdir({});
  const device = await ptyDevice(dir);
  t.teardown(() => device.close());
  const url = await relayAnsweringOn(t, 'never');
  writeFileSync(
    join(dir, 'rig.yaml'),
    [
      'name: silent-relay',
      'boards:',
      '  desk-1:',
      '    profile: virtual',
      `    console: { port: ${device.path} }`,
      `    power: { driver: tasmota, url: "${url}", timeout: 1s }`,
      '',
    ].join('\n'),
  );
  const board = await Board.open({
    rig: loadRig(join(dir, 'rig.yaml'), Rig),
    name: 'desk-1',
    logDir: dir,
    logName: 'console',
  });
  const error = await board
    .powerOffOn('boot-log: power cycle', 0)
    .catch((e: unknown) => e)
    .finally(() => board.close());
  t.ok(error instanceof HilError, 'a step failure');
  t.match((error as HilError).detail, {
    board: 'desk-1',
    step: 'boot-log: power cycle: power on',
    expected: `Tasmota relay ${url} #1 to switch on`,
    seen: /"Power1 On" failed: no answer within 1000 ms/,
  });
});
