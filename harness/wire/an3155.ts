/**
 * The STM32 system-memory bootloader's USART protocol (ST AN3155): 0x7F to synchronise; every
 * command byte followed by its complement; ACK 0x79, NACK 0x1F; an address as four big-endian bytes
 * and their XOR; a length as N-1 and its complement.
 */
export const SYNC = 0x7f;
export const ACK = 0x79;
export const NACK = 0x1f;

export const CMD = {
  GET: 0x00,
  GET_VERSION: 0x01,
  GET_ID: 0x02,
  READ_MEMORY: 0x11,
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
