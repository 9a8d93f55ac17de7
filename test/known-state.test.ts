// Board.ensure() on the virtual rig's hardened board: from off it restarts the board and follows the
// boot; known ready and undisturbed, it is reused once its prompt answers; switched off, it is off;
// a power cut, or a board said to be ready that does not answer, is restarted; told nothing, it
// assumes nothing.
import t from 'tap';
import './helpers/children.ts';
import { testRig } from './helpers/virtual-rig.ts';

t.setTimeout(120_000);

t.test('ensure: restarted, reused, off, and restarted after anything that may have disturbed it', async (t) => {
  const rig = await testRig('rigs/virtual.yaml');
  t.teardown(() => rig.stop());
  const board = await rig.open('virtual-hardened', t.testdir({}));
  t.teardown(() => board.close());
  t.equal(board.knownState, 'unknown', 'a board just opened is not assumed to be anywhere');

  const first = await board.ensure('ready');
  t.equal(first.how, 'restarted', 'from whatever it was: restarted');
  t.ok(first.boot?.ready, 'its boot reached the ready line');
  t.equal(board.knownState, 'ready');

  const again = await board.ensure('ready');
  t.equal(again.how, 'reused', 'known ready and undisturbed: reused');
  t.match(again.evidence, { sent: 'Enter', prompt: /esp32>/ }, 'after its prompt answered');

  const off = await board.ensure('off');
  t.equal(off.how, 'off');
  t.equal(board.knownState, 'off');
  t.equal((await board.ensure('ready')).how, 'restarted', 'from off: restarted');

  await board.powerOffOn('a cut a suite made');
  t.equal(board.knownState, 'unknown', 'power cycled and not followed to ready: unknown');
  t.equal((await board.ensure('ready')).how, 'restarted');

  // Told it is ready when it is not (off behind its back, as a hung firmware would be): the prompt
  // check gets no answer, so it is restarted rather than trusted.
  await board.ensure('off');
  board.learn('ready');
  const told = await board.ensure('ready');
  t.equal(told.how, 'restarted', 'a board that does not answer is restarted, whatever it was said to be');
  t.ok(told.boot?.ready);
});
