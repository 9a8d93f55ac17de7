/**
 * The STM32 system-memory bootloader's USART protocol (ST AN3155): 0x7F to synchronise; every
 * command byte followed by its complement; ACK 0x79, NACK 0x1F; an address as four big-endian bytes
 * and their XOR; a length as N-1 and its complement; a data block as N-1, the N bytes and the XOR of
 * them all with N-1.
 */
export const SYNC = 0x7f;
export const ACK = 0x79;
export const NACK = 0x1f;

export const CMD = {
  GET: 0x00,
  GET_VERSION: 0x01,
  GET_ID: 0x02,
  READ_MEMORY: 0x11,
  GO: 0x21,
  WRITE_MEMORY: 0x31,
  ERASE: 0x43,
  EXTENDED_ERASE: 0x44,
  /** Never sent by the harness: it mass-erases the chip. */
  READOUT_UNPROTECT: 0x92,
} as const;

export function commandBytes(command: number): Buffer {
  return Buffer.from([command, command ^ 0xff]);
}

export function addressBytes(address: number): Buffer {
  const bytes = Buffer.alloc(5);
  bytes.writeUInt32BE(address >>> 0, 0);
  bytes[4] = bytes[0]! ^ bytes[1]! ^ bytes[2]! ^ bytes[3]!;
  return bytes;
}

/** How many bytes to read (1..256), as N-1 and its complement. */
export function lengthBytes(count: number): Buffer {
  if (count < 1 || count > 256) throw new Error(`AN3155 reads 1 to 256 bytes, not ${count}`);
  return Buffer.from([count - 1, (count - 1) ^ 0xff]);
}

export function isValidCommand(bytes: Uint8Array): boolean {
  return bytes.length === 2 && (bytes[0]! ^ bytes[1]!) === 0xff;
}

export function isValidAddress(bytes: Uint8Array): boolean {
  return bytes.length === 5 && (bytes[0]! ^ bytes[1]! ^ bytes[2]! ^ bytes[3]!) === bytes[4];
}

/** The Get reply after its ACK: N, version, N command codes, ACK. */
export function decodeGet(reply: Buffer): { version: string; commands: number[] } | undefined {
  if (reply.length < 2) return undefined;
  const count = reply[0]!; // number of bytes that follow minus 1
  if (reply.length < count + 3 || reply[count + 2] !== ACK) return undefined;
  const version = reply[1]!;
  return { version: `${version >> 4}.${version & 0xf}`, commands: [...reply.subarray(2, count + 2)] };
}

/** Write Memory's block: N-1, N bytes (1..256, a multiple of 4 on most parts), the XOR of N-1 and them. */
export function writeBlockBytes(data: Uint8Array): Buffer {
  if (data.length < 1 || data.length > 256) throw new Error(`AN3155 writes 1 to 256 bytes, not ${data.length}`);
  let xor = data.length - 1;
  for (const b of data) xor ^= b;
  return Buffer.from([data.length - 1, ...data, xor]);
}

/** Whether a received Write Memory block (N-1, N bytes, checksum) is whole and its checksum holds. */
export function writeBlockData(bytes: Uint8Array): Buffer | undefined {
  if (bytes.length < 3 || bytes.length !== bytes[0]! + 3) return undefined;
  let xor = 0;
  for (const b of bytes.subarray(0, -1)) xor ^= b;
  return xor === bytes.at(-1) ? Buffer.from(bytes.subarray(1, -1)) : undefined;
}

/** Extended Erase's special codes (two bytes, MSB first, then their XOR). */
export const MASS_ERASE = 0xffff;

/** Extended Erase of the given pages: N-1 and each page number as two bytes, MSB first, then the XOR of all. */
export function extendedEraseBytes(pages: number[] | typeof MASS_ERASE): Buffer {
  const words = pages === MASS_ERASE ? [MASS_ERASE] : [pages.length - 1, ...pages];
  if (pages !== MASS_ERASE && (pages.length < 1 || pages.length > 512))
    throw new Error(`an Extended Erase names 1 to 512 pages, not ${pages.length}`);
  const bytes = Buffer.alloc(words.length * 2 + 1);
  for (const [i, w] of words.entries()) bytes.writeUInt16BE(w, i * 2);
  bytes[bytes.length - 1] = bytes.subarray(0, -1).reduce((x, b) => x ^ b, 0);
  return bytes;
}

/** The twin's side of extendedEraseBytes: how many bytes the request takes, seen from its first two. */
export function extendedEraseLength(first: number): number {
  return first >= 0xfff0 ? 3 : (first + 1) * 2 + 3;
}

/** The pages an Extended Erase names (or MASS_ERASE), if its checksum holds. */
export function decodeExtendedErase(bytes: Uint8Array): number[] | typeof MASS_ERASE | undefined {
  if (bytes.at(-1) !== bytes.subarray(0, -1).reduce((x, b) => x ^ b, 0)) return undefined;
  const buffer = Buffer.from(bytes);
  const first = buffer.readUInt16BE(0);
  if (first === MASS_ERASE) return MASS_ERASE;
  if (first >= 0xfff0) return undefined;
  return Array.from({ length: first + 1 }, (_, i) => buffer.readUInt16BE(2 + i * 2));
}
