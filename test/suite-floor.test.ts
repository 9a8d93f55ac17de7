// perf/suite-wall's floor: what the board imposes, read from its console records.
import t from 'tap';
import type { ConsoleRecord, Direction } from '../harness/console/records.ts';
import { boardFloor, floorMs } from '../perf/lib/floor.ts';

const r = (direction: Direction, time: number, text: string): ConsoleRecord => ({
  direction,
  time,
  bytes: Buffer.from(text, 'latin1'),
});

t.test("off-time, boot to the ready line, and the board's other bytes at the baud", async (t) => {
  const suite = [
    r('!', 0, 'opened /dev/ttyUSB0'),
    r('!', 10, 'power off (boot-log power cycle)'),
    r('!', 210, 'power on'),
    r('<', 220, 'ets Jun  8 2016\r\n'),
    r('<', 400, 're'),
    r('<', 460, 'ady\r\n'), // the ready line ends the boot, even split across reads
    r('>', 500, 'x'.repeat(20)),
    r('<', 510, 'y'.repeat(95)),
  ];
  const floor = boardFloor([suite], { ready: /^ready$/ }, 115_200);
  t.equal(floor.offMs, 200);
  t.equal(floor.bootMs, 250);
  t.equal(floor.boots, 1);
  t.equal(floor.cycles, 1);
  t.equal(floor.wireMs, (95 * 10 * 1000) / 115_200, "the board's bytes outside the boot, not the harness's");
  t.equal(floorMs(floor), 200 + 250 + floor.wireMs);
});

t.test('a boot that never reaches its ready line counts to its last byte, not to the next cut', async (t) => {
  const rom = [
    r('!', 0, 'power off (reset into the ROM loader)'),
    r('!', 200, 'power on'),
    r('<', 220, 'waiting for download\r\n'),
    r('<', 300, '\xc0\x01\x08\xc0'),
    r('!', 5000, 'power off (debug-interfaces: leave the ROM loader)'),
  ];
  const next = [r('!', 9000, 'power on')]; // a later suite's file: its state starts afresh
  const floor = boardFloor([rom, next], { ready: /^ready$/ }, 115_200);
  t.equal(floor.bootMs, 100, 'the ROM loader waiting on the harness is not the board booting');
  t.equal(floor.boots, 0);
  t.equal(floor.offMs, 200, 'a power on with no power off in its own file adds no off-time');
});

t.test('a boot no power cycle began (an SMP reset into a swap) counts from its banner to the ready line', async (t) => {
  const suite = [
    r('<', 0, 'esp32> '),
    r('!', 5, 'smp > group 0 command 5 seq 3 {}'),
    r('>', 6, '\x06\tAAsCAAABAAADBaA=\n'),
    r('<', 8, '\x06\tAAsDAAABAAADBaA=\n'), // the reply, on the prompt's line
    r('<', 20, 'ets Jun  8 2016 00:22:57\r\n'),
    r('<', 900, 'I: flash: swap sector 4/4\r\n'), // the swap: the board's time, however long
    r('<', 1400, 'ready\r\n'),
    r('<', 1500, 'z'.repeat(10)),
  ];
  const boot = { banner: /^ets /, ready: /^ready$/ };
  const floor = boardFloor([suite], boot, 115_200);
  t.equal(floor.bootMs, 1380, 'banner to ready');
  t.equal(floor.boots, 1);
  t.equal(floor.cycles, 0);
  t.equal(floor.wireMs, (36 * 10 * 1000) / 115_200, 'the prompt and reply before, the bytes after, at the baud');
  t.equal(boardFloor([suite], { ready: boot.ready }, 115_200).bootMs, 0, 'with no banner, no such boot is seen');
});
