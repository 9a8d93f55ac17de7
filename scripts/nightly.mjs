#!/usr/bin/env node
// The nightly run (zx): each rig given runs into reports/nightly/<rig>/<UTC time>/, the last --keep
// runs are kept (default 14), `latest` points at the new one, and `hil diff` compares it with the
// night before: new failures first, then fixed, then still failing. Exit 2 when a rig could not be
// (wholly) tested, else 1 when a rig has a new failure, else 0 (failures that were there already
// are in the report, and news to nobody). With --firmware [BOARD=]FILE, tonight's build is deployed
// first (hil run --firmware): a board that does not then boot it is not tested (exit 2).
//   node scripts/nightly.mjs [--keep N] [--home DIR] [--suite S]... [--firmware [BOARD=]FILE]... rigs/a.yaml ...
import { parseArgs } from 'node:util';
import { $, fs, path } from 'zx';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    keep: { type: 'string', default: '14' },
    home: { type: 'string', default: path.join('reports', 'nightly') },
    suite: { type: 'string', multiple: true, default: [] },
    firmware: { type: 'string', multiple: true, default: [] },
  },
});
const suites = values.suite.flatMap((s) => ['--suite', s]);
const firmware = values.firmware.flatMap((f) => ['--firmware', f]);
const keep = Number(values.keep);
if (positionals.length === 0 || !Number.isInteger(keep) || keep < 2) {
  console.error(
    'usage: node scripts/nightly.mjs [--keep N (>= 2)] [--home DIR] [--suite S]... [--firmware [BOARD=]FILE]... RIG.yaml...',
  );
  process.exit(2);
}
$.verbose = false;
$.nothrow = true;
let worst = 0;
for (const rig of positionals) {
  const name = path.basename(rig).replace(/\.ya?ml$/, '');
  const home = path.join(values.home, name);
  fs.mkdirSync(home, { recursive: true });
  const runs = () =>
    fs
      .readdirSync(home)
      .filter((d) => /^\d{4}-\d\d-\d\dT/.test(d))
      .sort();
  const previous = runs().at(-1);
  const out = path.join(home, new Date().toISOString().replace(/[:.]/g, '-'));
  const run = await $({ stdio: 'inherit' })`node bin/hil.js run --rig ${rig} --out ${out} ${suites} ${firmware}`;
  fs.rmSync(path.join(home, 'latest'), { force: true });
  fs.symlinkSync(path.basename(out), path.join(home, 'latest'));
  for (const old of runs().slice(0, -keep)) fs.rmSync(path.join(home, old), { recursive: true, force: true });
  if (run.exitCode === 2) {
    console.log(`${name}: something could not be tested, or the run could not be done (exit 2)`);
    worst = Math.max(worst, 2);
  }
  if (!fs.existsSync(path.join(out, 'summary.json'))) continue;
  if (!previous) {
    console.log(`${name}: first night, nothing to compare with`);
    continue;
  }
  const diff = await $`node bin/hil.js diff ${path.join(home, previous)} ${out}`;
  console.log(`${name}, compared with ${previous}:\n${diff.stdout}`);
  if (diff.exitCode === 1) worst = Math.max(worst, 1);
}
process.exit(worst);
