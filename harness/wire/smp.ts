/**
 * mcumgr SMP (Zephyr doc/services/device_mgmt/smp_protocol.rst, smp_transport.rst; REFERENCE.md 4.3-4.5).
 *
 * A packet is an 8-byte big-endian header (op, flags, length, group, sequence, command id) and a
 * CBOR map. Over a serial console it travels as lines of at most 127 bytes ending in `\n`: the first
 * starts `06 09`, continuations `04 14`, then base64 of the stream [u16 BE length = packet + 2,
 * packet, u16 BE CRC-16/XMODEM of the packet]. Each line's base64 decodes on its own (Zephyr's
 * mcumgr_serial_decode_frag), so the host cuts the base64 at 124 characters (93 bytes).
 *
 * One codec, kept whole past 300 lines: header, serial framing, error names and the reply bodies'
 * fields are one protocol that the harness's client and the virtual servers share; about 60 of its
 * lines are the two error-name tables, one name a line as Zephyr's headers give them.
 */
import { decode as decodeCbor, encode as encodeCbor } from 'cborg';

export const FRAME_START = Buffer.from([0x06, 0x09]);
export const FRAME_CONTINUE = Buffer.from([0x04, 0x14]);
/** Longest serial frame, marker and newline included (MCUMGR_SERIAL_MAX_FRAME). */
export const MAX_FRAME = 127;
const BASE64_PER_FRAME = MAX_FRAME - 3;
/** The largest packet accepted from a device: far above any SMP reply, small enough to bound memory. */
export const MAX_PACKET = 8192;

/** What the serial stream adds to a packet in the device's buffer: the u16 length before it, the CRC after. */
export const SERIAL_OVERHEAD = 4;

export const OP = { READ: 0, READ_RSP: 1, WRITE: 2, WRITE_RSP: 3 } as const;
/** The header's version field of SMPv2 (errors as `{"err": {"group", "rc"}}`); 0 is the original protocol. */
export const SMP_V2 = 1;
export const GROUP = { OS: 0, IMAGE: 1 } as const;
/** os_mgmt: echo, reset, and the MCUmgr parameters (`{"buf_size", "buf_count"}`, the device's receive buffers). */
export const OS_CMD = { ECHO: 0, RESET: 5, MCUMGR_PARAMS: 6 } as const;
export const IMAGE_CMD = { STATE: 0, UPLOAD: 1, ERASE: 5 } as const;

export interface SmpHeader {
  op: number;
  /** 0 for the original protocol, 1 for SMPv2. */
  version: number;
  flags: number;
  length: number;
  group: number;
  sequence: number;
  id: number;
}

export interface SmpPacket {
  header: SmpHeader;
  body: Record<string, unknown>;
}

export type SmpErrorCode =
  | 'bad-marker'
  | 'bad-base64'
  | 'bad-crc'
  | 'bad-length'
  | 'oversized'
  | 'truncated'
  | 'stray-continuation'
  | 'short-header'
  | 'bad-cbor';

export class SmpFrameError extends Error {
  constructor(
    readonly code: SmpErrorCode,
    message: string,
  ) {
    super(`SMP ${code}: ${message}`);
  }
}

/** CRC-16/XMODEM: poly 0x1021, init 0, no reflection, no final xor (check value of "123456789" is 0x31c3). */
export function crc16xmodem(bytes: Uint8Array, crc = 0): number {
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function encodePacket(
  fields: Omit<SmpHeader, 'length' | 'flags' | 'version'> & { version?: number },
  body: Record<string, unknown>,
): Buffer {
  const data = Buffer.from(encodeCbor(body));
  const header = Buffer.alloc(8);
  header.writeUInt8(((fields.version ?? 0) << 3) | (fields.op & 0x7), 0);
  header.writeUInt16BE(data.length, 2);
  header.writeUInt16BE(fields.group, 4);
  header.writeUInt8(fields.sequence & 0xff, 6);
  header.writeUInt8(fields.id, 7);
  return Buffer.concat([header, data]);
}

export function decodePacket(packet: Buffer): SmpPacket {
  if (packet.length < 8) throw new SmpFrameError('short-header', `${packet.length} bytes, a header is 8`);
  const header: SmpHeader = {
    op: packet[0]! & 0x7,
    version: (packet[0]! >> 3) & 0x3,
    flags: packet[1]!,
    length: packet.readUInt16BE(2),
    group: packet.readUInt16BE(4),
    sequence: packet[6]!,
    id: packet[7]!,
  };
  if (header.length !== packet.length - 8)
    throw new SmpFrameError('bad-length', `header says ${header.length} bytes of CBOR, ${packet.length - 8} came`);
  let body: unknown;
  try {
    body = header.length === 0 ? {} : decodeCbor(packet.subarray(8), { useMaps: false, rejectDuplicateMapKeys: true });
  } catch (error) {
    throw new SmpFrameError('bad-cbor', (error as Error).message);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new SmpFrameError('bad-cbor', 'the body is not a CBOR map');
  return { header, body: body as Record<string, unknown> };
}

/** The console lines (each ending `\n`) that carry one packet. */
export function encodeFrames(packet: Buffer): Buffer[] {
  const stream = Buffer.alloc(packet.length + 4);
  stream.writeUInt16BE(packet.length + 2, 0);
  packet.copy(stream, 2);
  stream.writeUInt16BE(crc16xmodem(packet), packet.length + 2);
  const text = stream.toString('base64');
  const frames: Buffer[] = [];
  for (let at = 0; at < text.length; at += BASE64_PER_FRAME) {
    const marker = at === 0 ? FRAME_START : FRAME_CONTINUE;
    frames.push(
      Buffer.concat([marker, Buffer.from(text.slice(at, at + BASE64_PER_FRAME), 'latin1'), Buffer.from('\n')]),
    );
  }
  return frames;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reassembles packets from console lines (a line is what came before a `\n`, `\r` already
 * removed or not). A line that starts with neither marker is not SMP and is returned as such; the
 * text before a marker on the same line is log output. Memory is bounded by MAX_PACKET.
 */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private expected = 0;
  private received = 0;
  /**
   * The packet the newest push gave up on, because a new one started before it was complete (a
   * frame of it lost, or a log line inside it); the new one is decoded as usual.
   */
  dropped: SmpFrameError | undefined;

  /** Whether a line carries an SMP frame (its marker, after any log text on the same line). */
  static markerAt(line: string): number {
    const start = line.indexOf('\x06\x09');
    const next = line.indexOf('\x04\x14');
    if (start === -1) return next;
    return next === -1 ? start : Math.min(start, next);
  }

  /** A whole packet once its last frame arrived; undefined while more frames are due. Throws SmpFrameError. */
  push(frame: string): Buffer | undefined {
    this.dropped = undefined;
    const marker = frame.slice(0, 2);
    const text = frame.slice(2).replace(/\r$/, '');
    if (marker === '\x06\x09') {
      if (this.pending.length > 0) {
        this.reset();
        this.dropped = new SmpFrameError('truncated', 'a new packet started before the last one was complete');
      }
      this.pushStart(text);
    } else if (marker === '\x04\x14') {
      if (this.pending.length === 0)
        throw new SmpFrameError('stray-continuation', 'a continuation frame with no packet started');
      this.pending.push(this.decode(text));
      this.received += this.pending.at(-1)!.length;
    } else {
      throw new SmpFrameError(
        'bad-marker',
        `a frame must start 06 09 or 04 14, not ${Buffer.from(marker, 'latin1').toString('hex')}`,
      );
    }
    if (this.received > this.expected + 2) {
      this.reset();
      throw new SmpFrameError('bad-length', 'more bytes came than the length field announced');
    }
    if (this.received < this.expected + 2) return undefined;
    const stream = Buffer.concat(this.pending);
    this.reset();
    const packet = stream.subarray(2, stream.length - 2);
    if (crc16xmodem(stream.subarray(2)) !== 0)
      throw new SmpFrameError('bad-crc', `CRC 0x${stream.readUInt16BE(stream.length - 2).toString(16)} does not match`);
    return Buffer.from(packet);
  }

  private pushStart(text: string): void {
    const first = this.decode(text);
    if (first.length < 2) throw new SmpFrameError('truncated', 'the first frame has no length field');
    const length = first.readUInt16BE(0);
    if (length < 2) throw new SmpFrameError('bad-length', `length ${length} leaves no room for the CRC`);
    if (length > MAX_PACKET + 2) throw new SmpFrameError('oversized', `length ${length} > ${MAX_PACKET + 2}`);
    this.expected = length;
    this.pending = [first];
    this.received = first.length;
  }

  private decode(text: string): Buffer {
    if (text.length > BASE64_PER_FRAME || text.length % 4 !== 0 || !BASE64.test(text)) {
      this.reset();
      throw new SmpFrameError('bad-base64', `${JSON.stringify(text.slice(0, 40))} is not a frame's base64`);
    }
    return Buffer.from(text, 'base64');
  }

  private reset(): void {
    this.pending = [];
    this.expected = 0;
    this.received = 0;
  }
}

/** mcumgr_err_t names (the `rc` of an SMPv1 reply). */
export const MGMT_ERRORS = [
  'EOK',
  'EUNKNOWN',
  'ENOMEM',
  'EINVAL',
  'ETIMEOUT',
  'ENOENT',
  'EBADSTATE',
  'EMSGSIZE',
  'ENOTSUP',
  'ECORRUPT',
  'EBUSY',
  'EACCESSDENIED',
  'UNSUPPORTED_TOO_OLD',
  'UNSUPPORTED_TOO_NEW',
] as const;

/** img_mgmt's group error codes (SMPv2 `err.rc` with group 1; enum img_mgmt_err_code_t, Zephyr img_mgmt.h). */
export const IMAGE_ERRORS = [
  'OK',
  'UNKNOWN',
  'FLASH_CONFIG_QUERY_FAIL',
  'NO_IMAGE',
  'NO_TLVS',
  'INVALID_TLV',
  'TLV_MULTIPLE_HASHES_FOUND',
  'TLV_INVALID_SIZE',
  'HASH_NOT_FOUND',
  'NO_FREE_SLOT',
  'FLASH_OPEN_FAILED',
  'FLASH_READ_FAILED',
  'FLASH_WRITE_FAILED',
  'FLASH_ERASE_FAILED',
  'INVALID_SLOT',
  'NO_FREE_MEMORY',
  'FLASH_CONTEXT_ALREADY_SET',
  'FLASH_CONTEXT_NOT_SET',
  'FLASH_AREA_DEVICE_NULL',
  'INVALID_PAGE_OFFSET',
  'INVALID_OFFSET',
  'INVALID_LENGTH',
  'INVALID_IMAGE_HEADER',
  'INVALID_IMAGE_HEADER_MAGIC',
  'INVALID_HASH',
  'INVALID_FLASH_ADDRESS',
  'VERSION_GET_FAILED',
  'CURRENT_VERSION_IS_NEWER',
  'IMAGE_ALREADY_PENDING',
  'INVALID_IMAGE_VECTOR_TABLE',
  'INVALID_IMAGE_TOO_LARGE',
  'INVALID_IMAGE_DATA_OVERRUN',
  'IMAGE_CONFIRMATION_DENIED',
  'IMAGE_SETTING_TEST_TO_ACTIVE_DENIED',
  'ACTIVE_SLOT_NOT_KNOWN',
] as const;

/** A device's error in a reply body, named; undefined when the reply is a success. */
export function replyError(body: Record<string, unknown>): { code: number; name: string; reason?: string } | undefined {
  const err = body.err as { group?: unknown; rc?: unknown } | undefined;
  if (err && typeof err === 'object' && typeof err.rc === 'number' && err.rc !== 0) {
    // A group's own codes: img_mgmt's are named; another group's are not mcumgr_err_t values.
    const named = err.group === GROUP.IMAGE ? (IMAGE_ERRORS as readonly string[])[err.rc] : undefined;
    return { code: err.rc, name: named ?? `group ${String(err.group)} error ${err.rc}` };
  }
  if (typeof body.rc === 'number' && body.rc !== 0) {
    const reason = typeof body.rsn === 'string' ? body.rsn.slice(0, 200) : undefined;
    return { code: body.rc, name: MGMT_ERRORS[body.rc] ?? `error ${body.rc}`, ...(reason ? { reason } : {}) };
  }
  return undefined;
}

/** The device's receive buffers, from its MCUmgr parameters reply; undefined when the reply has none. */
export function mcumgrParams(body: Record<string, unknown>): { bufSize: number; bufCount: number } | undefined {
  const { buf_size: bufSize, buf_count: bufCount } = body;
  if (typeof bufSize !== 'number' || !Number.isInteger(bufSize) || bufSize <= 0) return undefined;
  return { bufSize, bufCount: typeof bufCount === 'number' ? bufCount : 1 };
}

/**
 * The most image bytes an upload request with these other fields (`off`, and on the first chunk
 * `len`, `sha`, `upgrade`) can carry when the device's buffer holds `bufSize` bytes: the packet
 * (header and CBOR) and the serial stream's length and CRC must fit in it. Zephyr drops a larger
 * packet without a word.
 */
export function fitData(bufSize: number, fields: Record<string, unknown>): number {
  const size = (n: number) =>
    encodePacket(
      { op: OP.WRITE, group: GROUP.IMAGE, sequence: 0, id: IMAGE_CMD.UPLOAD },
      { ...fields, data: new Uint8Array(n) },
    ).length + SERIAL_OVERHEAD;
  // The CBOR byte string's own header grows with its length (1, 2 or 3 bytes here): step down to fit.
  let n = Math.max(0, bufSize - size(0));
  while (n > 0 && size(n) > bufSize) n--;
  return n;
}
