/**
 * The ESP32 ROM serial loader's side of esptool's protocol, for the virtual board: SYNC answered
 * eight times, GET_SECURITY_INFO, READ_REG; in Secure Download Mode every command that reads or runs
 * anything is refused with error 0x05, as the ROM does (REFERENCE.md 2.2).
 */
import {
  CHIP_MAGIC_REG,
  encodeResponse,
  encodeSecurityInfo,
  OP,
  ROM_INVALID_RECV_MSG,
  SECURE_DOWNLOAD_FLAG,
  SYNC_DATA,
} from '../wire/esp-rom.ts';
import { slipEncode } from '../wire/slip.ts';

/** The ESP32 chip-magic register's value (esptool's ESP32ROM.CHIP_DETECT_MAGIC_VALUE). */
const ESP32_MAGIC = 0x00f01d83;
/** What GET_SECURITY_INFO reports in Secure Download Mode: secure boot, secure download, JTAG soft-disabled. */
const SECURE_FLAGS = 0b1 | SECURE_DOWNLOAD_FLAG | (1 << 6);

/** The SLIP frames the ROM sends in answer to one command packet. */
export function romReply(packet: Buffer, mode: 'open' | 'secure' | 'disabled'): Buffer[] {
  if (packet.length < 8 || packet[0] !== 0x00) return [];
  const op = packet[1]!;
  const data = packet.subarray(8, 8 + packet.readUInt16LE(2));
  const secure = mode === 'secure';
  const frame = (value: number, body: Buffer, status: number, error: number) =>
    slipEncode(encodeResponse(op, value, body, status, error));
  const refuse = () => [frame(0, Buffer.alloc(0), 1, ROM_INVALID_RECV_MSG)];
  switch (op) {
    case OP.SYNC:
      if (!data.equals(SYNC_DATA)) return refuse();
      return Array.from({ length: 8 }, () => frame(0x20120707, Buffer.alloc(0), 0, 0));
    case OP.GET_SECURITY_INFO:
      return [frame(0, encodeSecurityInfo(secure ? SECURE_FLAGS : 0, secure ? 1 : 0, 0), 0, 0)];
    case OP.READ_REG:
      if (secure || data.length !== 4) return refuse();
      return [frame(data.readUInt32LE(0) === CHIP_MAGIC_REG ? ESP32_MAGIC : 0, Buffer.alloc(0), 0, 0)];
    default:
      return refuse();
  }
}
