/**
 * The images the rollback suite offers a board, derived from the team's own. Each bad image has
 * a version other than the running one wherever that can be arranged, so that if the board takes
 * it, its version shows it. What needs a valid signature over a changed image (the tampered and
 * lower-counter images) needs the team's key or, for the tampered one, their newer image.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  encodeHeader,
  type ImageVersion,
  formatVersion,
  type ParsedImage,
  parseImage,
  signerFor,
  type SignatureKind,
  unprotectedArea,
} from '../wire/mcuboot-image.ts';
import type { RollbackFiles } from '../wiring.ts';

export interface Candidate {
  bytes: Buffer;
  image: ParsedImage;
  /** How it was made, for the evidence. */
  made: string;
}

export type Offer = Candidate | { skip: string };

export interface TeamImages {
  current: Candidate;
  older?: Candidate;
  newer?: Candidate;
  key?: KeyObject;
}

const MAX_IMAGE = 16 * 1024 * 1024;

function readImage(path: string, what: string): Candidate {
  const bytes = readFileSync(path);
  if (bytes.length > MAX_IMAGE) throw new Error(`${what} image ${path} is ${bytes.length} bytes, over ${MAX_IMAGE}`);
  try {
    const image = parseImage(bytes);
    return { bytes: bytes.subarray(0, image.length), image, made: `${what} image ${path}` };
  } catch (error) {
    throw new Error(`${what} image ${path}: ${(error as Error).message}`);
  }
}

/** Read the rig's images and key; a file that is missing or not an MCUboot image throws, naming it. */
export function readTeamImages(files: RollbackFiles): TeamImages {
  const images: TeamImages = { current: readImage(files.current, 'current') };
  if (files.older) images.older = readImage(files.older, 'older');
  if (files.newer) images.newer = readImage(files.newer, 'newer');
  if (files.key) {
    try {
      images.key = createPrivateKey(readFileSync(files.key));
    } catch (error) {
      throw new Error(`signing key ${files.key}: ${(error as Error).message}`);
    }
  }
  return images;
}

/** The version one revision above the current one: what the derived images claim to be. */
export function probeVersion(current: ParsedImage): ImageVersion {
  const v = current.header.version;
  return v.revision < 0xffff ? { ...v, revision: v.revision + 1, build: 0 } : { ...v, minor: v.minor + 1, revision: 0 };
}

/** The same header, body and protected TLVs with another version, and fresh unprotected TLVs. */
function rebuilt(from: ParsedImage, version: ImageVersion, sign?: KeyObject, counter?: number): Buffer {
  const header = encodeHeader({ ...from.header, version });
  const body = from.payload.subarray(from.header.hdrSize, from.header.hdrSize + from.header.imgSize);
  let protectedArea = from.payload.subarray(from.header.hdrSize + from.header.imgSize);
  if (counter !== undefined) {
    protectedArea = Buffer.from(protectedArea);
    const at = findCounter(protectedArea);
    protectedArea.writeUInt32LE(counter, at);
  }
  const payload = Buffer.concat([header, body, protectedArea]);
  return Buffer.concat([payload, unprotectedArea(payload, sign && signerFor(sign))]);
}

/** Where the SEC_CNT value sits in a protected TLV area (after its info header and TLV header). */
function findCounter(area: Buffer): number {
  for (let p = 4; p + 4 <= area.length; p += 4 + area.readUInt16LE(p + 2)) {
    if (area.readUInt16LE(p) === 0x50 && area.readUInt16LE(p + 2) === 4) return p + 4;
  }
  throw new Error('the image has no security counter TLV');
}

function candidate(bytes: Buffer, made: string): Candidate {
  return { bytes, image: parseImage(bytes), made };
}

/** A fresh key of the kind the team signs with: the image is signed, but not by them. */
function impostorKey(kind: SignatureKind | undefined): KeyObject {
  if (kind === 'rsa-2048-pss') return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  if (kind === 'ed25519') return generateKeyPairSync('ed25519').privateKey;
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

export function offers(team: TeamImages): Record<string, Offer> {
  const { current, older, newer, key } = team;
  const probe = probeVersion(current.image);
  const probeText = formatVersion(probe);
  const signedProbe = key && candidate(rebuilt(current.image, probe, key), `current image re-signed as ${probeText}`);
  const tamperBase = signedProbe ?? newer;
  const counter = current.image.securityCounter;
  return {
    older: older ?? { skip: 'the rig names no older image (rollback.older)' },
    'same-version': { ...current, made: `the current image (${current.image.version}) again` },
    tampered: tamperBase
      ? tampered(tamperBase)
      : { skip: 'needs the signing key (rollback.key) or a newer image to tamper with' },
    'header-version': {
      bytes: withHeaderVersion(current, probe),
      image: parseImage(withHeaderVersion(current, probe)),
      made: `the current image with its header version raised to ${probeText}, signature and hash left as they were`,
    },
    unsigned: candidate(
      rebuilt(current.image, probe),
      `the current image as ${probeText}, hashed but with no signature`,
    ),
    'wrong-key': candidate(
      rebuilt(current.image, probe, impostorKey(current.image.signatureKind)),
      `the current image as ${probeText}, signed with a key the harness made`,
    ),
    'lower-counter': !key
      ? { skip: 'needs the signing key (rollback.key) to sign an image with a lower security counter' }
      : counter === undefined || counter === 0
        ? { skip: `the current image's security counter is ${counter ?? 'absent'}: there is none lower` }
        : candidate(
            rebuilt(current.image, probe, key, counter - 1),
            `the current image as ${probeText}, signed, security counter ${counter - 1} (current ${counter})`,
          ),
  };
}

function tampered(base: Candidate): Candidate {
  const bytes = Buffer.from(base.bytes);
  const at = base.image.header.hdrSize + (base.image.header.imgSize >> 1);
  bytes[at] = bytes[at]! ^ 0x01;
  return { bytes, image: parseImage(bytes), made: `${base.made}, one bit flipped at byte ${at} of the body` };
}

function withHeaderVersion(current: Candidate, version: ImageVersion): Buffer {
  const bytes = Buffer.from(current.bytes);
  encodeHeader({ ...current.image.header, version }).copy(bytes, 0, 0, 32);
  return bytes;
}
