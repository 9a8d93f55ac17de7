// The virtual STM32 system bootloader against an independent client, Debian's stm32flash (AN3155 over
// the boot UART's PTY; `-m 8n1`, as a PTY keeps no parity): at readout protection level 0 it erases,
// writes and verifies an image, and reads it back byte for byte; at level 1 the write is refused.
import t from 'tap';
import './helpers/children.ts';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inSystemBootloader, STM32FLASH, stm32flash } from './helpers/stm32flash.ts';
import { testRig } from './helpers/virtual-rig.ts';

const skip = existsSync(STM32FLASH) ? false : 'Debian stm32flash is not installed (npm run setup installs it)';

t.test('stm32flash against the virtual system bootloader', { skip }, async (t) => {
  const rig = await testRig('test/fixtures/rigs/stm32-loader.yaml');
  t.teardown(() => rig.stop());
  const dir = t.testdir({});
  const image = randomBytes(3000); // not a multiple of 256, nor of 4: stm32flash pads the last block
  const file = join(dir, 'fw.bin');
  writeFileSync(file, image);
  const inLoader = (name: string) => inSystemBootloader(rig, name, dir, (fn) => t.teardown(fn));

  const uart = await inLoader('rdp0');
  const write = stm32flash(['-w', file, '-v', uart]);
  t.equal(write.status, 0, write.stdout + write.stderr);
  t.match(write.stdout, /Device ID\s*: 0x0413/);
  t.match(write.stdout, /Wrote and verified address 0x08000bb8 \(100\.00%\) Done\./);
  const back = join(dir, 'back.bin');
  const read = stm32flash(['-r', back, '-S', `0x08000000:${image.length}`, uart]);
  t.equal(read.status, 0, read.stdout + read.stderr);
  t.same(readFileSync(back), image, 'read back byte for byte');

  const locked = stm32flash(['-w', file, await inLoader('rdp1')]);
  t.not(locked.status, 0, 'readout protection refuses the erase and the write');
});
