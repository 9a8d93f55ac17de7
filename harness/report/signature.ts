/**
 * A detached signature over MANIFEST.sha256, with the lab's key: Ed25519 (raw, 64 bytes) or ECDSA
 * P-256 over SHA-256 (DER), both through node:crypto, both checkable with plain OpenSSL:
 *   Ed25519: openssl pkeyutl -verify -pubin -inkey lab.pub -rawin -in MANIFEST.sha256 -sigfile MANIFEST.sha256.sig
 *   P-256:   openssl dgst -sha256 -verify lab.pub -signature MANIFEST.sha256.sig MANIFEST.sha256
 * The manifest lists every other file, so the signature vouches for the whole folder. SIGNATURE.txt
 * names the algorithm and the key's fingerprint (SHA-256 of its SubjectPublicKeyInfo) for a person.
 * A run without a key has neither file, and its report says it is unsigned.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { folderFile } from './folder-file.ts';
import { MANIFEST, SIGNATURE } from './manifest.ts';

export { SIGNATURE };
/** Written before the manifest, so that the manifest (and so the signature) covers it. */
export const SIGNATURE_NOTE = 'SIGNATURE.txt';
/** An Ed25519 signature is 64 bytes, a DER P-256 one at most 72. */
const MAX_SIGNATURE_BYTES = 1024;
/** A PEM key is a few hundred bytes; a bigger file is not one. */
const MAX_KEY_BYTES = 64 * 1024;

export type Algorithm = 'Ed25519' | 'ECDSA P-256 SHA-256';

export interface SigningKey {
  file: string;
  key: KeyObject;
  algorithm: Algorithm;
  fingerprint: string;
}

/** A key file that is not one, or not of a kind we sign with: the message names the file and why. */
export class KeyError extends Error {
  constructor(file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = 'KeyError';
  }
}

function readKey(file: string): Buffer {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new KeyError(file, `cannot read: ${(error as Error).message}`);
  }
  if (size > MAX_KEY_BYTES) throw new KeyError(file, `is ${size} bytes; a PEM key is at most ${MAX_KEY_BYTES}`);
  return readFileSync(file);
}

function algorithmOf(file: string, key: KeyObject): Algorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'Ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ECDSA P-256 SHA-256';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw new KeyError(
    file,
    `a ${key.asymmetricKeyType}${curve ? ` ${curve}` : ''} key; expected Ed25519 or ECDSA P-256`,
  );
}

/** SHA-256 of the public key's DER SubjectPublicKeyInfo, as `openssl pkey -pubin -outform DER | sha256sum` gives it. */
export const fingerprint = (key: KeyObject) =>
  createHash('sha256')
    .update((key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' }))
    .digest('hex');

export function loadSigningKey(file: string): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(readKey(file));
  } catch (error) {
    if (error instanceof KeyError) throw error;
    throw new KeyError(file, `not a private key in PEM or DER: ${(error as Error).message.split('\n')[0]}`);
  }
  return { file, key, algorithm: algorithmOf(file, key), fingerprint: fingerprint(key) };
}

export function loadPublicKey(file: string): { key: KeyObject; algorithm: Algorithm; fingerprint: string } {
  let key: KeyObject;
  try {
    key = createPublicKey(readKey(file));
  } catch (error) {
    if (error instanceof KeyError) throw error;
    throw new KeyError(file, `not a public key in PEM: ${(error as Error).message.split('\n')[0]}`);
  }
  return { key, algorithm: algorithmOf(file, key), fingerprint: fingerprint(key) };
}

const digestOf = (algorithm: Algorithm) => (algorithm === 'Ed25519' ? null : 'sha256');

/** What a signed report says of its signature, in SIGNATURE.txt and report.html. */
export const signatureWords = (signer: Pick<SigningKey, 'algorithm' | 'fingerprint'>) =>
  `${SIGNATURE} is a detached ${signer.algorithm} signature over ${MANIFEST}, by the key with fingerprint ${signer.fingerprint} (SHA-256 of its DER SubjectPublicKeyInfo)`;

/** Before the manifest: what will sign it. */
export function writeSignatureNote(dir: string, signer: SigningKey): string {
  const file = join(dir, SIGNATURE_NOTE);
  writeFileSync(file, `${signatureWords(signer)}.\n`);
  return file;
}

/** After the manifest: the signature over it. */
export function signManifest(dir: string, signer: SigningKey): string {
  const file = join(dir, SIGNATURE);
  writeFileSync(file, sign(digestOf(signer.algorithm), readFileSync(join(dir, MANIFEST)), signer.key));
  return file;
}

/** A rebuilt report's old signature and note: gone before anything is written (they vouch for the old manifest). */
export function removeSignature(dir: string): void {
  for (const name of [SIGNATURE, SIGNATURE_NOTE]) rmSync(join(dir, name), { force: true });
}

export interface SignatureCheck {
  ok: boolean;
  /** In words: which key and algorithm, or why the signature does not hold. */
  said: string;
}

export function verifyManifestSignature(dir: string, publicKeyFile: string): SignatureCheck {
  const pub = loadPublicKey(publicKeyFile);
  const sig = folderFile(dir, SIGNATURE);
  if ('missing' in sig) return { ok: false, said: `the run is not signed: there is no ${SIGNATURE}` };
  if ('refused' in sig) return { ok: false, said: sig.refused };
  const manifest = folderFile(dir, MANIFEST);
  if (!('path' in manifest)) return { ok: false, said: `there is no ${MANIFEST} to check the signature of` };
  const size = statSync(sig.path).size;
  if (size > MAX_SIGNATURE_BYTES)
    return { ok: false, said: `${SIGNATURE} is ${size} bytes: not a signature (at most ${MAX_SIGNATURE_BYTES})` };
  const good = verify(digestOf(pub.algorithm), readFileSync(manifest.path), pub.key, readFileSync(sig.path));
  return good
    ? { ok: true, said: `${SIGNATURE}: a good ${pub.algorithm} signature by the key ${pub.fingerprint}` }
    : {
        ok: false,
        said: `${SIGNATURE} does not verify with the key ${pub.fingerprint} (${pub.algorithm}): ${MANIFEST} changed since it was signed, or another key signed it`,
      };
}
