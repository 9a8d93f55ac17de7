/**
 * ESP-IDF application images (esp-idf components/bootloader_support/include/esp_app_format.h,
 * esp_image_format.h; REFERENCE.md 2.3): a 24-byte header (magic 0xE9, segment count, flash
 * settings, entry, chip id, hash_appended), segments of {load address, length, data}, zero padding
 * to a checksum byte at offset 15 mod 16 (0xEF xor every segment byte), the SHA-256 of all that
 * when hash_appended is set; the first segment starts with `esp_app_desc_t` (magic 0xABCD5432,
 * secure_version, version[32], project_name[32], ...). Secure Boot V2 appends, at the next 4 KiB
 * boundary, a 1216-byte signature block (magic 0xE7, version 2, the image's SHA-256, the RSA-3072
 * key as n, e, rinv, m' little-endian, an RSA-PSS SHA-256 salt-32 signature, CRC-32), padded with
 * 0xFF to 4 KiB. The eFuse holds the SHA-256 of the key part (776 bytes).
 */
import { constants, createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const ESP_IMAGE_MAGIC = 0xe9;
export const APP_DESC_MAGIC = 0xabcd5432;
const HEADER = 24;
const SEGMENT_HEADER = 8;
const APP_DESC = 256;
const SECTOR = 4096;
export const SIG_BLOCK = 1216;
const KEY_BYTES = 384;
const KEY_BLOCK = 2 * KEY_BYTES + 8;
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };

export interface AppDescription {
  secureVersion: number;
  version: string;
  projectName: string;
  idfVersion: string;
}

export interface EspSignature {
  imageDigest: Buffer;
  /** SHA-256 of the key part: what the eFuse holds for a trusted key. */
  keyDigest: Buffer;
  publicKey: KeyObject;
  signature: Buffer;
  crcValid: boolean;
}

export interface ParsedEspImage {
  app: AppDescription;
  segments: { loadAddr: number; data: Buffer }[];
  /** The appended SHA-256, and whether it matches the image before it. */
  hash: Buffer | undefined;
  hashValid: boolean;
  checksumValid: boolean;
  /** Image bytes up to and including the SHA-256 (what the signature's padding starts after). */
  imageLength: number;
  signature: EspSignature | undefined;
}

export class EspImageFormatError extends Error {
  override name = 'EspImageFormatError';
  constructor(message: string) {
    super(`ESP image: ${message}`);
  }
}

const cString = (bytes: Buffer) => {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('latin1');
};

function field(text: string, size: number, what: string): Buffer {
  const bytes = Buffer.alloc(size);
  if (Buffer.byteLength(text, 'latin1') >= size)
    throw new EspImageFormatError(`${what} "${text}" is over ${size - 1} bytes`);
  bytes.write(text, 'latin1');
  return bytes;
}

export function encodeAppDescription(app: AppDescription): Buffer {
  const b = Buffer.alloc(APP_DESC);
  b.writeUInt32LE(APP_DESC_MAGIC, 0);
  b.writeUInt32LE(app.secureVersion >>> 0, 4);
  field(app.version, 32, 'version').copy(b, 16);
  field(app.projectName, 32, 'project name').copy(b, 48);
  field(app.idfVersion, 32, 'IDF version').copy(b, 112);
  return b;
}

export function parseAppDescription(bytes: Buffer): AppDescription {
  if (bytes.length < APP_DESC) throw new EspImageFormatError('the first segment is shorter than esp_app_desc_t');
  const magic = bytes.readUInt32LE(0);
  if (magic !== APP_DESC_MAGIC) throw new EspImageFormatError(`app description magic 0x${magic.toString(16)}`);
  return {
    secureVersion: bytes.readUInt32LE(4),
    version: cString(bytes.subarray(16, 48)),
    projectName: cString(bytes.subarray(48, 80)),
    idfVersion: cString(bytes.subarray(112, 144)),
  };
}

/**
 * An unsigned image: header, the segments (the first begins with the app description), checksum,
 * SHA-256. `template` is a header to keep (flash settings, entry, chip id) when rebuilding one.
 */
export function buildEspImage(segments: { loadAddr: number; data: Buffer }[], template?: Buffer): Buffer {
  const header = template ? Buffer.from(template.subarray(0, HEADER)) : Buffer.alloc(HEADER);
  if (!template) {
    header[2] = 2; // DIO
    header[3] = 0x20; // 40 MHz, 4 MB
    header.writeUInt32LE(0x40080000, 4); // entry
    header[8] = 0xee; // no WP pin
    header.writeUInt16LE(0xffff, 17); // max chip revision: any
  }
  header[0] = ESP_IMAGE_MAGIC;
  header[1] = segments.length;
  header[23] = 1; // hash appended
  const parts: Buffer[] = [header];
  let checksum = 0xef;
  for (const s of segments) {
    const head = Buffer.alloc(SEGMENT_HEADER);
    head.writeUInt32LE(s.loadAddr, 0);
    head.writeUInt32LE(s.data.length, 4);
    parts.push(head, s.data);
    for (const byte of s.data) checksum ^= byte;
  }
  const length = parts.reduce((n, p) => n + p.length, 0);
  parts.push(Buffer.alloc(15 - (length % 16)), Buffer.from([checksum]));
  const image = Buffer.concat(parts);
  return Buffer.concat([image, createHash('sha256').update(image).digest()]);
}

/** Little-endian bytes of a non-negative BigInt, `size` long. */
function le(n: bigint, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    b[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return b;
}

const fromLe = (b: Buffer) => [...b].reverse().reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);
const fromBase64url = (s: string) => BigInt(`0x${Buffer.from(s, 'base64url').toString('hex')}`);

/** x^-1 mod m, by the extended Euclidean algorithm. */
function inverse(x: bigint, m: bigint): bigint {
  let [a, b, u, v] = [x % m, m, 1n, 0n];
  while (b !== 0n) {
    const q = a / b;
    [a, b, u, v] = [b, a - q * b, v, u - q * v];
  }
  return ((u % m) + m) % m;
}

/** The key part of a signature block: n, e, rinv = R^2 mod n (R = 2^3072), m' = -n^-1 mod 2^32. */
export function keyBlock(key: KeyObject): Buffer {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new EspImageFormatError('Secure Boot V2 keys are RSA');
  const n = fromBase64url(jwk.n);
  if (n.toString(2).length !== KEY_BYTES * 8) throw new EspImageFormatError('Secure Boot V2 RSA keys are 3072 bits');
  const rinv = (1n << BigInt(KEY_BYTES * 16)) % n;
  const mdash = (1n << 32n) - inverse(n, 1n << 32n);
  return Buffer.concat([
    le(n, KEY_BYTES),
    le(fromBase64url(jwk.e), 4),
    le(rinv, KEY_BYTES),
    le(mdash & 0xffffffffn, 4),
  ]);
}

export function keyDigest(key: KeyObject): Buffer {
  return createHash('sha256').update(keyBlock(key)).digest();
}

/** Pad to 4 KiB with 0xFF, append a signature block made with `key` (RSA-3072) and pad its sector. */
export function signEspImage(image: Buffer, key: KeyObject): Buffer {
  const padded = Buffer.concat([image, Buffer.alloc((SECTOR - (image.length % SECTOR)) % SECTOR, 0xff)]);
  const digest = createHash('sha256').update(padded).digest();
  const block = Buffer.alloc(SIG_BLOCK);
  block[0] = 0xe7;
  block[1] = 0x02;
  digest.copy(block, 4);
  keyBlock(key).copy(block, 36);
  sign('sha256', padded, { key, ...PSS }).copy(block, 36 + KEY_BLOCK);
  block.writeUInt32LE(crc32(block.subarray(0, 1196)), 1196);
  return Buffer.concat([padded, block, Buffer.alloc(SECTOR - SIG_BLOCK, 0xff)]);
}

function parseSignature(block: Buffer): EspSignature {
  if (block[0] !== 0xe7 || block[1] !== 0x02)
    throw new EspImageFormatError(`signature block magic ${block.subarray(0, 2).toString('hex')}, expected e702`);
  const keyPart = block.subarray(36, 36 + KEY_BLOCK);
  const n = fromLe(keyPart.subarray(0, KEY_BYTES));
  const e = fromLe(keyPart.subarray(KEY_BYTES, KEY_BYTES + 4));
  const b64 = (x: bigint) => {
    const hex = x.toString(16);
    return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
  };
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: { kty: 'RSA', n: b64(n), e: b64(e) }, format: 'jwk' });
  } catch (error) {
    throw new EspImageFormatError(`the signature block's key is not an RSA key: ${(error as Error).message}`);
  }
  return {
    imageDigest: Buffer.from(block.subarray(4, 36)),
    keyDigest: createHash('sha256').update(keyPart).digest(),
    publicKey,
    signature: Buffer.from(block.subarray(36 + KEY_BLOCK, 36 + KEY_BLOCK + KEY_BYTES)),
    crcValid: crc32(block.subarray(0, 1196)) === block.readUInt32LE(1196),
  };
}

/** Whether the signature verifies, with the key in its block, over the image padded to 4 KiB. */
export function espSignatureValid(bytes: Buffer, image: ParsedEspImage): boolean {
  const s = image.signature;
  if (!s) return false;
  const padded = bytes.subarray(0, Math.ceil(image.imageLength / SECTOR) * SECTOR);
  return verify('sha256', padded, { key: s.publicKey, ...PSS }, s.signature);
}

export function parseEspImage(bytes: Buffer): ParsedEspImage {
  if (bytes.length < HEADER) throw new EspImageFormatError(`${bytes.length} bytes is shorter than a header`);
  if (bytes[0] !== ESP_IMAGE_MAGIC) throw new EspImageFormatError(`bad magic 0x${bytes[0]!.toString(16)}`);
  const count = bytes[1]!;
  if (count === 0 || count > 16) throw new EspImageFormatError(`${count} segments`);
  const segments: { loadAddr: number; data: Buffer }[] = [];
  let at = HEADER;
  let checksum = 0xef;
  for (let i = 0; i < count; i++) {
    if (at + SEGMENT_HEADER > bytes.length) throw new EspImageFormatError(`segment ${i} header runs past the end`);
    const loadAddr = bytes.readUInt32LE(at);
    const length = bytes.readUInt32LE(at + 4);
    at += SEGMENT_HEADER;
    if (at + length > bytes.length) throw new EspImageFormatError(`segment ${i} of ${length} bytes runs past the end`);
    const data = bytes.subarray(at, at + length);
    for (const byte of data) checksum ^= byte;
    segments.push({ loadAddr, data: Buffer.from(data) });
    at += length;
  }
  at += 15 - (at % 16);
  if (at >= bytes.length) throw new EspImageFormatError('no checksum byte');
  const checksumValid = bytes[at] === checksum;
  at += 1;
  const hashAppended = bytes[23] === 1;
  const hash = hashAppended && at + 32 <= bytes.length ? Buffer.from(bytes.subarray(at, at + 32)) : undefined;
  const hashValid = hash !== undefined && createHash('sha256').update(bytes.subarray(0, at)).digest().equals(hash);
  const imageLength = at + (hashAppended ? 32 : 0);
  const sigAt = Math.ceil(imageLength / SECTOR) * SECTOR;
  const signature =
    sigAt + SIG_BLOCK <= bytes.length && bytes[sigAt] === 0xe7
      ? parseSignature(bytes.subarray(sigAt, sigAt + SIG_BLOCK))
      : undefined;
  return {
    app: parseAppDescription(segments[0]!.data),
    segments,
    hash,
    hashValid,
    checksumValid,
    imageLength,
    signature,
  };
}
