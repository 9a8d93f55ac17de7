/**
 * MCUboot images (mcuboot boot/bootutil/include/bootutil/image.h, docs/design.md), laid out as
 * imgtool 2.x lays them out: a 32-byte little-endian header padded to `hdr_size`, the body, an
 * optional protected TLV area (magic 0x6908, here the security counter), then the unprotected TLV
 * area (magic 0x6907): the hash of header + body + protected area (SHA256, SHA384 or SHA512 by
 * `--sha`), with a key: SIG_PURE (`--pure`), KEYHASH and the signature (mcuboot-sign.ts).
 *
 * One codec, kept whole past 300 lines: building and parsing share the layout's constants, the TLV
 * tables and the areas' framing, and a change to one side must be seen beside the other (the
 * byte-exact tests hold both to imgtool's output). Signing, the one separable part, is mcuboot-sign.ts.
 */
import type { KeyObject } from 'node:crypto';
import {
  digest,
  type HashKind,
  ImageFormatError,
  type ImageSigner,
  type SignatureKind,
  signedMessage,
  verifySignature,
} from './mcuboot-sign.ts';

export const IMAGE_MAGIC = 0x96f3b83d;
export const TLV_INFO_MAGIC = 0x6907;
export const TLV_PROT_INFO_MAGIC = 0x6908;
export const HEADER_SIZE = 32;
/** TLV types from image.h (the RSA-2048 PSS signature is 0x20 there). */
export const TLV = {
  KEYHASH: 0x01,
  PUBKEY: 0x02,
  SHA256: 0x10,
  SHA384: 0x11,
  SHA512: 0x12,
  RSA2048_PSS: 0x20,
  ECDSA_SIG: 0x22,
  ED25519: 0x24,
  SIG_PURE: 0x25,
  SEC_CNT: 0x50,
} as const;
const SIGNATURE_TLVS = new Map<number, SignatureKind>([
  [TLV.ECDSA_SIG, 'ecdsa-p256'],
  [TLV.RSA2048_PSS, 'rsa-2048-pss'],
  [TLV.ED25519, 'ed25519'],
]);
const HASH_TLVS = new Map<number, HashKind>([
  [TLV.SHA256, 'sha256'],
  [TLV.SHA384, 'sha384'],
  [TLV.SHA512, 'sha512'],
]);

export interface ImageVersion {
  major: number;
  minor: number;
  revision: number;
  build: number;
}

export interface Tlv {
  type: number;
  value: Buffer;
}

/** A TLV read from an image, with where its value sits in it. */
export interface ImageTlv extends Tlv {
  at: number;
}

export interface ImageHeader {
  loadAddr: number;
  hdrSize: number;
  protectTlvSize: number;
  imgSize: number;
  flags: number;
  version: ImageVersion;
}

export interface ParsedImage {
  header: ImageHeader;
  version: string;
  /** The protected SEC_CNT TLV; undefined when the image carries none. */
  securityCounter: number | undefined;
  /** The hash TLV (SHA256, SHA384 or SHA512), and whether it matches header + body + protected TLVs. */
  hash: Buffer | undefined;
  hashKind: HashKind | undefined;
  hashValid: boolean;
  /** A SIG_PURE TLV: the signature is over the payload itself, not its digest. */
  pure: boolean;
  keyHash: Buffer | undefined;
  signatureKind: SignatureKind | undefined;
  signature: Buffer | undefined;
  /** What the hash and signatures cover: header, body and protected TLV area. */
  payload: Buffer;
  protectedTlvs: ImageTlv[];
  tlvs: ImageTlv[];
  /** Bytes from the start of the image to the end of its TLVs (anything after is slot padding). */
  length: number;
}

export function formatVersion(v: ImageVersion): string {
  return `${v.major}.${v.minor}.${v.revision}${v.build ? `+${v.build}` : ''}`;
}

/** imgtool's `-v` syntax: `major[.minor[.revision]][+build]`. */
export function parseVersion(text: string): ImageVersion {
  const m = /^(\d+)(?:\.(\d+)(?:\.(\d+))?)?(?:\+(\d+))?$/.exec(text.trim());
  const v = m && {
    major: Number(m[1]),
    minor: Number(m[2] ?? 0),
    revision: Number(m[3] ?? 0),
    build: Number(m[4] ?? 0),
  };
  if (!v || v.major > 0xff || v.minor > 0xff || v.revision > 0xffff || v.build > 0xffffffff)
    throw new ImageFormatError(`"${text}" is not a version major.minor.revision+build within 8.8.16+32 bits`);
  return v;
}

/** MCUboot's comparison (boot_version_cmp): major, minor, revision; build only when asked to. */
export function compareVersions(a: ImageVersion, b: ImageVersion, withBuild = false): number {
  return a.major - b.major || a.minor - b.minor || a.revision - b.revision || (withBuild ? a.build - b.build : 0);
}

/**
 * Whether `image`'s signature verifies with `publicKey` over what it covers (header, body, protected
 * TLVs), as MCUboot checks it after the key hash. A signature of another kind than the key's never verifies.
 */
export function signatureValid(image: ParsedImage, publicKey: KeyObject): boolean {
  if (!image.signature || !image.signatureKind || !image.hashKind) return false;
  const message = signedMessage(image.signatureKind, image.payload, digest(image.hashKind, image.payload), image.pure);
  return verifySignature(image.signatureKind, message, image.signature, publicKey);
}

export interface BuildOptions {
  body: Buffer;
  version: ImageVersion | string;
  loadAddr?: number;
  /** imgtool's `-H`: the header is padded with zeros to this size (at least 32). */
  hdrSize?: number;
  flags?: number;
  securityCounter?: number;
  signer?: ImageSigner;
  /** imgtool's `--sha` (default sha256); `--pure` (Ed25519 only) implies sha512. */
  hash?: HashKind;
  pure?: boolean;
}

function tlvArea(magic: number, tlvs: Tlv[]): Buffer {
  const parts = tlvs.map(({ type, value }) => {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(type, 0);
    head.writeUInt16LE(value.length, 2);
    return Buffer.concat([head, value]);
  });
  const info = Buffer.alloc(4);
  const total = 4 + parts.reduce((n, p) => n + p.length, 0);
  if (total > 0xffff) throw new ImageFormatError(`TLV area of ${total} bytes does not fit its 16-bit size`);
  info.writeUInt16LE(magic, 0);
  info.writeUInt16LE(total, 2);
  return Buffer.concat([info, ...parts]);
}

export function encodeHeader(h: ImageHeader, hdrSize = h.hdrSize): Buffer {
  const b = Buffer.alloc(hdrSize);
  b.writeUInt32LE(IMAGE_MAGIC, 0);
  b.writeUInt32LE(h.loadAddr >>> 0, 4);
  b.writeUInt16LE(h.hdrSize, 8);
  b.writeUInt16LE(h.protectTlvSize, 10);
  b.writeUInt32LE(h.imgSize, 12);
  b.writeUInt32LE(h.flags >>> 0, 16);
  b.writeUInt8(h.version.major, 20);
  b.writeUInt8(h.version.minor, 21);
  b.writeUInt16LE(h.version.revision, 22);
  b.writeUInt32LE(h.version.build >>> 0, 24);
  return b;
}

/** An image as `imgtool sign -k KEY -v VERSION [-s COUNTER] -H HDR_SIZE` makes it. */
export function buildImage(options: BuildOptions): Buffer {
  const hdrSize = options.hdrSize ?? HEADER_SIZE;
  if (hdrSize < HEADER_SIZE || hdrSize > 0xffff) throw new ImageFormatError(`header size ${hdrSize} out of range`);
  const version = typeof options.version === 'string' ? parseVersion(options.version) : options.version;
  const counter = options.securityCounter;
  const protectedArea =
    counter === undefined
      ? Buffer.alloc(0)
      : tlvArea(TLV_PROT_INFO_MAGIC, [{ type: TLV.SEC_CNT, value: u32(counter) }]);
  const header = encodeHeader({
    loadAddr: options.loadAddr ?? 0,
    hdrSize,
    protectTlvSize: protectedArea.length,
    imgSize: options.body.length,
    flags: options.flags ?? 0,
    version,
  });
  const payload = Buffer.concat([header, options.body, protectedArea]);
  const hash = options.hash ?? (options.pure ? 'sha512' : 'sha256');
  return Buffer.concat([payload, unprotectedArea(payload, { hash, pure: options.pure ?? false }, options.signer)]);
}

export interface HashOptions {
  hash: HashKind;
  pure: boolean;
}

/**
 * The unprotected TLVs for a payload, in imgtool's order: its hash and, with a signer, SIG_PURE
 * (pure only), KEYHASH and the signature.
 */
export function unprotectedArea(payload: Buffer, { hash, pure }: HashOptions, signer?: ImageSigner): Buffer {
  if (pure && (hash !== 'sha512' || (signer && signer.kind !== 'ed25519')))
    throw new ImageFormatError('a pure signature is Ed25519 over an image hashed with SHA-512 (imgtool --pure)');
  const payloadDigest = digest(hash, payload);
  const tlvs: Tlv[] = [{ type: typeOf(HASH_TLVS, hash), value: payloadDigest }];
  if (signer) {
    if (pure) tlvs.push({ type: TLV.SIG_PURE, value: Buffer.from([1]) });
    tlvs.push({ type: TLV.KEYHASH, value: digest(hash, signer.publicBytes) });
    const message = signedMessage(signer.kind, payload, payloadDigest, pure);
    tlvs.push({ type: typeOf(SIGNATURE_TLVS, signer.kind), value: signer.sign(message) });
  }
  return tlvArea(TLV_INFO_MAGIC, tlvs);
}

/**
 * The image with its header version changed and its hash TLV recomputed, as anyone can; every other
 * TLV (the key hash and the signature above all) left as it was, so only a signature check refuses it.
 */
export function withVersionRehashed(bytes: Buffer, version: ImageVersion): Buffer {
  const image = parseImage(bytes);
  if (!image.hashKind) throw new ImageFormatError('the image has no hash TLV to recompute');
  const copy = Buffer.from(bytes.subarray(0, image.length));
  encodeHeader({ ...image.header, version }).copy(copy, 0, 0, HEADER_SIZE);
  const hashTlv = image.tlvs.find((t) => HASH_TLVS.has(t.type))!;
  digest(image.hashKind, copy.subarray(0, image.payload.length)).copy(copy, hashTlv.at);
  return copy;
}

function typeOf<T>(table: Map<number, T>, value: T): number {
  return [...table].find(([, v]) => v === value)![0];
}

function u32(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new ImageFormatError(`security counter ${n} out of range`);
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}

function readTlvs(bytes: Buffer, at: number, magic: number, what: string): { tlvs: ImageTlv[]; end: number } {
  if (at + 4 > bytes.length) throw new ImageFormatError(`${what} TLV info runs past the end (${bytes.length} bytes)`);
  const seen = bytes.readUInt16LE(at);
  if (seen !== magic)
    throw new ImageFormatError(`${what} TLV magic 0x${seen.toString(16)} at ${at}, expected 0x${magic.toString(16)}`);
  const end = at + bytes.readUInt16LE(at + 2);
  if (end > bytes.length || end < at + 4) throw new ImageFormatError(`${what} TLV area claims ${end - at} bytes`);
  const tlvs: ImageTlv[] = [];
  for (let p = at + 4; p < end; ) {
    if (p + 4 > end) throw new ImageFormatError(`${what} TLV header cut at ${p}`);
    const type = bytes.readUInt16LE(p);
    const length = bytes.readUInt16LE(p + 2);
    if (p + 4 + length > end) throw new ImageFormatError(`${what} TLV 0x${type.toString(16)} runs past its area`);
    tlvs.push({ type, value: Buffer.from(bytes.subarray(p + 4, p + 4 + length)), at: p + 4 });
    p += 4 + length;
  }
  return { tlvs, end };
}

export function parseHeader(bytes: Buffer): ImageHeader {
  if (bytes.length < HEADER_SIZE) throw new ImageFormatError(`${bytes.length} bytes is shorter than a header`);
  const magic = bytes.readUInt32LE(0);
  if (magic !== IMAGE_MAGIC) throw new ImageFormatError(`bad magic 0x${magic.toString(16)}`);
  return {
    loadAddr: bytes.readUInt32LE(4),
    hdrSize: bytes.readUInt16LE(8),
    protectTlvSize: bytes.readUInt16LE(10),
    imgSize: bytes.readUInt32LE(12),
    flags: bytes.readUInt32LE(16),
    version: {
      major: bytes.readUInt8(20),
      minor: bytes.readUInt8(21),
      revision: bytes.readUInt16LE(22),
      build: bytes.readUInt32LE(24),
    },
  };
}

/** Parse an image (any slot padding after its TLVs is ignored); every size is checked against `bytes`. */
export function parseImage(bytes: Buffer): ParsedImage {
  const header = parseHeader(bytes);
  if (header.hdrSize < HEADER_SIZE) throw new ImageFormatError(`header size ${header.hdrSize} < ${HEADER_SIZE}`);
  const bodyEnd = header.hdrSize + header.imgSize;
  if (bodyEnd > bytes.length) throw new ImageFormatError(`body of ${header.imgSize} bytes runs past the end`);
  let protectedTlvs: ImageTlv[] = [];
  let at = bodyEnd;
  if (header.protectTlvSize > 0) {
    const area = readTlvs(bytes, at, TLV_PROT_INFO_MAGIC, 'protected');
    if (area.end - at !== header.protectTlvSize)
      throw new ImageFormatError(`protected TLVs are ${area.end - at} bytes, header says ${header.protectTlvSize}`);
    protectedTlvs = area.tlvs;
    at = area.end;
  }
  const payload = bytes.subarray(0, at);
  const { tlvs, end } = readTlvs(bytes, at, TLV_INFO_MAGIC, 'unprotected');
  const find = (type: number) => tlvs.find((t) => t.type === type)?.value;
  const counter = protectedTlvs.find((t) => t.type === TLV.SEC_CNT)?.value;
  const hashTlv = tlvs.find((t) => HASH_TLVS.has(t.type));
  const hashKind = hashTlv && HASH_TLVS.get(hashTlv.type);
  const signatureTlv = tlvs.find((t) => SIGNATURE_TLVS.has(t.type));
  return {
    header,
    version: formatVersion(header.version),
    securityCounter: counter?.length === 4 ? counter.readUInt32LE(0) : undefined,
    hash: hashTlv?.value,
    hashKind,
    hashValid: hashKind !== undefined && digest(hashKind, payload).equals(hashTlv!.value),
    pure: find(TLV.SIG_PURE)?.[0] === 1,
    keyHash: find(TLV.KEYHASH),
    signatureKind: signatureTlv && SIGNATURE_TLVS.get(signatureTlv.type),
    signature: signatureTlv?.value,
    payload: Buffer.from(payload),
    protectedTlvs,
    tlvs,
    length: end,
  };
}
