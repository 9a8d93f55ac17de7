/**
 * The ESP32 ROM serial loader's side of esptool's protocol, for the virtual board: SYNC answered
 * eight times, GET_SECURITY_INFO, READ_REG, and writing flash as the ROM does with no stub
 * (SPI_ATTACH, FLASH_BEGIN/DATA/END, FLASH_DEFL_BEGIN/DATA/END with a zlib stream, SPI_FLASH_MD5 in
 * ASCII hex). In Secure Download Mode only the plain flash commands are taken; READ_REG, the
 * compressed ones and MD5 are refused with error 0x05, as the ROM does (REFERENCE.md 2.2).
 */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { dataChecksum, ROM_BLOCK, readWords } from '../wire/esp-flash.ts';
import {
  CHIP_MAGIC_REG,
  decodeCommand,
  encodeResponse,
  encodeSecurityInfo,
  OP,
  ROM_INVALID_RECV_MSG,
  SECURE_DOWNLOAD_FLAG,
  SYNC_DATA,
} from '../wire/esp-rom.ts';
import { slipEncode } from '../wire/slip.ts';
import type { SpiFlash } from './spi-flash.ts';

/** The ESP32 chip-magic register's value (esptool's ESP32ROM.CHIP_DETECT_MAGIC_VALUE). */
const ESP32_MAGIC = 0x00f01d83;
/** What GET_SECURITY_INFO reports in Secure Download Mode: secure boot, secure download, JTAG soft-disabled. */
const SECURE_FLAGS = 0b1 | SECURE_DOWNLOAD_FLAG | (1 << 6);
/** ROM error codes (serial-protocol.rst): failed to act, bad data checksum, deflate error. */
const FAILED = 0x06;
const BAD_CHECKSUM = 0x07;
const DEFLATE_ERROR = 0x0b;
/** The most compressed data one write may bring: the whole chip's worth, never more. */
const MAX_STREAM = 4 * 1024 * 1024;

interface Write {
  compressed: boolean;
  offset: number;
  /** Bytes erased (and, for a plain write, taken). */
  size: number;
  blocks: number;
  seq: number;
  stream: Buffer[];
}

/** One session of the ROM loader (from a reset into download mode to the next reset). */
export class RomLoader {
  private attached = false;
  private write: Write | undefined;

  constructor(
    private readonly mode: 'open' | 'secure' | 'disabled',
    private readonly flash: SpiFlash,
    /** FLASH_END / FLASH_DEFL_END asked the ROM to leave: reboot (0) or run the application (1). */
    private readonly leave: () => void = () => undefined,
    /** The flaw flash-bit-flip: the first byte each write lands has a bit lost, as a worn cell does. */
    private readonly bitFlip = false,
  ) {}

  /** The SLIP frames the ROM sends in answer to one command packet. */
  reply(packet: Buffer): Buffer[] {
    const command = decodeCommand(packet);
    if (!command) return [];
    const { op, data } = command;
    const secure = this.mode === 'secure';
    const frame = (value: number, body: Buffer, status: number, error: number) =>
      slipEncode(encodeResponse(op, value, body, status, error));
    const ok = (body: Buffer = Buffer.alloc(0)) => [frame(0, body, 0, 0)];
    const error = (code: number) => [frame(0, Buffer.alloc(0), 1, code)];
    switch (op) {
      case OP.SYNC:
        if (!data.equals(SYNC_DATA)) return error(ROM_INVALID_RECV_MSG);
        return Array.from({ length: 8 }, () => frame(0x20120707, Buffer.alloc(0), 0, 0));
      case OP.GET_SECURITY_INFO:
        return ok(encodeSecurityInfo(secure ? SECURE_FLAGS : 0, secure ? 1 : 0, 0));
      case OP.READ_REG:
        if (secure || data.length !== 4) return error(ROM_INVALID_RECV_MSG);
        return [frame(data.readUInt32LE(0) === CHIP_MAGIC_REG ? ESP32_MAGIC : 0, Buffer.alloc(0), 0, 0)];
      case OP.SPI_ATTACH:
      case OP.SPI_SET_PARAMS:
        this.attached = true;
        return ok();
      case OP.FLASH_BEGIN:
      case OP.FLASH_DEFL_BEGIN:
        if (op === OP.FLASH_DEFL_BEGIN && secure) return error(ROM_INVALID_RECV_MSG);
        return this.begin(op === OP.FLASH_DEFL_BEGIN, data) ? ok() : error(FAILED);
      case OP.FLASH_DATA:
      case OP.FLASH_DEFL_DATA:
        if (op === OP.FLASH_DEFL_DATA && secure) return error(ROM_INVALID_RECV_MSG);
        return this.data(op === OP.FLASH_DEFL_DATA, data, command.checksum);
      case OP.FLASH_END:
      case OP.FLASH_DEFL_END:
        if (op === OP.FLASH_DEFL_END && secure) return error(ROM_INVALID_RECV_MSG);
        this.write = undefined;
        this.leave();
        return ok();
      case OP.SPI_FLASH_MD5: {
        const [offset, size] = readWords(data, 4) ?? [];
        if (secure || offset === undefined || size === undefined) return error(ROM_INVALID_RECV_MSG);
        if (!this.attached || !this.flash.holds(offset, size)) return error(FAILED);
        const md5 = createHash('md5').update(this.flash.read(offset, size)).digest('hex');
        return ok(Buffer.from(md5, 'latin1'));
      }
      default:
        return error(ROM_INVALID_RECV_MSG);
    }
  }

  /** BEGIN: the ROM erases the whole region before it answers. */
  private begin(compressed: boolean, data: Buffer): boolean {
    const [size, blocks, blockSize, offset] = readWords(data, 4) ?? [];
    if (size === undefined || blocks === undefined || offset === undefined || blockSize !== ROM_BLOCK) return false;
    if (
      !this.attached ||
      !this.flash.holds(offset, size) ||
      blocks * ROM_BLOCK > (compressed ? MAX_STREAM : size + ROM_BLOCK)
    )
      return false;
    this.flash.erase(offset, size);
    this.write = { compressed, offset, size, blocks, seq: 0, stream: [] };
    return true;
  }

  private data(compressed: boolean, data: Buffer, checksum: number): Buffer[] {
    const op = compressed ? OP.FLASH_DEFL_DATA : OP.FLASH_DATA;
    const answer = (error = 0) => [slipEncode(encodeResponse(op, 0, Buffer.alloc(0), error ? 1 : 0, error))];
    const [length, seq] = readWords(data, 4) ?? [];
    const block = data.subarray(16);
    const write = this.write;
    if (!write || write.compressed !== compressed || length !== block.length || seq !== write.seq)
      return answer(FAILED);
    if (dataChecksum(block) !== checksum) return answer(BAD_CHECKSUM);
    write.seq++;
    if (!compressed) {
      const at = seq * ROM_BLOCK;
      this.land(write.offset + at, block.subarray(0, Math.max(0, Math.min(block.length, write.size - at))));
      return answer();
    }
    write.stream.push(Buffer.from(block));
    if (write.seq < write.blocks) return answer();
    let image: Buffer;
    try {
      image = inflateSync(Buffer.concat(write.stream), { maxOutputLength: write.size });
    } catch {
      return answer(DEFLATE_ERROR);
    }
    this.land(write.offset, image);
    return answer();
  }

  private land(offset: number, data: Buffer): void {
    const landed = Buffer.from(data);
    if (this.bitFlip && landed.length > 0) landed[0]! &= 0xfe; // flash can only clear bits: one is cleared
    this.flash.write(offset, landed);
  }
}
