// Board locks: of many processes that race for one board at once, exactly one gets it; a lock whose
// holder is gone is taken over, one whose pid was reused by a later process is too.
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RACER = `
import { lockBoard } from './harness/runner/lock.ts';
try {
  lockBoard('rig', 'board', { dir: process.argv[1] });
  process.stdout.write('got it');
  setTimeout(() => {}, 3000);
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

t.test('a lock whose pid now belongs to a later process is stale', async (t) => {
  const dir = t.testdir({});
  const { lockBoard } = await import('../harness/runner/lock.ts');
  // This very process, but "started" at another time: the pid was reused.
  writeFileSync(join(dir, 'rig--board.lock'), JSON.stringify({ pid: process.pid, start: '1', since: 'long ago' }));
  const lock = lockBoard('rig', 'board', { dir });
  t.match(JSON.parse(readFileSync(join(dir, 'rig--board.lock'), 'utf8')), { pid: process.pid, since: /^\d{4}-/ });
  lock.release();
});
