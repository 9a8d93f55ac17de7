// hil flash through the STM32 system bootloader of the virtual F405 (AN3155 on its boot UART, BOOT0 on
// a relay), through a rig host that outlives each command: at readout protection level 0 the build is
// erased, written and read back by hil, and Debian's stm32flash, an independent client, then reads the
// same bytes from the chip; at level 1 the loader refuses the erase, which is no way to the board: exit
// 2, said so, BOOT0 released. A build written and verified that the board does not then boot is tested
// only with --any-firmware. OpenOCD is the real one, with no target behind its adapter.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { programResult } from '../harness/flash/openocd.ts';
import { buildImage } from '../harness/wire/mcuboot-image.ts';
import { inSystemBootloader, STM32FLASH, stm32flash } from './helpers/stm32flash.ts';
import { hilRun } from './helpers/run.ts';
import { testRig } from './helpers/virtual-rig.ts';

const RIG = 'test/fixtures/rigs/stm32-loader.yaml';
const rig = await testRig(RIG);
t.teardown(() => rig.stop());
const dir = t.testdir({});
// 20000 bytes: sectors 0 and 1 (16 KiB each), 79 blocks, the last short and not a whole word.
const image = randomBytes(20_003);
const file = join(dir, 'fw.bin');
writeFileSync(file, image);

const flash = (board: string, ...options: string[]) =>
  spawnSync(process.execPath, ['bin/hil.js', 'flash', '--rig', RIG, '--board', board, ...options, file], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, HIL_ENDPOINTS: rig.process.endpointsFile },
  });

t.test('level 0: erased, written and read back by hil; stm32flash reads the same bytes', async (t) => {
  const run = flash('rdp0');
  t.equal(run.status, 0, run.stderr);
  t.match(run.stderr, /STM32F405\/407\/415\/417, erase sectors 0, 1 \(deadline 8000 ms\)/);
  t.match(run.stderr, /79\/79 blocks verified/);
  const sha = createHash('sha256').update(image).digest('hex');
  t.match(
    run.stdout,
    `by stm32-loader; verified: read back through the bootloader's Read Memory: 20003 bytes at 0x08000000 match (SHA-256 ${sha})`,
  );
  if (!existsSync(STM32FLASH)) {
    t.comment('Debian stm32flash is not installed (npm run setup installs it): not read back by it');
    return;
  }
  const uart = await inSystemBootloader(rig, 'rdp0', dir, (fn) => t.teardown(fn));
  const back = join(dir, 'back.bin');
  const read = stm32flash(['-r', back, '-S', `0x08000000:${image.length}`, uart]);
  t.equal(read.status, 0, read.stdout + read.stderr);
  t.same(readFileSync(back), image, 'stm32flash reads back what hil wrote');
});

t.test('level 1: the loader refuses the erase; no way to the board, exit 2', async (t) => {
  const run = flash('rdp1', '--path', 'stm32-loader');
  t.equal(run.status, 2, run.stdout);
  t.match(
    run.stderr,
    /STM32 system bootloader: not a way to this board: the bootloader refused Extended Erase \(NACK\)/,
  );
  t.notMatch(run.stdout, /by stm32-loader/);
});

t.test('an image that does not fit the part is no way to it', async (t) => {
  const misfit = flash('rdp0', '--path', 'stm32-loader', '--offset', '0xff000');
  t.equal(misfit.status, 2, misfit.stderr);
  t.match(misfit.stderr, /20003 bytes at 0x080ff000 do not fit the STM32F405\/407\/415\/417's flash/);
});

t.test('OpenOCD: the real OpenOCD, with no target behind its adapter, is no way to the board', async (t) => {
  const run = flash('probe');
  t.equal(run.status, 2, run.stdout);
  t.match(run.stderr, /STM32 system bootloader: not a way to this board: the rig wires no boot strap/);
  t.match(run.stderr, /OpenOCD: program 20003 bytes at 0x8000000, verify, reset/);
  t.match(
    run.stderr,
    /OpenOCD: not a way to this board: OpenOCD could not reach the core: the target refused \(.*IR capture error/,
  );
});

t.test(
  '--any-firmware: a build written and verified that the board does not boot is tested only when asked',
  async (t) => {
    // The twin's application does not run from the flash its system bootloader writes (as a chip whose
    // MCUboot boots another slot, or a build written at the wrong offset): the boot names another version.
    const mcuboot = join(dir, 'app-7.7.7.bin');
    writeFileSync(mcuboot, buildImage({ version: '7.7.7', body: randomBytes(4000) }));
    const args = ['--rig', RIG, '--board', 'rdp0', '--suite', 'boot-log', '--firmware', mcuboot];
    const env = { HIL_ENDPOINTS: rig.process.endpointsFile, HIL_NO_PDF: '1' };
    const refused = hilRun(args, join(dir, 'refused'), env);
    t.equal(refused.status, 2, refused.stderr);
    t.match(
      refused.stderr,
      /\[rdp0\] firmware: expected the build .*app-7\.7\.7\.bin \(version 7\.7\.7\) running after its deploy/,
    );
    t.match(refused.stderr, /the boot reports version (?!7\.7\.7)\S+ \(--any-firmware tests it anyway\)/);
    t.same(refused.summary.results, [], 'no suite ran');
    const anyway = hilRun([...args, '--any-firmware'], join(dir, 'anyway'), env);
    t.not(anyway.status, 2, anyway.stderr);
    const build = anyway.summary.run.builds?.rdp0;
    t.match(build, { path: 'stm32-loader', version: '7.7.7' });
    t.not(build?.booted, '7.7.7', 'summary.json says which version booted instead');
    t.equal(
      anyway.result('rdp0', 'boot-log').firmware?.version,
      build?.booted,
      'and the suite names the build it tested',
    );
  },
);

t.test("OpenOCD's program proc: its result read from the lines it prints", async (t) => {
  const run = (...lines: string[]) => lines.join('\n');
  t.same(
    programResult(
      0,
      run(
        '** Programming Started **',
        '** Programming Finished **',
        '** Verify Started **',
        '** Verified OK **',
        '** Resetting Target **',
      ),
    ),
    { kind: 'verified' },
  );
  t.same(programResult(0, run('**pre-verifying**', '**Verified OK - No flashing**', '** Resetting Target **')), {
    kind: 'already-there',
  });
  t.match(programResult(1, run('** Programming Finished **', '** Verify Started **', '** Verify Failed **')), {
    kind: 'failed',
    step: 'verify',
  });
  t.match(programResult(1, run('Error: stm32x device protected', '** Programming Failed **')), {
    kind: 'failed',
    step: 'write',
  });
  t.match(programResult(1, run('Error: unable to find a matching CMSIS-DAP device', '** OpenOCD init failed **')), {
    kind: 'not-reached',
    why: /the probe was not found/,
  });
  t.match(programResult(0, run('** Programming Finished **')), { kind: 'failed', step: 'verify' });
  t.match(programResult(1, 'Error: no such file'), {
    kind: 'failed',
    step: 'program',
    seen: /exit 1: Error: no such file/,
  });
});
