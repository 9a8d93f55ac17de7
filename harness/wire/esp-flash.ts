/**
 * Writing flash through the Espressif ROM loader (esptool's serial protocol, docs
 * "serial-protocol.rst"; REFERENCE.md 2.2), the ROM alone, no stub: SPI_ATTACH, then FLASH_DEFL_BEGIN
 * / DATA with a zlib stream (or FLASH_BEGIN / DATA with plain blocks), then SPI_FLASH_MD5 over what
 * was written. Pure functions: the flasher and the virtual ROM share them.
 */
import { deflateSync } from 'node:zlib';
import { encodeCommand, OP } from './esp-rom.ts';

/** The ROM's data block (esptool ESPLoader.FLASH_WRITE_SIZE); a stub takes 0x4000. */
export const ROM_BLOCK = 0x400;

/** The ROM's error codes in a failed response's second status byte (serial-protocol.rst). */
export const ROM_ERRORS = new Map<number, string>([
  [0x05, 'invalid message (the command is not allowed here)'],
  [0x06, 'failed to act on the message'],
  [0x07, 'invalid CRC in the message (a data checksum)'],
  [0x08, 'flash write error (the read back differed)'],
  [0x09, 'flash read error'],
  [0x0a, 'flash read length error'],
  [0x0b, 'deflate error (the compressed stream is broken)'],
]);

/** A data packet's checksum: 0xEF XOR every data byte (the 16-byte header is not covered). */
export function dataChecksum(data: Uint8Array): number {
  let sum = 0xef;
  for (const b of data) sum ^= b;
  return sum;
}

const words = (...values: number[]) => {
  const out = Buffer.alloc(values.length * 4);
  for (const [i, v] of values.entries()) out.writeUInt32LE(v >>> 0, i * 4);
  return out;
};

/**
 * SPI_ATTACH with the default pins: on a ROM, the hspi word then four more bytes (is_legacy and
 * three zeros); the ESP32 ROM does not enable the flash without it (esptool cmds.attach_flash).
 */
export const spiAttachCommand = () => encodeCommand(OP.SPI_ATTACH, Buffer.alloc(8));

/**
 * The ESP32 and ESP8266 ROMs take four words in FLASH_BEGIN and FLASH_DEFL_BEGIN; every later ROM a
 * fifth, "encrypted" (0 here: the flash encryption of the chip, if any, applies as it is).
 */
export type BeginWords = 4 | 5;

/** FLASH_BEGIN: erase `size` bytes at `offset`, then take plain blocks of ROM_BLOCK bytes. */
export function flashBeginCommand(size: number, offset: number, beginWords: BeginWords): Buffer {
  const blocks = Math.ceil(size / ROM_BLOCK);
  return encodeCommand(OP.FLASH_BEGIN, words(size, blocks, ROM_BLOCK, offset, ...(beginWords === 5 ? [0] : [])));
}

/**
 * FLASH_DEFL_BEGIN. On the ROM the first word is the uncompressed size rounded up to whole blocks
 * (the region it erases); a stub takes the exact size (esptool loader.flash_defl_begin).
 */
export function deflBeginCommand(size: number, compressedSize: number, offset: number, beginWords: BeginWords): Buffer {
  const erase = Math.ceil(size / ROM_BLOCK) * ROM_BLOCK;
  const blocks = Math.ceil(compressedSize / ROM_BLOCK);
  return encodeCommand(OP.FLASH_DEFL_BEGIN, words(erase, blocks, ROM_BLOCK, offset, ...(beginWords === 5 ? [0] : [])));
}

/** FLASH_DATA or FLASH_DEFL_DATA: `<len, seq, 0, 0>` then the block, its checksum in the header. */
export function dataCommand(op: typeof OP.FLASH_DATA | typeof OP.FLASH_DEFL_DATA, seq: number, block: Uint8Array) {
  return encodeCommand(op, Buffer.concat([words(block.length, seq, 0, 0), block]), dataChecksum(block));
}

/** A plain image cut into ROM blocks, the last padded with 0xFF (as esptool does). */
export function plainBlocks(image: Uint8Array): Buffer[] {
  const blocks: Buffer[] = [];
  for (let at = 0; at < image.length; at += ROM_BLOCK) {
    const block = Buffer.alloc(ROM_BLOCK, 0xff);
    block.set(image.subarray(at, at + ROM_BLOCK));
    blocks.push(block);
  }
  return blocks;
}

/**
 * An image compressed as esptool does (`zlib.compress(image, 9)`: a zlib stream with its header and
 * Adler-32, not raw deflate) and cut into ROM blocks; the last one is not padded.
 */
export function deflatedBlocks(image: Uint8Array): { compressedSize: number; blocks: Buffer[] } {
  const stream = deflateSync(image, { level: 9 });
  const blocks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += ROM_BLOCK) blocks.push(stream.subarray(at, at + ROM_BLOCK));
  return { compressedSize: stream.length, blocks };
}

/** SPI_FLASH_MD5 over `size` bytes at `offset`: `<addr, size, 0, 0>`. */
export const md5Command = (offset: number, size: number) => encodeCommand(OP.SPI_FLASH_MD5, words(offset, size, 0, 0));

/** The MD5 in a SPI_FLASH_MD5 reply, as hex: 32 ASCII hex characters from a ROM, 16 raw bytes from a stub. */
export function md5FromReply(data: Buffer): string | undefined {
  if (data.length === 32 && /^[0-9a-fA-F]{32}$/.test(data.toString('latin1')))
    return data.toString('latin1').toLowerCase();
  if (data.length === 16) return data.toString('hex');
  return undefined;
}

/**
 * How long to wait for an answer that depends on the size of the flash involved: esptool's
 * timeout_per_mb (40 s/MB to erase or write, 8 s/MB to hash), never under its default 3 s.
 */
export function deadlinePerMb(msPerMb: number, bytes: number): number {
  return Math.max(3000, Math.ceil((msPerMb * bytes) / 1e6));
}
export const ERASE_WRITE_MS_PER_MB = 40_000;
export const MD5_MS_PER_MB = 8_000;

/** The twin's side: the words of a BEGIN or DATA header. */
export function readWords(data: Buffer, count: number): number[] | undefined {
  if (data.length < count * 4) return undefined;
  return Array.from({ length: count }, (_, i) => data.readUInt32LE(i * 4));
}
