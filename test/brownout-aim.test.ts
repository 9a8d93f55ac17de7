// A cut aimed into an activity (cutDuring): one that lands after the activity was over tested no
// write in progress, and the glitch says so (the trial is then inconclusive unless the board broke);
// one that lands while the activity still waits for its answer is a cut into the write; one meant for
// a write (within) that landed in a later one, as the markers before the next boot's banner show, is
// missed too, however late the harness read them.
import { EventEmitter } from 'node:events';
import t from 'tap';
import type { Board, PowerCut } from '../harness/board.ts';
import { cutDuring } from '../harness/power/glitch.ts';

/** A board as cutDuring sees it: console lines, and a power switch that tells who waits on it. */
function fakeBoard() {
  const console = new EventEmitter();
  const switched = new EventEmitter();
  const board = {
    console,
    profile: { boot: { banner: /^ESP-ROM:/ } },
    powerOffOn: async (): Promise<PowerCut> => {
      switched.emit('off');
      return {
        mark: 0,
        started: Date.now(),
        timing: { requestedOffMs: 50, offAnsweredMs: 1, onAnsweredMs: 1, offBetweenMs: [50, 52] },
      };
    },
  };
  return { board: board as unknown as Board, console, switched };
}

const aim = { marker: /flash: write/, nth: 1, offsetMs: 30 };

t.test('an activity over before the cut: the glitch is missed, with how long before', async (t) => {
  const { board, console } = fakeBoard();
  const activity = async () => {
    console.emit('line', 'nvs: flash: write settings page 1', 1);
    await new Promise((resolve) => setImmediate(resolve)); // its answer, long before the 30 ms
  };
  const glitch = await cutDuring(board, activity, aim, 50, 'aim');
  t.match(glitch?.missed, /^the cut landed after the activity was over \(done \d+ ms before the power went off\)/);
});

t.test('an activity the cut interrupted (its wait ended by the power switch): not missed', async (t) => {
  const { board, console, switched } = fakeBoard();
  const activity = () =>
    new Promise<void>((_resolve, reject) => {
      switched.once('off', () => reject(new Error('interrupted by a reset')));
      console.emit('line', 'nvs: flash: write settings page 1', 1);
    });
  const glitch = await cutDuring(board, activity, aim, 50, 'aim');
  t.ok(glitch, 'the cut was made');
  t.equal(glitch?.missed, undefined);
  t.match(glitch?.timing, { marker: 'nvs: flash: write settings page 1', requestedOffsetMs: 30 });
});

t.test('a cut meant for one write that landed in a later one: missed, with where it landed', async (t) => {
  const { board, console, switched } = fakeBoard();
  const activity = () =>
    new Promise<void>((_resolve, reject) => {
      switched.once('off', () => {
        // Read late: the board had begun its second write before the power went; then its next boot.
        console.emit('line', 'swap: flash: write sector 2/4', 2);
        console.emit('line', 'ESP-ROM:esp32-20220316', 3);
        console.emit('line', 'swap: flash: write sector 1/4', 4);
        reject(new Error('interrupted by a reset'));
      });
      console.emit('line', 'swap: flash: write sector 1/4', 1);
    });
  const glitch = await cutDuring(board, activity, { ...aim, offsetMs: 0, within: true }, 50, 'aim');
  t.match(
    glitch?.missed,
    /^the cut landed in a later write than write 1 \(the last begun: "swap: flash: write sector 2\/4"\)/,
  );
  t.match(
    glitch?.timing,
    { landedIndex: 2, landedIn: 'swap: flash: write sector 2/4' },
    "the next boot's lines do not count",
  );
});

t.test('a cut meant for one write that landed in it: not missed', async (t) => {
  const { board, console, switched } = fakeBoard();
  const activity = () =>
    new Promise<void>((_resolve, reject) => {
      switched.once('off', () => {
        console.emit('line', 'ESP-ROM:esp32-20220316', 2);
        console.emit('line', 'swap: flash: write sector 1/4', 3);
        reject(new Error('interrupted by a reset'));
      });
      console.emit('line', 'swap: flash: write sector 1/4', 1);
    });
  const glitch = await cutDuring(board, activity, { ...aim, offsetMs: 0, within: true }, 50, 'aim');
  t.equal(glitch?.missed, undefined);
  t.match(glitch?.timing, { landedIndex: 1 });
});
