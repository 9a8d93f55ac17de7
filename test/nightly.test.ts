// Rig operations: `hil diff` on two fixed run folders, the nightly script over two nights (the
// second with a new flaw: exit 1, the new failure named first, the runs kept and `latest` moved),
// and the GitHub workflows parse as YAML and run the README's commands.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

t.setTimeout(300_000);
const node = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 200_000 });

t.test('hil diff: new failures first, then fixed, then still failing; exit 1 on a new failure', async (t) => {
  const diff = node(['bin/hil.js', 'diff', 'test/fixtures/runs/night-1', 'test/fixtures/runs/night-2']);
  t.equal(diff.status, 1);
  t.equal(
    diff.stdout,
    'new failures (1):\n  esp boot-log/version-reported\nfixed (1):\n  esp boot-log/no-crash\n' +
      'still failing (1):\n  esp boot-log/no-red-flag\ncould not be tested: none\n',
  );
  t.equal(node(['bin/hil.js', 'diff', 'test/fixtures/runs/night-2', 'test/fixtures/runs/night-2']).status, 0);
});

t.test('nightly: two nights, the second with a new failure', async (t) => {
  const dir = t.testdir({});
  const rig = join(dir, 'desk.yaml');
  const write = (flaws: string) =>
    writeFileSync(
      rig,
      `name: desk\nvirtual: true\nboards:\n  b:\n    profile: virtual\n    console: { port: auto }\n    power: { driver: tasmota, url: auto, off-time: 100ms }\n    flaws: [${flaws}]\n`,
    );
  const home = join(dir, 'nightly');
  const night = () => node(['scripts/nightly.mjs', '--keep', '2', '--home', home, '--suite', 'boot-log', rig]);
  write('');
  const first = night();
  t.equal(first.status, 0, 'first night', { stderr: first.stderr.slice(-1000) });
  t.match(first.stdout, /first night, nothing to compare with/);
  write('no-version');
  const second = night();
  t.equal(second.status, 1, 'a new failure', { stderr: second.stderr.slice(-1000) });
  t.match(second.stdout, /new failures \(1\):\n {2}b boot-log\/version-reported\n/);
  write('no-version');
  t.equal(night().status, 0, 'a third night: still failing is not news');
  const runs = readdirSync(join(home, 'desk')).filter((d) => d !== 'latest');
  t.equal(runs.length, 2, '--keep 2');
  // Tonight's build reaches hil run: one that is not there is a night that could not be tested.
  const missing = node(['scripts/nightly.mjs', '--home', join(dir, 'other'), '--firmware', '/nonexistent.bin', rig]);
  t.equal(missing.status, 2);
  t.match(missing.stderr + missing.stdout, /cannot read the build \/nonexistent\.bin: ENOENT/);
  t.equal(readlinkSync(join(home, 'desk', 'latest')), runs.sort().at(-1));
});

t.test('the workflows parse and run the README commands; nightly runs per rig on self-hosted runners', async (t) => {
  const readme = readFileSync('README.md', 'utf8');
  const ci = parse(readFileSync('.github/workflows/ci.yml', 'utf8'));
  const steps = ci.jobs.test.steps.map((s: { run?: string }) => s.run).filter(Boolean);
  t.same(steps, ['npm run setup', 'npm test']);
  for (const command of steps) t.ok(readme.includes(command), `the README says ${command}`);
  t.ok('push' in ci.on && 'pull_request' in ci.on);
  const nightly = parse(readFileSync('.github/workflows/nightly.yml', 'utf8'));
  const job = nightly.jobs.rig;
  t.ok(nightly.on.schedule?.length, 'scheduled');
  t.ok('firmware' in nightly.on.workflow_dispatch.inputs, 'a build can be given by hand');
  t.same(nightly.on.workflow_run.workflows, ['build'], "and is taken from the build workflow's artifact");
  const runStep = job.steps.find((s: { run?: string }) => s.run?.includes('nightly.mjs'));
  t.match(runStep.run, /--firmware "\$FIRMWARE"/, 'passed from the environment, never as shell text');
  t.notMatch(runStep.run, /inputs\./);
  t.same(job['runs-on'], ['self-hosted', 'hil', '${{ matrix.rig }}']);
  t.equal(job.concurrency.group, 'hil-rig-${{ matrix.rig }}', 'one run per rig at a time');
  for (const rig of job.strategy.matrix.rig)
    t.ok(readdirSync('rigs').includes(`${rig}.yaml`), `rigs/${rig}.yaml exists`);
  const uses = job.steps.map((s: { uses?: string }) => s.uses ?? '');
  t.ok(
    uses.some((u: string) => u.startsWith('actions/upload-artifact')),
    'the run folder is an artifact',
  );
  t.ok(
    uses.some((u: string) => u.includes('junit')),
    'JUnit is published',
  );
});
