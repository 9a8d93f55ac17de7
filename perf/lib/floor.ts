/**
 * The floor of a board's part of a run: the time the board itself imposes, read from its console
 * records (`.bin`), whatever the harness does around it. Three parts:
 *   off    power off to power on (the rig's off-time, and the switch's own answer),
 *   boots  power on to the ready line (what the firmware takes to boot; a boot that never reaches
 *          it counts to its last byte before the next cut), and the profile's banner to the ready
 *          line for a boot no power cycle began (an SMP reset into an update's swap, a panic reboot),
 *   wire   every other byte the board sends, at the console's baud (8N1: 10 bits a byte). The
 *          harness's bytes to the board are not counted: a UART receives while it sends, and the
 *          virtual boards take input as fast as the PTY carries it (only their output is paced),
 *          so counting them made the floor higher than the wall (brownout's image uploads).
 * Anything else (probe windows, handshakes, process start-up, the harness's own work) is above it.
 */
import type { BootSpec } from '../../harness/config/load.ts';
import { matchableText } from '../../harness/console/escape.ts';
import { LineSplitter } from '../../harness/wire/lines.ts';
import type { ConsoleRecord } from '../../harness/console/records.ts';

export interface Floor {
  offMs: number;
  bootMs: number;
  wireMs: number;
  /** Power cycles seen, and boots followed to their ready line. */
  cycles: number;
  boots: number;
}

export const floorMs = (f: Floor) => f.offMs + f.bootMs + f.wireMs;

/** A boot's first line (optional: many applications print none) and its ready line, from the profile. */
export type BootLines = Pick<BootSpec, 'banner' | 'ready'>;

/** `suites`: one board's console records, a list per suite (its `.bin`), in the order they ran. */
export function boardFloor(suites: ConsoleRecord[][], boot: BootLines, baud: number): Floor {
  const floor: Floor = { offMs: 0, bootMs: 0, wireMs: 0, cycles: 0, boots: 0 };
  let wireBytes = 0;
  for (const records of suites) wireBytes += addSuite(floor, records, boot);
  floor.wireMs = (wireBytes * 10 * 1000) / baud;
  return floor;
}

/** Adds one suite's off-times and boots; returns the board's bytes outside boots. */
function addSuite(floor: Floor, records: ConsoleRecord[], { banner, ready }: BootLines): number {
  let offAt: number | undefined;
  let bootFrom: number | undefined;
  let lastByteAt: number | undefined;
  let wireBytes = 0;
  let lines = new LineSplitter();
  const endBoot = (at: number | undefined) => {
    if (bootFrom !== undefined && at !== undefined) floor.bootMs += at - bootFrom;
    bootFrom = undefined;
  };
  for (const record of records) {
    if (record.direction === '!') {
      const event = record.bytes.toString('latin1');
      if (event.startsWith('power off')) {
        // A boot that never reached its ready line (a cut into it, a ROM loader, a bootloader prompt)
        // took the board until its last byte: the wait after that was the harness's.
        endBoot(lastByteAt);
        offAt = record.time;
      } else if (event === 'power on' && offAt !== undefined) {
        floor.offMs += record.time - offAt;
        floor.cycles++;
        offAt = undefined;
        bootFrom = record.time;
        lastByteAt = undefined;
        lines = new LineSplitter();
      }
      continue;
    }
    if (record.direction === '>') continue;
    lastByteAt = record.time;
    const seen = [...lines.push(record.bytes).map((l) => l.text), lines.partial].map(matchableText);
    if (bootFrom === undefined) {
      if (!banner || !seen.some((text) => banner.test(text))) {
        wireBytes += record.bytes.length;
        continue;
      }
      bootFrom = record.time; // a boot no power cycle began: from its banner
    }
    if (seen.some((text) => ready.test(text))) {
      endBoot(record.time);
      floor.boots++;
    }
  }
  // A boot still under way when the suite closed its console (a ROM loader left waiting) counts no further.
  return wireBytes;
}
