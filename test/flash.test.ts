// hil flash on the virtual rig, through a rig host that outlives each command (HIL_ENDPOINTS), as a
// bench does: the legacy board takes a build through its own update path (mcumgr SMP, confirmed)
// and, asked, through its open ROM loader (verified by the ROM's own MD5), and what it runs then
// changes; a build it already runs is not sent again; the hardened board's ROM loader, in Secure
// Download Mode, is no way to it, said so, exit 2, the boot strap and supply left at rest. Each run
// after a flash names the build its boot reported (version, build id, MAC) in summary.json, the JUnit
// properties and the report, and `hil diff` says when two runs tested different builds.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseImage } from '../harness/wire/mcuboot-image.ts';
import { hilRun } from './helpers/run.ts';
import { isSupply } from '../harness/power/driver.ts';
import { type TestRig, testRig } from './helpers/virtual-rig.ts';

const rig = await testRig('rigs/virtual.yaml');
t.teardown(() => rig.stop());
const update = (board: string) => rig.process.endpoints.boards[board]!.update!;

function flash(board: string, file: string, ...options: string[]) {
  return flashOn(rig, 'rigs/virtual.yaml', board, file, ...options);
}
function flashOn(host: TestRig, rigFile: string, board: string, file: string, ...options: string[]) {
  const run = spawnSync(
    process.execPath,
    ['bin/hil.js', 'flash', '--rig', rigFile, '--board', board, ...options, file],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, HIL_ENDPOINTS: host.process.endpointsFile } },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** The first 16 hex digits of an MCUboot image's hash TLV: what the board's `ELF file SHA256:` line prints. */
const buildId = (file: string) => parseImage(readFileSync(file)).hash!.toString('hex').slice(0, 16);
const runs = t.testdir({});
/** boot-log on the legacy board through the same rig host: what its boot says it runs. */
const bootLog = (out: string) =>
  hilRun(['--rig', 'rigs/virtual.yaml', '--board', 'virtual-legacy', '--suite', 'boot-log'], join(runs, out), {
    HIL_ENDPOINTS: rig.process.endpointsFile,
    HIL_NO_PDF: '1',
  });

t.test('legacy: the update path first, confirmed; the same build again is not sent', async (t) => {
  const newer = update('virtual-legacy').newer!;
  const first = flash('virtual-legacy', newer);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stderr, /offer version 1\.3\.0 .* for a test boot/);
  t.match(first.stdout, new RegExp(`sha256 ${sha256(newer)}, \\d+ bytes\\) by smp; verified: imageList after a reset`));
  const again = flash('virtual-legacy', newer);
  t.equal(again.status, 0, again.stderr);
  t.match(again.stdout, /by already-running/);
  const run = bootLog('after-smp');
  t.same(run.result('virtual-legacy', 'boot-log').firmware, {
    version: '1.3.0',
    buildId: buildId(newer),
    identity: '24:0a:c4:27:88:e8',
  });
  const junit = readFileSync(join(runs, 'after-smp', 'junit.xml'), 'utf8');
  t.match(junit, `<property name="firmware.buildId" value="${buildId(newer)}"/>`);
  t.match(
    readFileSync(join(runs, 'after-smp', 'report.html'), 'utf8'),
    `firmware: version 1.3.0, build ${buildId(newer)}`,
  );
});

t.test('legacy: through its open ROM loader, verified by MD5, and the board then runs what was written', async (t) => {
  const current = update('virtual-legacy').current!;
  const md5 = createHash('md5').update(readFileSync(current)).digest('hex');
  const rom = flash('virtual-legacy', current, '--path', 'esp-rom');
  t.equal(rom.status, 0, rom.stderr);
  t.match(rom.stderr, /erase \d+ bytes at 0x10000/);
  t.match(rom.stdout, new RegExp(`by esp-rom; verified: the ROM's SPI_FLASH_MD5 over the region: ${md5}`));
  const run = bootLog('after-rom');
  t.match(run.result('virtual-legacy', 'boot-log').firmware, { version: '1.2.0', buildId: buildId(current) });
  const diff = spawnSync(process.execPath, ['bin/hil.js', 'diff', join(runs, 'after-smp'), join(runs, 'after-rom')], {
    encoding: 'utf8',
  });
  t.match(
    diff.stdout,
    `virtual-legacy tested different builds: version 1.3.0, build ${buildId(update('virtual-legacy').newer!)}`,
  );
  // 1.3.0 ran before; the ROM wrote 1.2.0 over the application partition: 1.3.0 is offered again.
  const back = flash('virtual-legacy', update('virtual-legacy').newer!);
  t.equal(back.status, 0, back.stderr);
  t.match(back.stderr, /offer version 1\.3\.0/);
});

t.test('hardened: its ROM loader in Secure Download Mode is no way to it; exit 2; the bench at rest', async (t) => {
  const run = flash('virtual-hardened', update('virtual-hardened').older!, '--path', 'esp-rom');
  t.equal(run.status, 2, run.stderr);
  t.match(run.stderr, /ESP ROM loader: the ROM refused a compressed write .*0x05.*Secure Download Mode/);
  t.match(run.stderr, /virtual-hardened: not flashed: do not take it as running/);
  t.equal(run.stdout, '');
  // Closed here, not in a teardown: tap removes the subtest's folder first, and the board's log is in it.
  const board = await rig.open('virtual-hardened', t.testdir({}));
  const supply = board.power!;
  const volts = isSupply(supply) ? await supply.measureVoltage().finally(() => board.close()) : await board.close();
  t.equal(volts, 0, 'the supply is off (safe-state: off)');
});

t.test('an ESP-IDF OTA board: the build fetched over HTTPS, booted on trial, confirmed', async (t) => {
  const ota = await testRig('test/fixtures/rigs/rollback-esp-flaws.yaml');
  t.teardown(() => ota.stop());
  const newer = ota.process.endpoints.boards.hardened!.update!.newer!;
  // OTA lists no image hash: the build is known on its test boot by the version it reports.
  const run = flashOn(ota, 'test/fixtures/rigs/rollback-esp-flaws.yaml', 'hardened', newer);
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, new RegExp(`sha256 ${sha256(newer)}, \\d+ bytes\\) by esp-ota; verified: `));
});

t.test(
  'hil run --firmware: deployed before any suite, named in summary.json; one it cannot take stops the run',
  async (t) => {
    const rigArgs = ['--rig', 'rigs/virtual.yaml', '--board', 'virtual-hardened', '--suite', 'boot-log'];
    const env = { HIL_ENDPOINTS: rig.process.endpointsFile, HIL_NO_PDF: '1' };
    const newer = update('virtual-hardened').newer!;
    const given = hilRun([...rigArgs, '--firmware', `virtual-hardened=${newer}`], join(runs, 'given'), env);
    t.equal(given.status, 0, given.stderr);
    const version = parseImage(readFileSync(newer)).version;
    t.match(given.summary.run.builds, {
      'virtual-hardened': { file: newer, sha256: sha256(newer), path: 'smp', version, booted: version },
    });
    t.match(given.result('virtual-hardened', 'boot-log').firmware, { version, buildId: buildId(newer) });
    // An older build: the board's update path turns it away, its ROM loader is in Secure Download Mode.
    const older = hilRun([...rigArgs, '--firmware', update('virtual-hardened').older!], join(runs, 'older'), env);
    t.equal(older.status, 2);
    t.match(older.stderr, /cannot run: a board does not run the build it was given \(no suite was started\)/);
    t.match(older.stderr, /\[virtual-hardened\] firmware: expected the build .* deployed/);
    t.same(older.summary.results, [], 'no suite ran');
    // Named before anything is locked or powered: no run folder.
    const other = spawnSync(
      process.execPath,
      ['bin/hil.js', 'run', ...rigArgs, '--firmware', 'virtual-legacy=/x.bin', '--out', join(runs, 'other')],
      { encoding: 'utf8', env: { ...process.env, ...env } },
    );
    t.equal(other.status, 2);
    t.match(other.stderr, /--firmware names board virtual-legacy, which this run does not test/);
  },
);

t.test('a write that loses a bit is caught by the MD5 verify: exit 1, not flashed', async (t) => {
  const flaky = await testRig('test/fixtures/rigs/flash-flaws.yaml');
  t.teardown(() => flaky.stop());
  const current = flaky.process.endpoints.boards['bit-flip']!.update!.current!;
  const md5 = createHash('md5').update(readFileSync(current)).digest('hex');
  const run = flashOn(flaky, 'test/fixtures/rigs/flash-flaws.yaml', 'bit-flip', current, '--path', 'esp-rom');
  t.equal(run.status, 1, run.stderr);
  t.match(
    run.stderr,
    new RegExp(`ESP ROM loader: verify: expected the flash's MD5 over \\d+ bytes at 0x10000 to be ${md5}`),
  );
  t.match(run.stderr, /seen: [0-9a-f]{32}; the board is left in its ROM loader/);
  t.notMatch(run.stderr, new RegExp(`seen: ${md5}`));
  t.match(run.stderr, /bit-flip: not flashed: do not take it as running/);
  t.equal(run.stdout, '');
});

t.test('misuse: a path, an offset or a file that cannot be used', async (t) => {
  const file = update('virtual-legacy').current!;
  t.match(
    flash('virtual-legacy', file, '--path', 'jtag').stderr,
    /--path must be one of update, esp-rom, stm32-loader, openocd, qemu-image, not "jtag"/,
  );
  t.match(
    flash('virtual-legacy', file, '--offset', '0x10001').stderr,
    /--offset must be a sector-aligned flash offset/,
  );
  t.match(flash('virtual-legacy', '/nonexistent.bin').stderr, /cannot read the build \/nonexistent\.bin: ENOENT/);
  t.match(flash('nope', file).stderr, /no board nope in .*virtual\.yaml/);
});
