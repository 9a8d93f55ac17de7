/**
 * The `.bin` console record: every byte both ways, with when it crossed the wire.
 * Layout of one record (little-endian): u8 direction ('<' from board, '>' to board, '!' harness event),
 * u32 payload length, f64 milliseconds since the Unix epoch, then the payload.
 */
export type Direction = '<' | '>' | '!';
export const RECORD_HEADER_BYTES = 13;

export interface ConsoleRecord {
  direction: Direction;
  time: number;
  bytes: Buffer;
}

export function encodeRecord(direction: Direction, time: number, bytes: Uint8Array): Buffer {
  const header = Buffer.alloc(RECORD_HEADER_BYTES);
  header.writeUInt8(direction.charCodeAt(0), 0);
  header.writeUInt32LE(bytes.length, 1);
  header.writeDoubleLE(time, 5);
  return Buffer.concat([header, bytes]);
}

export function decodeRecords(data: Buffer): ConsoleRecord[] {
  const records: ConsoleRecord[] = [];
  let offset = 0;
  while (offset + RECORD_HEADER_BYTES <= data.length) {
    const direction = String.fromCharCode(data.readUInt8(offset));
    if (direction !== '<' && direction !== '>' && direction !== '!') {
      throw new Error(`console record at byte ${offset}: unknown direction 0x${data.readUInt8(offset).toString(16)}`);
    }
    const length = data.readUInt32LE(offset + 1);
    const time = data.readDoubleLE(offset + 5);
    const end = offset + RECORD_HEADER_BYTES + length;
    if (end > data.length) break; // a record cut short by a crash: keep what is whole
    records.push({ direction, time, bytes: data.subarray(offset + RECORD_HEADER_BYTES, end) });
    offset = end;
  }
  return records;
}
