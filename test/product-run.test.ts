// The product as `npm start` shows it, on its hardened board alone: every suite, through `hil run`,
// passes (exit 0), the summary is complete, and each suite passed something.
import t from 'tap';
import './helpers/children.ts';
import { hilRun } from './helpers/run.ts';

// Seven suites one after another: longer than tap's default per file on a loaded machine.
t.setTimeout(300_000);

t.test('the hardened board alone passes every suite: exit 0', async (t) => {
  const run = hilRun(['--rig', 'rigs/virtual.yaml', '--board', 'virtual-hardened'], t.testdir({}));
  t.equal(run.status, 0, 'exit 0', { stderr: run.stderr.slice(-2000) });
  t.equal(run.summary.run.complete, true);
  t.ok(run.summary.results.length >= 7, 'every suite ran');
  t.ok(
    run.summary.results.every((r) => r.fail === 0 && r.pass > 0),
    'each passed something and failed nothing',
  );
  t.match(run.stderr, /\d+ passed, 0 failed, \d+ skipped/);
});
