/**
 * STM32 parts as their system bootloader names them (Get ID, AN3155 §3.3: the product id, AN2606's
 * table) and the flash sectors an Extended Erase numbers (the reference manuals' flash module
 * organisation). Only parts whose sector map is known here can be flashed page by page.
 */
const KIB = 1024;
/** RM0090 §3.3 and RM0033 §2.3: four 16 KiB sectors, one of 64 KiB, seven of 128 KiB, from 0x08000000. */
const F2_F4_1MIB = [16, 16, 16, 16, 64, 128, 128, 128, 128, 128, 128, 128].map((k) => k * KIB);

export const STM32_FLASH_BASE = 0x08000000;

export interface Stm32Part {
  name: string;
  /** Sector sizes in bytes, sector 0 first, from STM32_FLASH_BASE. */
  sectors: readonly number[];
}

export const STM32_PARTS: ReadonlyMap<number, Stm32Part> = new Map([
  [0x411, { name: 'STM32F2xx', sectors: F2_F4_1MIB }],
  [0x413, { name: 'STM32F405/407/415/417', sectors: F2_F4_1MIB }],
]);

/** Get ID's reply after its ACK: N (bytes that follow minus 1), the product id MSB first, ACK. */
export function decodeGetId(reply: Uint8Array): number | undefined {
  if (reply.length !== 4 || reply[0] !== 1 || reply[3] !== 0x79) return undefined;
  return (reply[1]! << 8) | reply[2]!;
}

/** The sectors [address, address+length) touches, or undefined if it is not all in the part's flash. */
export function sectorsCovering(part: Stm32Part, address: number, length: number): number[] | undefined {
  const covered: number[] = [];
  let start = STM32_FLASH_BASE;
  for (const [index, size] of part.sectors.entries()) {
    if (start < address + length && address < start + size) covered.push(index);
    start += size;
  }
  return address >= STM32_FLASH_BASE && address + length <= start && length > 0 ? covered : undefined;
}
