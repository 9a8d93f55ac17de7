// The liveness monitor asks again after the console's recovery before it calls a board dead, as the
// hang monitor calls a hang only when the recovery brings no prompt either. On MicroPython for the
// micro:bit under QEMU (Debian's firmware, not ours): the first line of NUL after a boot makes the next
// statement raise KeyboardInterrupt, so the probe's first answer is not 42, yet the board lives; a halted CPU is dead.
import t from 'tap';
import './helpers/children.ts';
import { livenessMonitor } from '../harness/fuzz/monitors.ts';
import { testRig } from './helpers/virtual-rig.ts';

t.setTimeout(120_000);

t.test('a REPL the probe does not get through once lives; a halted one is dead', async (t) => {
  const rig = await testRig('rigs/qemu.yaml');
  t.teardown(() => rig.stop());
  const board = await rig.open('microbit', t.testdir({}));
  t.teardown(() => board.close());
  t.ok((await board.powerCycle('power on')).ready, 'boots to its prompt');

  // The state is real: asked once, the probe gets KeyboardInterrupt, not 42.
  await board.console.write(Buffer.from('\x00\r', 'latin1'));
  t.equal((await board.checkAlive('asked once after a NUL line')).alive, false, 'one question does not get through');

  // Only the first NUL line after a boot does it: a fresh boot for the monitor.
  t.ok((await board.reset('reset')).ready, 'boots again');
  const monitor = livenessMonitor(board, 2000, 'liveness probe', () => undefined);
  await board.console.write(Buffer.from('\x00\r', 'latin1'));
  t.equal(await monitor.alive!(), undefined, 'asked again after Ctrl-C, it answers: not dead');

  await board.qemu!.halt();
  t.match(await monitor.alive!(), { kind: 'dead', signature: 'dead: no answer to "print(6*7)"' }, 'halted: dead');
  await board.qemu!.resume();
  t.match(monitor.synopsis(), /asked 2 times, 1 dead/);
});
