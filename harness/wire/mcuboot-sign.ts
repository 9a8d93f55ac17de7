/**
 * MCUboot image signatures as imgtool 2.x makes them (scripts/imgtool/image.py, keys/*.py) and
 * bootutil checks them: ECDSA P-256 with SHA-256 over the payload (DER, 70-72 bytes, or with
 * `--pad-sig` zero-padded to 72), RSA-2048 PSS (SHA-256, MGF1, salt 32) over the payload, Ed25519
 * over the payload's digest, or with `--pure` over the payload itself (the SIG_PURE TLV says so).
 * The key hash is the image's hash algorithm over imgtool's `get_public_bytes()`: SubjectPublicKeyInfo
 * DER for EC and Ed25519, PKCS#1 RSAPublicKey DER for RSA.
 */
import { constants, createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

export type SignatureKind = 'ecdsa-p256' | 'rsa-2048-pss' | 'ed25519';
/** The image hash (imgtool `--sha`): SHA-256 by default, SHA-512 with Ed25519 (always with `--pure`). */
export type HashKind = 'sha256' | 'sha384' | 'sha512';

/** The fixed length imgtool pads a P-256 DER signature to with `--pad-sig` (its `sig_len()`). */
const ECDSA_P256_PADDED = 72;

export class ImageFormatError extends Error {
  override name = 'ImageFormatError';
  constructor(message: string) {
    super(`MCUboot image: ${message}`);
  }
}

export interface ImageSigner {
  kind: SignatureKind;
  /** imgtool's public bytes, whose hash is the KEYHASH TLV. */
  publicBytes: Buffer;
  /** The signature over `message` (see signedMessage). */
  sign(message: Buffer): Buffer;
}

export function digest(hash: HashKind, bytes: Buffer): Buffer {
  return createHash(hash).update(bytes).digest();
}

function publicBytes(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  switch (publicKey.asymmetricKeyType) {
    case 'ec':
    case 'ed25519':
      return publicKey.export({ type: 'spki', format: 'der' });
    case 'rsa':
      return publicKey.export({ type: 'pkcs1', format: 'der' });
    default:
      throw new ImageFormatError(`MCUboot has no signature for ${publicKey.asymmetricKeyType} keys`);
  }
}

export function keyHash(key: KeyObject, hash: HashKind = 'sha256'): Buffer {
  return digest(hash, publicBytes(key));
}

function kindOf(key: KeyObject): SignatureKind {
  const type = key.asymmetricKeyType;
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  if (type === 'rsa' && key.asymmetricKeyDetails?.modulusLength === 2048) return 'rsa-2048-pss';
  if (type === 'ed25519') return 'ed25519';
  throw new ImageFormatError(`a ${type} key (${JSON.stringify(key.asymmetricKeyDetails)}) is not one MCUboot verifies`);
}

/** What a signature of this kind is made over: the payload, or for Ed25519 its digest unless pure. */
export function signedMessage(kind: SignatureKind, payload: Buffer, payloadDigest: Buffer, pure: boolean): Buffer {
  return kind === 'ed25519' && !pure ? payloadDigest : payload;
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };

/** A signer from a private key, signing as imgtool's key classes do; `padSignature` is `--pad-sig`. */
export function signerFor(privateKey: KeyObject, options: { padSignature?: boolean } = {}): ImageSigner {
  const kind = kindOf(privateKey);
  const signWith = (message: Buffer): Buffer => {
    if (kind === 'ed25519') return sign(null, message, privateKey);
    if (kind === 'rsa-2048-pss') return sign('sha256', message, { key: privateKey, ...PSS });
    const der = sign('sha256', message, privateKey);
    return options.padSignature ? Buffer.concat([der, Buffer.alloc(ECDSA_P256_PADDED - der.length)]) : der;
  };
  return { kind, publicBytes: publicBytes(privateKey), sign: signWith };
}

/**
 * The DER SEQUENCE at the start of a P-256 signature TLV, without the zeros `--pad-sig` put after it
 * (bootutil reads the DER and ignores them; OpenSSL's strict parse refuses them); undefined when
 * anything but zeros follows.
 */
function unpaddedEcdsa(signature: Buffer): Buffer | undefined {
  if (signature.length < 2 || signature[0] !== 0x30 || signature[1]! >= 0x80) return undefined;
  const end = 2 + signature[1]!;
  if (end > signature.length || signature.subarray(end).some((b) => b !== 0)) return undefined;
  return signature.subarray(0, end);
}

/** Whether `signature` of `kind` verifies with `publicKey` over `message`. Never throws. */
export function verifySignature(
  kind: SignatureKind,
  message: Buffer,
  signature: Buffer,
  publicKey: KeyObject,
): boolean {
  try {
    if (kindOf(publicKey) !== kind) return false;
    if (kind === 'ed25519') return verify(null, message, publicKey, signature);
    if (kind === 'rsa-2048-pss') return verify('sha256', message, { key: publicKey, ...PSS }, signature);
    const der = unpaddedEcdsa(signature);
    return der !== undefined && verify('sha256', message, publicKey, der);
  } catch {
    return false;
  }
}
