/**
 * A virtual board's SPI NOR flash as the ROM loader writes it: 4 KiB sectors erased to 0xFF, a write
 * that can only clear bits (what flash programming does: a region written without its erase reads
 * back wrong), kept sparse so that an untouched 4 MiB chip costs nothing. Regions written since the
 * last boot are remembered, so the bootloader can find a new application there.
 */
export const SECTOR = 0x1000;

export class SpiFlash {
  private readonly sectors = new Map<number, Buffer>();
  private readonly dirty: [number, number][] = [];

  constructor(readonly size = 4 * 1024 * 1024) {}

  /** Whether [offset, offset+length) is on the chip. */
  holds(offset: number, length: number): boolean {
    return offset >= 0 && length >= 0 && offset + length <= this.size;
  }

  read(offset: number, length: number): Buffer {
    const out = Buffer.alloc(length, 0xff);
    for (let at = offset; at < offset + length; at = (Math.floor(at / SECTOR) + 1) * SECTOR) {
      const sector = this.sectors.get(Math.floor(at / SECTOR));
      const end = Math.min(offset + length, (Math.floor(at / SECTOR) + 1) * SECTOR);
      sector?.copy(out, at - offset, at % SECTOR, (at % SECTOR) + (end - at));
    }
    return out;
  }

  /** Erase every sector the region touches (the ROM erases whole sectors). */
  erase(offset: number, length: number): void {
    for (let s = Math.floor(offset / SECTOR); s * SECTOR < offset + length; s++) this.sectors.delete(s);
  }

  write(offset: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      const at = offset + i;
      const index = Math.floor(at / SECTOR);
      let sector = this.sectors.get(index);
      if (!sector) this.sectors.set(index, (sector = Buffer.alloc(SECTOR, 0xff)));
      sector[at % SECTOR]! &= data[i]!;
    }
    this.dirty.push([offset, data.length]);
  }

  /** Whether anything was written into [offset, offset+length) since the last call, and forget it. */
  takeWritten(offset: number, length: number): boolean {
    const hit = this.dirty.some(([at, n]) => at < offset + length && at + n > offset);
    this.dirty.length = 0;
    return hit;
  }
}
