/**
 * Espressif ROM serial loader packets (esptool's serial protocol; REFERENCE.md 2.2). A command is
 * `00 op size16 checksum32 data`; a response is `01 op size16 value32 data`, the data ending in the
 * status bytes: 4 on the ESP32-family ROMs (status, error, 0, 0), 2 on the ESP8266 ROM and the stub.
 */
export const OP = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  SYNC: 0x08,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
} as const;

/** SYNC's payload: 07 07 12 20 then 32 x 0x55. */
export const SYNC_DATA = Buffer.concat([Buffer.from([0x07, 0x07, 0x12, 0x20]), Buffer.alloc(32, 0x55)]);

/** The ESP32 chip-magic register and its value (esptool's ESP32ROM.CHIP_DETECT_MAGIC_VALUE). */
export const CHIP_MAGIC_REG = 0x40001000;

/** Error code a ROM in Secure Download Mode gives for a refused command. */
export const ROM_INVALID_RECV_MSG = 0x05;

export function encodeCommand(op: number, data: Uint8Array = Buffer.alloc(0), checksum = 0): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt8(0x00, 0);
  header.writeUInt8(op, 1);
  header.writeUInt16LE(data.length, 2);
  header.writeUInt32LE(checksum, 4);
  return Buffer.concat([header, data]);
}

export function readRegCommand(address: number): Buffer {
  const data = Buffer.alloc(4);
  data.writeUInt32LE(address, 0);
  return encodeCommand(OP.READ_REG, data);
}

/** A command as the ROM reads it (the twin's side of encodeCommand). */
export function decodeCommand(packet: Buffer): { op: number; checksum: number; data: Buffer } | undefined {
  if (packet.length < 8 || packet[0] !== 0x00) return undefined;
  const size = packet.readUInt16LE(2);
  if (packet.length < 8 + size) return undefined;
  return { op: packet[1]!, checksum: packet.readUInt32LE(4), data: packet.subarray(8, 8 + size) };
}

export interface RomResponse {
  op: number;
  value: number;
  data: Buffer;
  status: number;
  error: number;
}

export function decodeResponse(packet: Buffer, statusBytes: 2 | 4 = 4): RomResponse | undefined {
  if (packet.length < 8 || packet[0] !== 0x01) return undefined;
  const size = packet.readUInt16LE(2);
  const body = packet.subarray(8, 8 + size);
  if (body.length < statusBytes) return undefined;
  const status = body.subarray(body.length - statusBytes);
  return {
    op: packet[1]!,
    value: packet.readUInt32LE(4),
    data: body.subarray(0, body.length - statusBytes),
    status: status[0]!,
    error: status[1]!,
  };
}

export function encodeResponse(op: number, value: number, data: Uint8Array, status: number, error: number): Buffer {
  const body = Buffer.concat([data, Buffer.from([status, error, 0, 0])]);
  const header = Buffer.alloc(8);
  header.writeUInt8(0x01, 0);
  header.writeUInt8(op, 1);
  header.writeUInt16LE(body.length, 2);
  header.writeUInt32LE(value >>> 0, 4);
  return Buffer.concat([header, body]);
}

/** GET_SECURITY_INFO's flag bits, the same on every ROM that has the command. */
const SECURITY_FLAGS = [
  'SECURE_BOOT_EN',
  'SECURE_BOOT_AGGRESSIVE_REVOKE',
  'SECURE_DOWNLOAD_ENABLE',
  'SECURE_BOOT_KEY_REVOKE0',
  'SECURE_BOOT_KEY_REVOKE1',
  'SECURE_BOOT_KEY_REVOKE2',
  'SOFT_DIS_JTAG',
  'HARD_DIS_JTAG',
  'DIS_USB',
  'DIS_DOWNLOAD_DCACHE',
  'DIS_DOWNLOAD_ICACHE',
] as const;

export interface SecurityInfo {
  flags: number;
  set: string[];
  flashCryptCnt: number;
  keyPurposes: number[];
  chipId?: number;
  apiVersion?: number;
}

/** `<I flags><B flash_crypt_cnt><7B key_purposes>[<I chip_id><I api_version>]` (12 or 20 bytes). */
export function decodeSecurityInfo(data: Buffer): SecurityInfo | undefined {
  if (data.length < 12) return undefined;
  const flags = data.readUInt32LE(0);
  return {
    flags,
    set: SECURITY_FLAGS.filter((_, bit) => (flags & (1 << bit)) !== 0),
    flashCryptCnt: data[4]!,
    keyPurposes: [...data.subarray(5, 12)],
    ...(data.length >= 20 ? { chipId: data.readUInt32LE(12), apiVersion: data.readUInt32LE(16) } : {}),
  };
}

export function encodeSecurityInfo(flags: number, flashCryptCnt: number, chipId: number): Buffer {
  const data = Buffer.alloc(20);
  data.writeUInt32LE(flags, 0);
  data.writeUInt8(flashCryptCnt, 4);
  data.writeUInt32LE(chipId, 12);
  data.writeUInt32LE(1, 16);
  return data;
}

export const SECURE_DOWNLOAD_FLAG = 1 << 2;

/**
 * The ROM's banner after a reset: the reset cause and the boot mode it read from the strapping pins,
 * `rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))` on the ESP32,
 * `rst:0x1 (POWERON),boot:0x5 (DOWNLOAD(USB/UART0/1))` on the C3 (REFERENCE.md 2.2).
 */
export const ROM_BANNER = /rst:0x[0-9a-f]+ \(\w+\),boot:0x[0-9a-f]+ \(([^)]*\)?)\)/;
/** A download boot mode in the banner: the strap reached GPIO0. */
export const DOWNLOAD_BOOT_MODE = /DOWNLOAD/;
/** What the ROM prints once it is listening for the loader protocol. */
export const WAITING_FOR_DOWNLOAD = /waiting for download/;
