/**
 * Debian's stm32flash against a virtual STM32's system bootloader. stm32flash sends 0x7F once and,
 * if nothing answers, sends it again expecting NACK (the first taken as a command's first byte): a
 * loader that came up between the two answers ACK, which stm32flash takes for a failure. The twin,
 * like the chip, enters its loader a little after the reset, so the board is first synchronised here
 * (as hil's flasher does, retrying); stm32flash's own 0x7F is then answered NACK, which it accepts.
 */
import { spawnSync } from 'node:child_process';
import { Stm32Link } from '../../harness/probes/stm32-link.ts';
import type { TestRig } from './virtual-rig.ts';

export const STM32FLASH = '/usr/bin/stm32flash';

/** The board's boot UART, with BOOT0 held through a power cycle and the system bootloader answering. */
export async function inSystemBootloader(
  rig: TestRig,
  name: string,
  logDir: string,
  teardown: (fn: () => unknown) => void,
): Promise<string> {
  const board = await rig.open(name, logDir);
  teardown(() => board.close());
  await board.bootStrap!.enter(board);
  const uart = rig.process.endpoints.boards[name]!.bootUart!;
  const link = await Stm32Link.open({ path: uart, baud: 115200 });
  const synced = await link.sync();
  await link.close();
  if (synced === undefined) throw new Error(`${name}: the system bootloader did not answer 0x7F`);
  return uart;
}

export const stm32flash = (args: string[]) =>
  spawnSync(STM32FLASH, ['-b', '115200', '-m', '8n1', ...args], { encoding: 'utf8', timeout: 60_000 });
