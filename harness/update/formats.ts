/**
 * The two image formats the rollback suite changes: MCUboot's (version in the header, security
 * counter a protected TLV, hash and signature over header + body) and ESP-IDF's (version and secure_version
 * in esp_app_desc_t, the SHA-256 appended, a Secure Boot V2 block over it all). Each says the same
 * few things so the bad images are derived once: what an image claims, the same image claiming
 * another version (re-hashed, signed or not), the version changed with nothing else touched, one
 * body bit flipped, and a key of the same kind that is not the team's.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  buildEspImage,
  encodeAppDescription,
  type ParsedEspImage,
  parseAppDescription,
  parseEspImage,
  signEspImage,
} from '../wire/esp-image.ts';
import {
  encodeHeader,
  formatVersion,
  type ParsedImage,
  parseImage,
  parseVersion,
  unprotectedArea,
  withVersionRehashed,
} from '../wire/mcuboot-image.ts';
import { signerFor } from '../wire/mcuboot-sign.ts';

export interface ImageInfo {
  version: string;
  /** MCUboot's security counter, ESP-IDF's secure_version; undefined when the image has none. */
  counter: number | undefined;
  /** What the device lists the image by (MCUboot's hash TLV). */
  hash: Buffer | undefined;
  hashValid: boolean;
  signed: boolean;
  signatureKind: string | undefined;
  keyId: Buffer | undefined;
}

export interface ImageFormat {
  name: 'mcuboot' | 'esp-app';
  /** The image without slot padding; throws a named error for anything that is not one. */
  parse(bytes: Buffer): { bytes: Buffer; info: ImageInfo };
  /** The same code claiming `version` (and `counter`), re-hashed; signed when `key` is given. */
  rebuilt(bytes: Buffer, options: { version: string; counter?: number; key?: KeyObject }): Buffer;
  /** The version changed and the image's hash recomputed, as anyone can: the signature left as it was. */
  withVersionOnly(bytes: Buffer, version: string): Buffer;
  /** One bit of the body flipped, and where. */
  flipped(bytes: Buffer): { bytes: Buffer; at: number };
  /** The version one step above (what derived images claim, so that if one runs, its version shows it). */
  probeVersion(version: string): string;
  impostorKey(info: ImageInfo): KeyObject;
}

const mcubootInfo = (p: ParsedImage): ImageInfo => ({
  version: p.version,
  counter: p.securityCounter,
  hash: p.hash,
  hashValid: p.hashValid,
  signed: p.signature !== undefined,
  signatureKind: p.signatureKind,
  keyId: p.keyHash,
});

export const MCUBOOT: ImageFormat = {
  name: 'mcuboot',
  parse(bytes) {
    const parsed = parseImage(bytes);
    const trimmed = Buffer.from(bytes.subarray(0, parsed.length));
    return { bytes: trimmed, info: mcubootInfo(parsed) };
  },
  rebuilt(bytes, { version, counter, key }) {
    const from = parseImage(bytes);
    const header = encodeHeader({ ...from.header, version: parseVersion(version) }, 32);
    const bodyEnd = from.header.hdrSize + from.header.imgSize;
    const protectedArea = Buffer.from(from.payload.subarray(bodyEnd));
    if (counter !== undefined) protectedArea.writeUInt32LE(counter, counterOffset(protectedArea));
    const payload = Buffer.concat([header, from.payload.subarray(32, bodyEnd), protectedArea]);
    // Hashed and signed as the team's image is: its hash algorithm, a pure signature where it has one.
    const hashing = { hash: from.hashKind ?? 'sha256', pure: from.pure } as const;
    return Buffer.concat([payload, unprotectedArea(payload, hashing, key && signerFor(key))]);
  },
  withVersionOnly(bytes, version) {
    // The hash TLV recomputed: an image that kept the running image's hash would never reach the
    // bootloader (Zephyr's img_mgmt finds the image to test by its hash, from slot 0 on).
    return withVersionRehashed(bytes, parseVersion(version));
  },
  flipped(bytes) {
    const { header } = parseImage(bytes);
    return flipAt(bytes, header.hdrSize + (header.imgSize >> 1));
  },
  probeVersion(version) {
    const v = parseVersion(version);
    return formatVersion(
      v.revision < 0xffff ? { ...v, revision: v.revision + 1, build: 0 } : { ...v, minor: v.minor + 1, revision: 0 },
    );
  },
  impostorKey(info) {
    if (info.signatureKind === 'rsa-2048-pss') return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    if (info.signatureKind === 'ed25519') return generateKeyPairSync('ed25519').privateKey;
    return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  },
};

/** Where the SEC_CNT value sits in a protected TLV area (after its info header and TLV header). */
function counterOffset(area: Buffer): number {
  for (let p = 4; p + 4 <= area.length; p += 4 + area.readUInt16LE(p + 2)) {
    if (area.readUInt16LE(p) === 0x50 && area.readUInt16LE(p + 2) === 4) return p + 4;
  }
  throw new Error('the image has no security counter TLV');
}

function flipAt(bytes: Buffer, at: number): { bytes: Buffer; at: number } {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return { bytes: copy, at };
}

const espInfo = (p: ParsedEspImage): ImageInfo => ({
  version: p.app.version,
  counter: p.app.secureVersion,
  hash: p.hash,
  hashValid: p.hashValid && p.checksumValid,
  signed: p.signature !== undefined,
  signatureKind: p.signature ? 'rsa-3072-pss' : undefined,
  keyId: p.signature?.keyDigest,
});

/** The same segments with the app description's version (and secure_version) changed. */
function espSegments(bytes: Buffer, version: string, counter?: number): { loadAddr: number; data: Buffer }[] {
  const parsed = parseEspImage(bytes);
  const [first, ...rest] = parsed.segments;
  const app = parseAppDescription(first!.data);
  const description = encodeAppDescription({ ...app, version, secureVersion: counter ?? app.secureVersion });
  const data = Buffer.from(first!.data);
  description.subarray(0, 144).copy(data, 0); // magic .. idf_ver; the ELF hash and the rest stay
  return [{ loadAddr: first!.loadAddr, data }, ...rest];
}

export const ESP_APP: ImageFormat = {
  name: 'esp-app',
  parse(bytes) {
    const parsed = parseEspImage(bytes);
    const end = parsed.signature ? Math.ceil(parsed.imageLength / 4096) * 4096 + 4096 : parsed.imageLength;
    return { bytes: Buffer.from(bytes.subarray(0, end)), info: espInfo(parsed) };
  },
  rebuilt(bytes, { version, counter, key }) {
    const image = buildEspImage(espSegments(bytes, version, counter), bytes);
    return key ? signEspImage(image, key) : image;
  },
  withVersionOnly(bytes, version) {
    // The SHA-256 and checksum are recomputed (anyone can); the signature block is left as it was.
    const parsed = parseEspImage(bytes);
    const image = buildEspImage(espSegments(bytes, version), bytes);
    const padded = Buffer.concat([image, Buffer.alloc((4096 - (image.length % 4096)) % 4096, 0xff)]);
    const sigAt = Math.ceil(parsed.imageLength / 4096) * 4096;
    return parsed.signature ? Buffer.concat([padded, bytes.subarray(sigAt, sigAt + 4096)]) : image;
  },
  flipped(bytes) {
    // The middle of the last segment's data: code, never the app description.
    const { segments } = parseEspImage(bytes);
    let at = 24;
    for (const s of segments.slice(0, -1)) at += 8 + s.data.length;
    return flipAt(bytes, at + 8 + (segments.at(-1)!.data.length >> 1));
  },
  probeVersion(version) {
    const m = /^(.*?)(\d+)([^\d]*)$/.exec(version);
    return m ? `${m[1]}${Number(m[2]) + 1}${m[3]}` : `${version}.1`;
  },
  impostorKey() {
    return generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey;
  },
};

export const FORMATS = { smp: MCUBOOT, 'esp-ota': ESP_APP } as const;
