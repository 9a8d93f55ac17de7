/**
 * An STM32F405's internal flash (1 MiB at 0x08000000, the sectors RM0090 lists: four of 16 KiB, one
 * of 64 KiB, seven of 128 KiB), as its system bootloader and its debug port see it: erased sector by
 * sector to 0xFF, and programming can only clear bits. It starts with an image's first words (initial
 * stack pointer, reset vector), as a chip that has been programmed once.
 */
import { STM32_FLASH_BASE as FLASH_BASE, STM32_PARTS } from '../wire/stm32-parts.ts';

const SECTORS = STM32_PARTS.get(0x413)!.sectors;
const SIZE = SECTORS.reduce((a, b) => a + b, 0);
/** The first words of an STM32 image: initial stack pointer, reset vector, two handlers. */
const FIRST_WORDS = Buffer.from('0050002019030008b1020008b3020008', 'hex');

export class Stm32Flash {
  private readonly bytes = Buffer.alloc(SIZE, 0xff);

  constructor() {
    FIRST_WORDS.copy(this.bytes);
  }

  /** Whether [address, address+length) is flash. */
  holds(address: number, length: number): boolean {
    return address >= FLASH_BASE && length >= 0 && address - FLASH_BASE + length <= SIZE;
  }

  read(address: number, length: number): Buffer | undefined {
    return this.holds(address, length)
      ? Buffer.from(this.bytes.subarray(address - FLASH_BASE, address - FLASH_BASE + length))
      : undefined;
  }

  write(address: number, data: Uint8Array): boolean {
    if (!this.holds(address, data.length)) return false;
    const at = address - FLASH_BASE;
    for (let i = 0; i < data.length; i++) this.bytes[at + i]! &= data[i]!;
    return true;
  }

  /** Erase sectors by number; false for a number the chip does not have. */
  eraseSectors(sectors: number[]): boolean {
    if (sectors.some((s) => s < 0 || s >= SECTORS.length)) return false;
    for (const sector of sectors) {
      const start = SECTORS.slice(0, sector).reduce((a, b) => a + b, 0);
      this.bytes.fill(0xff, start, start + SECTORS[sector]!);
    }
    return true;
  }

  eraseAll(): void {
    this.bytes.fill(0xff);
  }
}
