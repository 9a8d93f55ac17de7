// A boot is a banner-like line and the boot's next line, not one line: a banner-like line alone (a
// `version` that repeats the bootloader's first line), one that answered the harness's own probe, or
// one older than the boot's deadline shows no boot; one followed by the boot's sequence does.
import t from 'tap';
import { BootSighting } from '../harness/boot-sighting.ts';
import { loadProfile } from '../harness/config/load.ts';

const virtual = loadProfile('boards/virtual.yaml').boot;
const uBoot = loadProfile('boards/uboot-qemu.yaml').boot;
const stm32 = loadProfile('boards/stm32-nucleo-freertos.yaml').boot;
const ROM = 'rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)';

t.test('a banner, then a line of the boot: a boot; a banner alone: none', async (t) => {
  const sighting = new BootSighting(virtual);
  t.equal(sighting.line(ROM, 1), undefined, 'a banner alone is not yet a boot');
  t.equal(sighting.pending, ROM, 'but one may have begun');
  t.equal(sighting.line('configsip: 0, SPIWP:0xee', 2), undefined);
  t.same(sighting.line('I (45) secure_boot_v2: Signature verified successfully!', 3), {
    start: ROM,
    by: 'I (45) secure_boot_v2: Signature verified successfully!',
  });
  t.equal(sighting.pending, undefined);
  t.equal(sighting.line(ROM, 4), undefined);
  t.equal(sighting.line(ROM, 5), undefined, 'another banner-like line is no boot of the first: it begins again');
  t.equal(sighting.partial('esp32> '), undefined, 'an unfinished line that is not the ready line ends nothing');
  sighting.answered(5);
  t.equal(sighting.pending, undefined, "the harness's own probe's answer begins no boot");
  t.equal(sighting.line('ready', 6), undefined);
});

t.test("U-Boot: `version` repeats the banner; the boot's countdown shows a boot", async (t) => {
  const sighting = new BootSighting(uBoot);
  t.equal(sighting.line('U-Boot 2023.01+dfsg-2 (Jan 30 2023 - 00:00:00 +0000)', 1), undefined);
  t.equal(sighting.line('arm-linux-gnueabihf-gcc (Debian 12.2.0-14) 12.2.0', 2), undefined);
  t.equal(
    sighting.partial('=> ', /^=> $/),
    undefined,
    "its prompt after `version`: no boot (the version line is the banner's)",
  );
  t.equal(sighting.pending, undefined, 'the shell answered: nothing began');
  sighting.line('U-Boot 2023.01+dfsg-2 (Jan 30 2023 - 00:00:00 +0000)', 3);
  t.equal(sighting.line('DRAM:  128 MiB', 4), undefined);
  t.match(sighting.partial('Hit any key to stop autoboot:  2 '), { by: /Hit any key/ }, 'the ready line, unfinished');
});

t.test('older than the boot deadline: no boot began', async (t) => {
  let now = 0;
  const sighting = new BootSighting(virtual, () => now);
  sighting.line(ROM, 1);
  now = virtual.deadlineMs + 1;
  t.equal(sighting.pending, undefined);
  t.equal(sighting.line('ready', 2), undefined);
});

t.test('no banner: the reset-reason line begins a boot; with neither, the ready line alone shows one', async (t) => {
  const sighting = new BootSighting(stm32);
  t.equal(sighting.line('RCC_CSR=0x14000000', 1), undefined);
  t.same(sighting.line('ready', 2), { start: 'RCC_CSR=0x14000000', by: 'ready' });
  const bare = new BootSighting({ ready: /^ready$/, deadlineMs: 1000, redFlags: [], required: [] });
  t.same(bare.line('ready', 1), { start: 'ready', by: 'ready' });
});
