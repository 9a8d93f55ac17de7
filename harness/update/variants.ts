/**
 * The images the rollback suite offers a board, derived from the team's own. Each bad image claims
 * a version other than the running one wherever that can be arranged, so that if the board takes
 * it, its version shows it. What needs a valid signature over a changed image (the tampered and
 * lower-counter images) needs the team's key or, for the tampered one, their newer image.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RollbackFiles } from './rollback-files.ts';
import { FORMATS, type ImageFormat, type ImageInfo } from './formats.ts';

export interface Candidate {
  bytes: Buffer;
  info: ImageInfo;
  /** How it was made, for the evidence. */
  made: string;
}

export type Offer = Candidate | { skip: string };

export interface TeamImages {
  format: ImageFormat;
  current: Candidate;
  older?: Candidate;
  newer?: Candidate;
  key?: KeyObject;
}

const MAX_IMAGE = 16 * 1024 * 1024;

function readImage(format: ImageFormat, path: string, what: string): Candidate {
  const bytes = readFileSync(path);
  if (bytes.length > MAX_IMAGE) throw new Error(`${what} image ${path} is ${bytes.length} bytes, over ${MAX_IMAGE}`);
  try {
    return { ...format.parse(bytes), made: `${what} image ${path}` };
  } catch (error) {
    throw new Error(`${what} image ${path}: ${(error as Error).message}`);
  }
}

/** Read the rig's images and key; a file that is missing or not an image of the path's format throws, naming it. */
export function readTeamImages(files: RollbackFiles): TeamImages {
  const format = FORMATS[files.path];
  const images: TeamImages = { format, current: readImage(format, files.current, 'current') };
  if (files.older) images.older = readImage(format, files.older, 'older');
  if (files.newer) images.newer = readImage(format, files.newer, 'newer');
  if (files.key) {
    try {
      images.key = createPrivateKey(readFileSync(files.key));
    } catch (error) {
      throw new Error(`signing key ${files.key}: ${(error as Error).message}`);
    }
  }
  return images;
}

export function candidate(format: ImageFormat, bytes: Buffer, made: string): Candidate {
  return { ...format.parse(bytes), made };
}

export function offers(team: TeamImages): Record<string, Offer> {
  const { format, current, older, newer, key } = team;
  const probe = format.probeVersion(current.info.version);
  const make = (bytes: Buffer, made: string) => candidate(format, bytes, made);
  const rebuilt = (options: { key?: KeyObject; counter?: number }) =>
    format.rebuilt(current.bytes, { version: probe, ...options });
  const signedProbe = key && make(rebuilt({ key }), `current image re-signed as ${probe}`);
  const tamperBase = signedProbe ?? newer;
  const counter = current.info.counter;
  return {
    older: older ?? { skip: 'the rig names no older image (rollback.older)' },
    'same-version': { ...current, made: `the current image (${current.info.version}) again` },
    tampered: tamperBase
      ? tampered(format, tamperBase)
      : { skip: 'needs the signing key (rollback.key) or a newer image to tamper with' },
    'header-version': make(
      format.withVersionOnly(current.bytes, probe),
      `the current image with its version raised to ${probe}, not re-signed`,
    ),
    unsigned: make(rebuilt({}), `the current image as ${probe}, hashed but with no signature`),
    'wrong-key': make(
      rebuilt({ key: format.impostorKey(current.info) }),
      `the current image as ${probe}, signed with a key the harness made`,
    ),
    'lower-counter': !key
      ? { skip: 'needs the signing key (rollback.key) to sign an image with a lower security counter' }
      : counter === undefined || counter === 0
        ? { skip: `the current image's security counter is ${counter ?? 'absent'}: there is none lower` }
        : make(
            rebuilt({ key, counter: counter - 1 }),
            `the current image as ${probe}, signed, security counter ${counter - 1} (current ${counter})`,
          ),
  };
}

function tampered(format: ImageFormat, base: Candidate): Candidate {
  const { bytes, at } = format.flipped(base.bytes);
  return candidate(format, bytes, `${base.made}, one bit flipped at byte ${at} of the body`);
}
