/**
 * The STM32 system bootloader check (AN3155) on the board's boot UART, 8E1: hold BOOT0, reset,
 * synchronise, list the commands, and try Read Memory on the regions the profile names. Under
 * readout protection Read Memory is refused (NACK); readable memory is a finding. Readout Unprotect
 * (0x92) is never sent: it mass-erases the chip. No answer to 0x7F passes only with two signs of
 * readout protection level 2 (the system bootloader gone): the application booted with BOOT0 held
 * (a silent console means the loader probably ran and the boot UART is not live), and the debug port
 * has a target but refuses every read, as level 2 does. The first alone is also what a BOOT0 wire that
 * does not reach the pin gives; a debug port that reads means the level is not 2.
 */
import type { Board } from '../board.ts';
import { bootMarker } from '../config/load.ts';
import { matchableText } from '../console/escape.ts';
import type { BootStrap } from '../power/driver.ts';
import { fail, inconclusive, type Outcome, pass } from '../verdict.ts';
import { ACK, NACK } from '../wire/an3155.ts';
import { Stm32Link, SYNC_ATTEMPTS } from './stm32-link.ts';
import { type MemoryRegion, tryDebugPort } from './swd-jtag.ts';

export async function probeStm32Loader(
  board: Board,
  bootStrap: BootStrap,
  uart: { path: string; baud: number },
  regions: MemoryRegion[],
): Promise<Outcome> {
  const mark = board.console.mark();
  const link = await Stm32Link.open(uart);
  try {
    await bootStrap.enter(board);
    const synced = await link.sync();
    const base = { bootStrap: bootStrap.description, uart: `${uart.path} ${uart.baud} 8E1` };
    if (synced === undefined) return await judgeSilence(board, board.console.linesSince(mark), regions, base);
    if (synced !== ACK && synced !== NACK) {
      return inconclusive('the bootloader answered 0x7F, but not as AN3155 says', {
        ...base,
        sync: `answered 0x${synced.toString(16)}`,
      });
    }

    const get = await link.get();

    const reads = [];
    for (const region of regions) {
      const address = `0x${region.address.toString(16).padStart(8, '0')}`;
      const answer = await link.readMemory(region.address, region.length);
      reads.push(
        Buffer.isBuffer(answer)
          ? { region: region.name, address, read: answer.toString('hex') }
          : { region: region.name, address, refused: answer.refused },
      );
    }
    const evidence = {
      ...base,
      bootloader: get
        ? { version: get.version, commands: get.commands.map((c) => `0x${c.toString(16).padStart(2, '0')}`) }
        : 'Get not answered',
      reads,
      sent: link.sent,
    };
    if (regions.length === 0) return inconclusive('the profile names no memory to try (debug.memory)', evidence);
    if (reads.some((r) => 'read' in r)) return fail({ verdict: 'readable', ...evidence });
    if (!reads.every((r) => r.refused === 'NACK')) {
      return inconclusive('the bootloader stopped answering part way through Read Memory', evidence);
    }
    return pass({ verdict: 'protected', ...evidence });
  } finally {
    await link.close();
    await bootStrap.leave(board);
  }
}

/**
 * Nothing answered 0x7F: did the chip run its bootloader (silent console) or its application? And if
 * the application, is that readout protection level 2, or a strap that never reached BOOT0?
 */
async function judgeSilence(
  board: Board,
  lines: string[],
  regions: MemoryRegion[],
  base: Record<string, unknown>,
): Promise<Outcome> {
  const sync = `no answer to 0x7F (${SYNC_ATTEMPTS} tries)`;
  const banner = lines.find((line) => bootMarker(board.profile.boot).test(matchableText(line)));
  if (!banner) {
    return inconclusive(
      'nothing answered 0x7F and the application did not boot with BOOT0 held, so the bootloader probably ran: is the boot UART wired?',
      { ...base, sync, console: lines.slice(-6) },
    );
  }
  const evidence = { ...base, sync, positiveControl: `the application booted with BOOT0 held: ${banner}` };
  const unproved =
    'the application booted with BOOT0 held, as at readout protection level 2, but a BOOT0 wire that does not reach the pin looks the same';
  if (!board.debugPort || regions.length === 0) {
    const missing = board.debugPort
      ? 'the profile names no memory to try (debug.memory)'
      : 'the rig wires no debug port';
    return inconclusive(`${unproved}, and ${missing} for a second sign`, evidence);
  }
  // The debug check's own outcome, read here for what it says of the readout protection level.
  const debugPort = await tryDebugPort(board.debugPort, regions);
  if (debugPort.verdict === 'fail') {
    return inconclusive(
      'nothing answered 0x7F, but the debug port reads memory, so readout protection is not at level 2: the BOOT0 strap probably does not reach the pin',
      { ...evidence, debugPort },
    );
  }
  if (debugPort.verdict === 'inconclusive' || debugPort.verdict === 'skip') {
    return inconclusive(`${unproved}, and the debug port gave no second sign: ${debugPort.reason}`, {
      ...evidence,
      debugPort,
    });
  }
  return pass({
    verdict: 'no-loader',
    ...evidence,
    secondSign: 'the debug port has a target and refuses every read, as at readout protection level 2',
    debugPort,
  });
}
