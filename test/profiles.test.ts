// The shipped profiles for real boards, judging boots written in their vendors' documented formats,
// through a real PTY: an ESP32-DevKitC's ESP-IDF boot (ROM reset code, secure boot, anti-rollback,
// the Wi-Fi MAC as its identity), and a banner-less FreeRTOS application on a Nucleo whose reset
// cause is a set of RCC_CSR flags (a power-on sets three; the profile's order says which counts).
import t, { type Test } from 'tap';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Board } from '../harness/board.ts';
import { loadProfile, loadRig } from '../harness/config/load.ts';
import { Rig } from '../harness/power/registry.ts';
import type { ConfigError } from '../harness/util/errors.ts';
import { ptyDevice } from './helpers/pty-device.ts';

async function boardOn(t: Test, profile: string) {
  const dir = t.testdir({});
  const device = await ptyDevice(dir);
  writeFileSync(
    join(dir, 'rig.yaml'),
    `name: desk\nboards:\n  b:\n    profile: ${profile}\n    console: { port: ${device.path} }\n`,
  );
  const rig = loadRig(join(dir, 'rig.yaml'), Rig);
  const board = await Board.open({ rig, name: 'b', logDir: dir, logName: 'console' });
  t.teardown(async () => {
    await board.close();
    await device.close();
  });
  return { board, wire: device.socket(), profile: rig.profiles.get(profile)! };
}

t.test('every profile in boards/ loads', async (t) => {
  for (const file of readdirSync('boards').filter((f) => f.endsWith('.yaml'))) {
    t.doesNotThrow(() => loadProfile(join('boards', file)), file);
  }
});

const ESP32_BOOT = [
  'ets Jun  8 2016 00:22:57',
  '',
  'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)',
  'I (31) boot: ESP-IDF v5.1.2 2nd stage bootloader',
  'I (52) boot: Checking flash encryption...',
  'I (57) flash_encrypt: flash encryption is enabled (0 plaintext flashes left)',
  'I (402) secure_boot_v2: Verifying with RSA-PSS...',
  'I (409) secure_boot_v2: Signature verified successfully!',
  'I (512) app_init: Application information:',
  'I (517) app_init: Project name:     sensor-node',
  'I (522) app_init: App version:      3.2.0',
  'I (527) app_init: Secure version:   4',
  'I (540) app_init: ESP-IDF:          v5.1.2',
  'I (613) wifi:mode : sta (24:0a:c4:1d:7e:50)',
  'I (633) main_task: Calling app_main()',
];

t.test('esp32-devkitc: an ESP-IDF boot in its documented format', async (t) => {
  const { board, wire, profile } = await boardOn(t, 'esp32-devkitc');
  const recording = board.recordBoot('boot');
  wire.write(`${ESP32_BOOT.join('\r\n')}\r\n`);
  const r = await recording;
  t.ok(r.ready, 'ready at main_task: Calling app_main()');
  t.equal(r.resetKind, 'power-on');
  t.equal(r.version, '3.2.0');
  t.same(
    profile.boot.required.map((p) => r.hits(p).length > 0),
    [true, true, true],
    'secure boot, flash encryption and the anti-rollback counter are all reported',
  );
  t.same(
    profile.boot.redFlags.flatMap((p) => r.hits(p)),
    [],
    'no red flag',
  );
  t.equal(profile.identity!.pattern.exec(ESP32_BOOT.at(-2)!)?.[1], '24:0a:c4:1d:7e:50', 'the MAC is its identity');

  const again = board.recordBoot('brown-out boot');
  wire.write('rst:0xf (RTCWDT_BROWN_OUT_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n');
  wire.write('W (12) flash_encrypt: Flash encryption mode is DEVELOPMENT (not secure)\r\n');
  wire.write("Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled.\r\n");
  wire.write('I (633) main_task: Calling app_main()\r\n');
  const b = await again;
  t.equal(b.resetKind, 'brown-out');
  t.match(
    profile.boot.redFlags.flatMap((p) => b.hits(p)),
    [/DEVELOPMENT \(not secure\)/],
    'development-mode flash encryption is a red flag',
  );
  t.equal(b.crashes.length, 1, 'the panic is a crash');
});

t.test('stm32-nucleo-freertos: no banner (the ready line is the boot); RCC_CSR flags name the reset', async (t) => {
  const { board, wire } = await boardOn(t, 'stm32-nucleo-freertos');
  const boot = async (csr: string) => {
    const recording = board.recordBoot('boot');
    wire.write(`RCC_CSR=0x${csr}\r\nsensor-node version 1.4.2\r\nready\r\n`);
    return recording;
  };
  const powerOn = await boot('0e000000'); // PORRSTF, PINRSTF and BORRSTF, as a power-on sets them
  t.ok(powerOn.ready && powerOn.bannerSeen, 'a banner-less boot is known by its ready line');
  t.equal(powerOn.resetKind, 'power-on', 'PORRSTF wins over the BORRSTF and PINRSTF a power-on also sets');
  t.equal(powerOn.version, '1.4.2');
  t.equal((await boot('06000000')).resetKind, 'brown-out', 'BORRSTF and PINRSTF: a brown-out');
  t.equal((await boot('24000000')).resetKind, 'watchdog', 'IWDGRSTF and PINRSTF: the independent watchdog');
  t.equal((await boot('14000000')).resetKind, 'software', 'SFTRSTF: NVIC_SystemReset');
  t.equal((await boot('04000000')).resetKind, 'pin', 'PINRSTF alone: NRST (the ST-LINK or the button)');
  t.equal((await boot('80000000')).resetKind, 'unknown', 'LPWRRSTF is no kind the profile lists');

  const silent = await board.recordBoot('boot', { mark: board.console.mark(), started: Date.now() - 4900 });
  t.notOk(silent.ready || silent.bannerSeen, 'nothing printed: no boot');
});

t.test(
  'a profile cannot give both reset codes and reset flags; an identity needs the profile to name one',
  async (t) => {
    const dir = t.testdir({
      boards: {
        'both.yaml':
          "name: both\nboot: { ready: '^ready$', deadline: 1s }\nreset-reasons: { power-on: [1] }\nreset-flags: { power-on: [27] }\n",
      },
      rigs: {
        'rig.yaml':
          'name: r\nboards:\n  b:\n    profile: microbit-micropython\n    identity: "9904"\n    console: { port: /dev/ttyACM0 }\n',
      },
    });
    t.throws(() => loadProfile(join(dir, 'boards/both.yaml')), /reset-reasons and reset-flags/);
    const problems = (() => {
      try {
        loadRig(join(dir, 'rigs/rig.yaml'), Rig);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    t.match(problems.join('\n'), /boards\.b\.identity: profile "microbit-micropython" names no identity line/);
  },
);
