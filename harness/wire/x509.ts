/**
 * Certificates for TLS scenarios, minted with node-forge (RSA; forge uses Node's native key
 * generation). Keys are the slow part, so each size is made once per run and reused.
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { pki } = forge;

export interface Identity {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  certPem: string;
  keyPem: string;
}

export interface IssueOptions {
  commonName: string;
  /** Distinguished name fields besides CN (O, C), copied onto impostors. */
  organization?: string;
  issuer?: Identity;
  key?: forge.pki.rsa.PrivateKey;
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

const keyCache = new Map<string, forge.pki.rsa.PrivateKey>();
/** Node's own handle on each forge key, for signing natively (forge's RSA is pure JavaScript). */
const nativeKeys = new WeakMap<forge.pki.rsa.PrivateKey, KeyObject>();

/** A fresh RSA key per label (cached for the run): "root", "intermediate", "other", ... */
export function rsaKey(label: string, bits = 2048): forge.pki.rsa.PrivateKey {
  const cacheKey = `${label}/${bits}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    key = pki.privateKeyFromPem(
      privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    ) as forge.pki.rsa.PrivateKey;
    nativeKeys.set(key, privateKey);
    keyCache.set(cacheKey, key);
  }
  return key;
}

/** What forge's cert.sign does, with the RSA signature made by Node (about 50 times faster). */
function signNatively(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey, digest: 'sha256' | 'sha1'): void {
  const oid = forge.pki.oids[digest === 'sha1' ? 'sha1WithRSAEncryption' : 'sha256WithRSAEncryption']!;
  const mutable = cert as forge.pki.Certificate & {
    signatureOid: string;
    siginfo: { algorithmOid: string };
    tbsCertificate: forge.asn1.Asn1;
    md: forge.md.MessageDigest;
  };
  mutable.signatureOid = oid;
  mutable.siginfo.algorithmOid = oid;
  mutable.md = digest === 'sha1' ? forge.md.sha1.create() : forge.md.sha256.create();
  // getTBSCertificate is forge API that its type definitions leave out.
  mutable.tbsCertificate = (
    pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }
  ).getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(mutable.tbsCertificate).getBytes(), 'binary');
  const native = nativeKeys.get(key) ?? createPrivateKey(pki.privateKeyToPem(key));
  cert.signature = sign(digest, tbs, native).toString('binary');
}

let serial = 1;
const DAY = 86_400_000;

export function issue(options: IssueOptions): Identity {
  const key = options.key ?? rsaKey(options.commonName);
  const cert = pki.createCertificate();
  cert.publicKey = pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = (0x1000 + serial++).toString(16);
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY);
  const subject = [
    { name: 'commonName', value: options.commonName },
    ...(options.organization ? [{ name: 'organizationName', value: options.organization }] : []),
  ];
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : subject);
  const extensions: object[] = [];
  if (options.ca || options.notCa) {
    extensions.push({
      name: 'basicConstraints',
      critical: true,
      cA: !options.notCa,
      ...(options.ca?.pathLen !== undefined ? { pathLenConstraint: options.ca.pathLen } : {}),
    });
    extensions.push({ name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true, digitalSignature: true });
  } else {
    extensions.push({ name: 'basicConstraints', cA: false });
    extensions.push({ name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true });
    extensions.push({ name: 'extKeyUsage', [options.eku ?? 'serverAuth']: true });
  }
  if (options.san)
    extensions.push({ name: 'subjectAltName', altNames: options.san.map((value) => ({ type: 2, value })) });
  extensions.push({ name: 'subjectKeyIdentifier' });
  if (options.permittedDns) extensions.push(nameConstraints(options.permittedDns));
  cert.setExtensions(extensions);
  signNatively(cert, options.issuer?.key ?? key, options.digest ?? 'sha256');
  return { cert, key, certPem: pki.certificateToPem(cert), keyPem: pki.privateKeyToPem(key) };
}

/** nameConstraints (RFC 5280 4.2.1.10): SEQUENCE { permittedSubtrees [0] { GeneralSubtree { dNSName } } } */
function nameConstraints(dnsNames: string[]): object {
  const { asn1 } = forge;
  const subtrees = dnsNames.map((name) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, name),
    ]),
  );
  const value = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, subtrees),
  ]);
  return { id: '2.5.29.30', critical: true, value: asn1.toDer(value).getBytes() };
}

/** The certificate with one byte of its signature changed: a signature that cannot verify. */
export function breakSignature(identity: Identity): Identity {
  const der = Buffer.from(forge.asn1.toDer(pki.certificateToAsn1(identity.cert)).getBytes(), 'binary');
  der[der.length - 8] = der[der.length - 8]! ^ 0xff;
  const pem = `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim()}\n-----END CERTIFICATE-----\n`;
  return { ...identity, certPem: pem };
}

/** SHA-256 of the SubjectPublicKeyInfo: the pin a device keeps for its server. */
export function spkiSha256(key: forge.pki.rsa.PrivateKey): string {
  const spki = forge.asn1.toDer(pki.publicKeyToAsn1(pki.setRsaPublicKey(key.n, key.e))).getBytes();
  return createHash('sha256').update(Buffer.from(spki, 'binary')).digest('hex');
}

export function fromPem(certPem: string, keyPem: string): Identity {
  return {
    cert: pki.certificateFromPem(certPem),
    key: pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey,
    certPem,
    keyPem,
  };
}
