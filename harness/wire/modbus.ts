/**
 * Modbus RTU (Modbus over Serial Line V1.02; application protocol V1.1b3): a frame is the unit
 * address, the function code, its data and a CRC-16/MODBUS sent low byte first. Functions used:
 * 0x03 Read Holding Registers (address, count <= 125) and 0x06 Write Single Register (address,
 * value; the device echoes the request). An exception reply sets bit 7 of the function code and
 * carries one exception code.
 */

export const READ_HOLDING = 0x03;
export const WRITE_SINGLE = 0x06;
/** Modbus Application Protocol 6.3: at most 125 registers in one read. */
export const MAX_READ = 125;

export const EXCEPTIONS: Record<number, string> = {
  1: 'ILLEGAL FUNCTION',
  2: 'ILLEGAL DATA ADDRESS',
  3: 'ILLEGAL DATA VALUE',
  4: 'SERVER DEVICE FAILURE',
  6: 'SERVER DEVICE BUSY',
};

export class ModbusError extends Error {
  constructor(
    message: string,
    /** The device's exception code, when it answered with one. */
    readonly exception?: number,
  ) {
    super(message);
  }
}

/** CRC-16/MODBUS: reflected polynomial 0xA001, initial value 0xFFFF. */
export function crc16Modbus(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

function withCrc(body: number[]): Buffer {
  const crc = crc16Modbus(Uint8Array.from(body));
  return Buffer.from([...body, crc & 0xff, crc >>> 8]);
}

const word = (n: number) => [(n >>> 8) & 0xff, n & 0xff];

function checkWord(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new ModbusError(`${what} ${n} is not a 16-bit register value`);
}

export function readHoldingRequest(unit: number, address: number, count: number): Buffer {
  checkWord('address', address);
  if (!Number.isInteger(count) || count < 1 || count > MAX_READ)
    throw new ModbusError(`${count} registers: a read takes 1 to ${MAX_READ}`);
  return withCrc([unit, READ_HOLDING, ...word(address), ...word(count)]);
}

export function writeSingleRequest(unit: number, address: number, value: number): Buffer {
  checkWord('address', address);
  checkWord('value', value);
  return withCrc([unit, WRITE_SINGLE, ...word(address), ...word(value)]);
}

export function exceptionReply(unit: number, fn: number, code: number): Buffer {
  return withCrc([unit, fn | 0x80, code]);
}

export function readHoldingReply(unit: number, values: number[]): Buffer {
  return withCrc([unit, READ_HOLDING, values.length * 2, ...values.flatMap(word)]);
}

/** How long the reply to `request` is, once its first bytes are in (an exception is 5 bytes). */
export function replyLength(request: Buffer, received: Buffer): number | undefined {
  if (received.length < 2) return undefined;
  if (received[1]! & 0x80) return 5;
  if (request[1] === READ_HOLDING) return 5 + 2 * request.readUInt16BE(4);
  return 8;
}

function checkFrame(frame: Buffer): void {
  if (frame.length < 4) throw new ModbusError(`a ${frame.length}-byte frame is shorter than any reply`);
  const crc = crc16Modbus(frame.subarray(0, -2));
  if (frame.readUInt16LE(frame.length - 2) !== crc)
    throw new ModbusError(
      `bad CRC: 0x${frame.readUInt16LE(frame.length - 2).toString(16)}, computed 0x${crc.toString(16)}`,
    );
}

/** The registers a device read back, or its exception, as an error naming it. */
export function parseReply(request: Buffer, reply: Buffer): number[] {
  checkFrame(reply);
  if (reply[0] !== request[0]) throw new ModbusError(`reply from unit ${reply[0]}, asked unit ${request[0]}`);
  const fn = reply[1]!;
  if (fn === (request[1]! | 0x80)) {
    const code = reply[2]!;
    throw new ModbusError(`exception ${code} (${EXCEPTIONS[code] ?? 'unknown'})`, code);
  }
  if (fn !== request[1]) throw new ModbusError(`reply to function ${fn}, asked function ${request[1]}`);
  if (fn === WRITE_SINGLE) {
    if (!reply.subarray(0, 6).equals(request.subarray(0, 6)))
      throw new ModbusError(`write not echoed: ${reply.toString('hex')} for ${request.toString('hex')}`);
    return [reply.readUInt16BE(4)];
  }
  const count = request.readUInt16BE(4);
  if (reply[2] !== count * 2 || reply.length !== 5 + count * 2)
    throw new ModbusError(`${reply[2]} data bytes for ${count} registers`);
  return Array.from({ length: count }, (_, i) => reply.readUInt16BE(3 + 2 * i));
}

export type Request =
  | { unit: number; fn: typeof READ_HOLDING; address: number; count: number }
  | { unit: number; fn: typeof WRITE_SINGLE; address: number; value: number }
  | { unit: number; fn: number; unsupported: true };

/**
 * The next request in a device's input, as a server reads it: undefined until a whole frame is in;
 * a frame with a bad CRC is dropped unanswered (Modbus over Serial Line 2.4.1), as is its byte.
 */
export function takeRequest(input: Buffer): { request?: Request; rest: Buffer } {
  if (input.length < 8) return { rest: input };
  const frame = input.subarray(0, 8);
  if (crc16Modbus(frame.subarray(0, 6)) !== frame.readUInt16LE(6)) return { rest: input.subarray(1) };
  const unit = frame[0]!;
  const fn = frame[1]!;
  const rest = input.subarray(8);
  if (fn === READ_HOLDING)
    return { request: { unit, fn, address: frame.readUInt16BE(2), count: frame.readUInt16BE(4) }, rest };
  if (fn === WRITE_SINGLE)
    return { request: { unit, fn, address: frame.readUInt16BE(2), value: frame.readUInt16BE(4) }, rest };
  return { request: { unit, fn, unsupported: true }, rest };
}
