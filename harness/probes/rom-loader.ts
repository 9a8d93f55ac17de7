/** The ROM serial loader check, for the loader the profile names, through the strap the rig wires. */
import type { Board } from '../board.ts';
import { type Outcome, skip } from '../verdict.ts';
import { probeEspRom } from './esp-rom.ts';
import { probeStm32Loader } from './stm32-loader.ts';

export async function probeRomLoader(board: Board): Promise<Outcome> {
  const loader = board.profile.debug.romLoader;
  const bootStrap = board.bootStrap;
  if (!loader) return skip('the profile names no ROM serial loader (debug.rom-loader)');
  if (!bootStrap) return skip('the rig wires no boot strap (boot-strap) to reach the ROM loader');
  if (loader === 'esp32') return probeEspRom(board, bootStrap);
  if (!board.bootUart) return skip('the rig names no boot UART (boot-uart) for the STM32 system bootloader');
  return probeStm32Loader(board, bootStrap, board.bootUart, board.profile.debug.memory);
}
