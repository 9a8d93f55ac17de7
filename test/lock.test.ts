// Board locks: of many processes that race for one board at once, exactly one gets it, whether the
// board was free or its lock was stale; a lock whose holder is gone is taken over, one whose pid was
// reused by a later process is too.
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const RACER = `
import { lockBoard } from './harness/runner/lock.ts';
try {
  lockBoard('rig', 'board', { dir: process.argv[1] });
  process.stdout.write('got it');
  setInterval(() => {}, 60_000); // holds it until the test ends it, however long the others take to start
} catch (error) {
  process.stdout.write('refused: ' + error.message);
}
`;

t.test('eight processes race for one board: exactly one holds it', async (t) => {
  const dir = t.testdir({});
  const racers = Array.from({ length: 8 }, () =>
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', RACER, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  t.teardown(() => {
    for (const child of racers) child.kill();
  });
  const said = await Promise.all(
    racers.map(async (child) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      while (!out) await new Promise((resolve) => setTimeout(resolve, 20));
      return out;
    }),
  );
  for (const child of racers) child.kill();
  await Promise.all(racers.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
  t.equal(said.filter((s) => s === 'got it').length, 1, 'one winner');
  t.equal(said.filter((s) => s.startsWith('refused: board board of rig rig is in use by process')).length, 7);
});

// A racer that stays alive, so every lock it won stays held. Each round is a board of its own (a
// folder, named on stdin); the racers are let go together when the folder's "go" file appears.
const ROUNDS_RACER = `
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { lockBoard } from './harness/runner/lock.ts';
const held = [];
process.stdout.write('ready\\n');
for await (const dir of createInterface({ input: process.stdin })) {
  process.stdout.write('set\\n');
  while (!existsSync(dir + '/go'));
  try {
    held.push(lockBoard('rig', 'board', { dir }));
    process.stdout.write('got ' + process.pid + '\\n');
  } catch (error) {
    process.stdout.write('refused: ' + error.message.replaceAll('\\n', ' ') + '\\n');
  }
}
`;

// Racing for a stale lock, two or more racers each held the board in about one round in twenty.
const RACERS = 3;
const ROUNDS = 300;

t.test('three processes take over a stale lock at once, 300 times: one holds the board each time', async (t) => {
  const dir = t.testdir({});
  const racers = Array.from({ length: RACERS }, () =>
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ROUNDS_RACER], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  t.teardown(() => {
    for (const child of racers) child.kill();
  });
  const lines = racers.map((child) => createInterface({ input: child.stdout! })[Symbol.asyncIterator]());
  const next = async (i: number) => String((await lines[i]!.next()).value);
  const all = () => Promise.all(racers.map((_, i) => next(i)));
  t.same(await all(), Array(RACERS).fill('ready'));
  const wrong: { round: number; said: string[]; file: string; left: string[] }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const board = join(dir, String(round));
    mkdirSync(board);
    // Its holder is gone: no process has a pid above the kernel's limit (2^22).
    const stale = { pid: 2 ** 22 + 12345, start: '1', since: 'long ago' };
    writeFileSync(join(board, 'rig--board.lock'), JSON.stringify(stale));
    for (const child of racers) child.stdin!.write(`${board}\n`);
    await all();
    writeFileSync(join(board, 'go'), '');
    const said = await all();
    const lock = join(board, 'rig--board.lock');
    const file = existsSync(lock) ? readFileSync(lock, 'utf8') : '(none)';
    const winners = said.filter((s) => s.startsWith('got '));
    const refused = said.filter((s) =>
      /^refused: board board of rig rig is (in use|being taken over) by process/.test(s),
    );
    const left = readdirSync(board).sort();
    if (
      winners.length !== 1 ||
      refused.length !== RACERS - 1 ||
      !file.startsWith(`{"pid":${winners[0]!.slice(4)},`) ||
      left.join() !== 'go,rig--board.lock'
    )
      wrong.push({ round, said, file, left });
  }
  t.same(wrong, [], 'each round: one winner, whose lock is the file; the others refused; no claim left behind');
});

t.test('a lock whose pid now belongs to a later process is stale', async (t) => {
  const dir = t.testdir({});
  const { lockBoard } = await import('../harness/runner/lock.ts');
  // This very process, but "started" at another time: the pid was reused.
  writeFileSync(join(dir, 'rig--board.lock'), JSON.stringify({ pid: process.pid, start: '1', since: 'long ago' }));
  const lock = lockBoard('rig', 'board', { dir });
  t.match(JSON.parse(readFileSync(join(dir, 'rig--board.lock'), 'utf8')), { pid: process.pid, since: /^\d{4}-/ });
  lock.release();
});

t.test('a takeover whose taker died is stale too; one whose taker runs refuses', async (t) => {
  const dir = t.testdir({});
  const { BoardLockedError, claimFile, lockBoard } = await import('../harness/runner/lock.ts');
  const file = join(dir, 'rig--board.lock');
  const stale = JSON.stringify({ pid: 2 ** 22 + 12345, start: '1', since: 'long ago' });
  writeFileSync(file, stale);
  // This process is taking it over: others wait for it.
  writeFileSync(claimFile(file, file, stale), JSON.stringify({ pid: process.pid, since: 'now' }));
  const refused = (() => {
    try {
      lockBoard('rig', 'board', { dir });
    } catch (error) {
      return error;
    }
  })();
  t.ok(refused instanceof BoardLockedError, 'refused as a board in use (hil run --wait waits for it)');
  t.match(refused, { message: new RegExp(`^board board of rig rig is being taken over by process ${process.pid} `) });
  t.equal(readFileSync(file, 'utf8'), stale, 'the stale lock is left to its taker');
  // Its taker died before it was done: the claim is removed, and the lock taken over.
  writeFileSync(claimFile(file, file, stale), JSON.stringify({ pid: 2 ** 22 + 54321, since: 'long ago' }));
  const lock = lockBoard('rig', 'board', { dir });
  t.match(JSON.parse(readFileSync(file, 'utf8')), { pid: process.pid, since: /^\d{4}-/ });
  t.same(readdirSync(dir), ['rig--board.lock'], 'no claim left behind');
  lock.release();
});
