// A command given wrongly says what is wrong in one line on stderr and exits 2: no stack trace, no
// unhandled rejection, no usage text to scroll past, and nothing run.
import t, { type Test } from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Some forty hil processes, one after another: on a loaded machine more than the file default.
t.setTimeout(600_000);

const dir = t.testdir({});
const file = join(dir, 'a-file');
writeFileSync(file, 'not a folder\n');
mkdirSync(join(dir, 'empty'));

function misuse(t: Test, args: string[], message: RegExp): void {
  const result = spawnSync(process.execPath, ['bin/hil.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  t.equal(result.status, 2, `hil ${args.join(' ')}: exit 2`, { stderr: result.stderr });
  t.match(result.stderr, /^hil: [^\n]+\n$/, 'one line', { stderr: result.stderr });
  t.match(result.stderr, message);
  t.equal(result.stdout, '', 'nothing on stdout');
}

t.test('hil doctor with no --rig', async (t) => {
  misuse(t, ['doctor'], /^hil: hil doctor needs --rig FILE$/m);
});

t.test('a seed that is not a whole number from 0 to 2^32-1', async (t) => {
  // --suite nope: should a seed get through, the run stops at once, saying so
  const run = ['run', '--rig', 'rigs/virtual.yaml', '--suite', 'nope'];
  for (const seed of ['', ' ', '1.5', '-1', '4294967296', '0x10'])
    misuse(
      t,
      [...run, `--seed=${seed}`],
      new RegExp(`--seed must be a whole number from 0 to 4294967295, not "${seed}"`),
    );
  // parseArgs's own message for this one has three lines
  misuse(t, [...run, '--seed', '-1'], /^hil: Option '--seed' argument is ambiguous\. .* \(hil run --help\)$/m);
  const last = spawnSync(process.execPath, ['bin/hil.js', ...run, '--seed', '4294967295'], { encoding: 'utf8' });
  t.match(last.stderr, /^cannot run: no suite nope/, '4294967295 is a seed');
});

t.test('a fuzz budget that is not a whole number above 0, within its bound', async (t) => {
  const run = ['run', '--rig', 'rigs/virtual.yaml', '--suite', 'nope'];
  const bounds = { 'fuzz-cases': 1_000_000_000, 'fuzz-seconds': 604_800 };
  for (const [option, max] of Object.entries(bounds)) {
    for (const given of ['', ' ', '0', '1e3', '0x10', '1.5', ' 7', '+5', String(max + 1)])
      misuse(
        t,
        [...run, `--${option}=${given}`],
        new RegExp(
          `^hil: --${option} must be a whole number from 1 to ${max}, not "${given.replace('+', '\\+')}"$`,
          'm',
        ),
      );
    const last = spawnSync(process.execPath, ['bin/hil.js', ...run, `--${option}`, String(max)], { encoding: 'utf8' });
    t.match(last.stderr, /^cannot run: no suite nope/, `--${option} ${max} is a budget`);
  }
  // Shrinking a failure may be turned off: 0 replays keep the reproducer as found.
  for (const given of ['', '-1', '1e3', '1001'])
    misuse(t, [...run, `--fuzz-minimize=${given}`], /must be a whole number from 0 to 1000, not /);
  for (const given of ['0', '1000']) {
    const last = spawnSync(process.execPath, ['bin/hil.js', ...run, '--fuzz-minimize', given], { encoding: 'utf8' });
    t.match(last.stderr, /^cannot run: no suite nope/, `--fuzz-minimize ${given} is a budget`);
  }
});

t.test('hil run --out: a folder under a file, or a file', async (t) => {
  const run = ['run', '--rig', 'rigs/virtual.yaml', '--board', 'virtual-hardened', '--suite', 'boot-log', '--out'];
  misuse(
    t,
    [...run, join(file, 'out')],
    new RegExp(`cannot make the run folder ${join(file, 'out')}: ${file} is a file`),
  );
  misuse(t, [...run, file], new RegExp(`cannot make the run folder ${file}: it is a file`));
  t.same(readdirSync(process.env.HIL_LOCK_DIR!), [], 'no board was locked');
});

t.test('hil schemas --out under a file', async (t) => {
  misuse(
    t,
    ['schemas', '--out', join(file, 'schemas')],
    new RegExp(`cannot make the schemas folder ${join(file, 'schemas')}: ${file} is a file`),
  );
});

t.test('hil report, verify, diff: a file, a missing folder, a folder with no manifest', async (t) => {
  misuse(t, ['report', file], new RegExp(`not a run folder: ${file} is a file`));
  misuse(t, ['diff', file, join(dir, 'empty')], new RegExp(`not a run folder: ${file} is a file`));
  misuse(t, ['verify', join(dir, 'missing')], new RegExp(`no run folder ${join(dir, 'missing')}`));
  misuse(t, ['verify', join(dir, 'empty')], new RegExp(`${join(dir, 'empty')} has no MANIFEST\\.sha256`));
  t.notOk(existsSync(join(dir, 'missing')));
});

t.test('hil rig-host on a rig with no virtual or QEMU board', async (t) => {
  misuse(t, ['rig-host', '--rig', 'rigs/example-desk.yaml'], /rigs\/example-desk\.yaml has no virtual or QEMU boards/);
});

t.test('hil virtual, the old name of hil rig-host, still runs it and says the new name', async (t) => {
  const result = spawnSync(process.execPath, ['bin/hil.js', 'virtual', '--rig', 'rigs/example-desk.yaml'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(result.status, 2);
  t.match(
    result.stderr,
    /^hil: warning: "hil virtual" is now "hil rig-host"\nhil: rigs\/example-desk\.yaml has no virtual/,
  );
});

t.test('hil verify: a manifest with a corrupt line, or one that is a folder, cannot be checked', async (t) => {
  const run = join(dir, 'verified');
  mkdirSync(run);
  writeFileSync(join(run, 'a.txt'), 'a\n');
  const good = `${createHash('sha256').update('a\n').digest('hex')}  a.txt\n`;
  writeFileSync(join(run, 'MANIFEST.sha256'), `${good}\nnot a sha256sum line\n`);
  misuse(
    t,
    ['verify', run],
    new RegExp(
      `^hil: cannot check ${run}: MANIFEST\\.sha256 line 3 is not "<64 hex digits>  <path>": "not a sha256sum line"$`,
      'm',
    ),
  );
  // a hash cut short, with a terminal sequence after it: escaped, still one line
  writeFileSync(join(run, 'MANIFEST.sha256'), `${good.slice(0, 40)}\x1b[2J\u009b31m  a.txt\n`);
  misuse(
    t,
    ['verify', run],
    /MANIFEST\.sha256 line 1 is not "<64 hex digits> {2}<path>": "[0-9a-f]{40}\\u001b\[2J\\u009b31m {2}a\.txt"$/m,
  );
  rmSync(join(run, 'MANIFEST.sha256'));
  mkdirSync(join(run, 'MANIFEST.sha256'));
  misuse(t, ['verify', run], new RegExp(`^hil: cannot check ${run}: MANIFEST\\.sha256 is a directory$`, 'm'));
});

t.test('hil replay: a file that is not a reproducer is named, in one line', async (t) => {
  const empty = join(dir, 'empty.json');
  writeFileSync(empty, '');
  misuse(
    t,
    ['replay', empty],
    new RegExp(`^hil: ${empty} is not a reproducer: it is not JSON \\(Unexpected end of JSON input\\)$`, 'm'),
  );
  const text = join(dir, 'case.txt');
  writeFileSync(text, 'cfg set \x1b[2Jname\n');
  misuse(
    t,
    ['replay', text],
    new RegExp(
      `^hil: ${text} is not a reproducer: it is not JSON \\(Unexpected token 'c', .*\\\\u001b.* is not valid JSON\\)$`,
      'm',
    ),
  );
  const cut = join(dir, 'cut.json');
  writeFileSync(cut, '{"format": "hil-fuzz-reproducer/1", "rig": "rigs/vir');
  misuse(
    t,
    ['replay', cut],
    new RegExp(`^hil: ${cut} is not a reproducer: it is not JSON \\(Unterminated string`, 'm'),
  );
  misuse(t, ['replay', join(dir, 'empty')], new RegExp(`^hil: cannot read ${join(dir, 'empty')}: EISDIR`, 'm'));
});
