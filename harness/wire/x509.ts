/**
 * Certificates for TLS scenarios, from keys made elsewhere (harness/tls/keys.ts). @peculiar/x509
 * lays out each certificate and has it signed through WebCrypto (Node's, in the thread pool: so
 * issuing is async), RSA and ECDSA (P-256) alike. An issued certificate's issuer is its issuer's
 * subject byte for byte, read from the issuer's certificate.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import type { Extension } from '@peculiar/x509';

/**
 * @peculiar/x509, loaded when a certificate is first made or read: its ~20 modules take 0.1-0.4 s
 * to load, which every process that only reads a rig's trust files would pay. It finds its
 * algorithms through tsyringe, which throws on load without the Reflect metadata API: so that first.
 */
let library: Promise<typeof import('@peculiar/x509')> | undefined;
const x509 = () => (library ??= import('reflect-metadata').then(() => import('@peculiar/x509')));

/** A private key as Node holds it (it signs, its SPKI is the pin) and as PEM (what a server is given). */
export interface KeyPair {
  key: KeyObject;
  pem: string;
}

export interface Identity {
  certPem: string;
  keyPem: string;
  key: KeyPair;
}

export interface IssueOptions {
  commonName: string;
  /** Distinguished name fields besides CN (O, C), copied onto impostors. */
  organization?: string;
  issuer?: Identity;
  key: KeyPair;
  notBefore?: Date;
  notAfter?: Date;
  ca?: { pathLen?: number };
  /** basicConstraints cA:FALSE on a certificate that is then used to sign (a misissued intermediate). */
  notCa?: boolean;
  san?: string[];
  eku?: 'serverAuth' | 'clientAuth';
  digest?: 'sha256' | 'sha1';
  /** A critical nameConstraints extension permitting only these DNS subtrees. */
  permittedDns?: string[];
}

export function keyFromPem(pem: string): KeyPair {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') {
    throw new Error(`a ${key.asymmetricKeyType} key: expected RSA or EC (P-256)`);
  }
  return { key, pem };
}

const spkiDer = (pair: KeyPair) => createPublicKey(pair.key).export({ type: 'spki', format: 'der' });

/** SHA-256 of the SubjectPublicKeyInfo: the pin a device keeps for its server. */
export function spkiSha256(pair: KeyPair): string {
  return createHash('sha256').update(spkiDer(pair)).digest('hex');
}

/**
 * The key as WebCrypto takes it for signing with this digest (an RSA CryptoKey is bound to its hash),
 * imported once per key and digest. Node 20 has no KeyObject.toCryptoKey: the PKCS #8 DER goes across.
 */
const HASH = { sha256: 'SHA-256', sha1: 'SHA-1' } as const;
const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const signingKeys = new WeakMap<KeyObject, Map<string, Promise<CryptoKey>>>();
function signingKey({ key }: KeyPair, digest: 'sha256' | 'sha1'): Promise<CryptoKey> {
  const hash = HASH[digest];
  const byDigest = signingKeys.get(key) ?? new Map<string, Promise<CryptoKey>>();
  signingKeys.set(key, byDigest);
  let imported = byDigest.get(hash);
  if (!imported) {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const algorithm =
      key.asymmetricKeyType === 'rsa'
        ? { name: 'RSASSA-PKCS1-v1_5', hash }
        : { name: 'ECDSA', namedCurve: CURVES[curve] };
    const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
    imported = webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']) as Promise<CryptoKey>;
    byDigest.set(hash, imported);
  }
  return imported;
}

/** The WebCrypto @peculiar/x509 signs and hashes with: Node's own (its types are Node's, not the DOM's). */
const crypto = webcrypto as unknown as Crypto;

let serial = 1;
const DAY = 86_400_000;

export async function issue(options: IssueOptions): Promise<Identity> {
  const { key } = options;
  const signer = options.issuer?.key ?? key;
  const digest = options.digest ?? 'sha256';
  const spki = spkiDer(key);
  const { Name, X509Certificate: Certificate, X509CertificateGenerator } = await x509();
  const subject = new Name([
    { CN: [options.commonName] },
    ...(options.organization ? [{ O: [options.organization] }] : []),
  ]);
  const cert = await X509CertificateGenerator.create(
    {
      serialNumber: (0x1000 + serial++).toString(16),
      subject,
      issuer: options.issuer ? new Certificate(options.issuer.certPem).subjectName : subject,
      notBefore: options.notBefore ?? new Date(Date.now() - DAY),
      notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY),
      publicKey: spki,
      signingKey: await signingKey(signer, digest),
      // An ECDSA key carries no hash: the digest is named here (an RSA key carries its own from the import).
      signingAlgorithm: {
        name: signer.key.asymmetricKeyType === 'rsa' ? 'RSASSA-PKCS1-v1_5' : 'ECDSA',
        hash: HASH[digest],
      },
      extensions: await extensions(options, spki),
    },
    crypto,
  );
  return { certPem: toPem(Buffer.from(cert.rawData)), keyPem: key.pem, key };
}

async function extensions(options: IssueOptions, spki: Buffer): Promise<Extension[]> {
  const {
    BasicConstraintsExtension,
    ExtendedKeyUsage,
    ExtendedKeyUsageExtension,
    KeyUsageFlags,
    KeyUsagesExtension,
    SubjectAlternativeNameExtension,
    SubjectKeyIdentifierExtension,
  } = await x509();
  const { key } = options;
  const list: Extension[] = [];
  if (options.ca || options.notCa) {
    list.push(new BasicConstraintsExtension(!options.notCa, options.ca?.pathLen, true));
    const usages = KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature;
    list.push(new KeyUsagesExtension(usages, true));
  } else {
    list.push(new BasicConstraintsExtension(false));
    // An EC key signs its handshakes; an RSA key may also encipher the premaster secret.
    const rsa = key.key.asymmetricKeyType === 'rsa';
    list.push(new KeyUsagesExtension(KeyUsageFlags.digitalSignature | (rsa ? KeyUsageFlags.keyEncipherment : 0), true));
    list.push(new ExtendedKeyUsageExtension([ExtendedKeyUsage[options.eku ?? 'serverAuth']]));
  }
  if (options.san)
    list.push(new SubjectAlternativeNameExtension(options.san.map((value) => ({ type: 'dns' as const, value }))));
  list.push(new SubjectKeyIdentifierExtension(keyIdentifier(spki)));
  if (options.permittedDns) list.push(await nameConstraints(options.permittedDns));
  return list;
}

/** RFC 5280 4.2.1.2 (1): the SHA-1 of the subjectPublicKey bits (the SPKI's closing BIT STRING). */
function keyIdentifier(spki: Buffer): string {
  const { value } = readTlv(spki, readTlv(spki, readTlv(spki, 0).value).end);
  return createHash('sha1')
    .update(spki.subarray(value + 1, spki.length)) // past the BIT STRING's unused-bits byte
    .digest('hex');
}

/** One DER element at `at`: where its contents start and where it ends. */
function readTlv(der: Buffer, at: number): { value: number; end: number } {
  const first = der[at + 1]!;
  const lengthBytes = first & 0x80 ? first & 0x7f : 0;
  let length = lengthBytes ? 0 : first;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + der[at + 2 + i]!;
  const value = at + 2 + lengthBytes;
  return { value, end: value + length };
}

/** A DER element: tag, definite length, contents. */
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

/** nameConstraints (RFC 5280 4.2.1.10): SEQUENCE { permittedSubtrees [0] { GeneralSubtree { dNSName } } } */
async function nameConstraints(dnsNames: string[]): Promise<Extension> {
  const { Extension } = await x509();
  const subtrees = dnsNames.map((name) => tlv(0x30, tlv(0x82, Buffer.from(name, 'ascii'))));
  return new Extension('2.5.29.30', true, new Uint8Array(tlv(0x30, tlv(0xa0, ...subtrees))));
}

const toPem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim()}\n-----END CERTIFICATE-----\n`;

/** The certificate with one byte of its signature changed: a signature that cannot verify. */
export function breakSignature(identity: Identity): Identity {
  const der = Buffer.from(identity.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 8] = der[der.length - 8]! ^ 0xff;
  return { ...identity, certPem: toPem(der) };
}

/**
 * A CA the rig names, from its PEM files, whatever its key: checked here to be a certificate (Node
 * reads it); its name is read from it, as it is, when it issues.
 */
export function fromPem(certPem: string, keyPem: string): Identity {
  new X509Certificate(certPem);
  return { certPem, keyPem, key: keyFromPem(keyPem) };
}

/** A field of a name (CN, O), as scenarios copy them onto impostors. */
export async function nameField(identity: Identity, shortName: 'CN' | 'O'): Promise<string | undefined> {
  const { X509Certificate: Certificate } = await x509();
  return new Certificate(identity.certPem).subjectName.getField(shortName)[0];
}
