/**
 * The floor of a board's part of a run: the time the board itself imposes, read from its console
 * records (`.bin`), whatever the harness does around it. Three parts:
 *   off    power off to power on (the rig's off-time, and the switch's own answer),
 *   boots  power on to the ready line (what the firmware takes to boot; a boot that never reaches
 *          it counts to its last byte before the next cut),
 *   wire   every other byte, both ways, at the console's baud (8N1: 10 bits a byte).
 * Anything else (probe windows, handshakes, process start-up, the harness's own work) is above it.
 */
import { matchableText } from '../../harness/console/escape.ts';
import { LineSplitter } from '../../harness/console/lines.ts';
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

/** `suites`: one board's console records, a list per suite (its `.bin`), in the order they ran. */
export function boardFloor(suites: ConsoleRecord[][], ready: RegExp, baud: number): Floor {
  const floor: Floor = { offMs: 0, bootMs: 0, wireMs: 0, cycles: 0, boots: 0 };
  let wireBytes = 0;
  for (const records of suites) wireBytes += addSuite(floor, records, ready);
  floor.wireMs = (wireBytes * 10 * 1000) / baud;
  return floor;
}

/** Adds one suite's off-times and boots; returns its bytes outside boots. */
function addSuite(floor: Floor, records: ConsoleRecord[], ready: RegExp): number {
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
    if (record.direction === '>' || bootFrom === undefined) {
      wireBytes += record.bytes.length;
      continue;
    }
    lastByteAt = record.time;
    const seen = [...lines.push(record.bytes).map((l) => l.text), lines.partial];
    if (seen.some((text) => ready.test(matchableText(text)))) {
      endBoot(record.time);
      floor.boots++;
    }
  }
  // A boot still under way when the suite closed its console (a ROM loader left waiting) counts no further.
  return wireBytes;
}
