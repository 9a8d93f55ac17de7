/**
 * Certificates for TLS scenarios. node-forge builds the certificate structure; Node's crypto makes
 * every key and every signature, RSA and EC (P-256) alike, since forge knows only RSA keys. Where a
 * certificate's issuer or subject key is EC, the parts forge cannot write (an ECDSA algorithm with
 * no parameters, an EC public key) are set in its ASN.1 before it is signed. RSA keys are the slow
 * part, so each size is made once per run and reused.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const { pki, asn1 } = forge;

/** A private key as Node holds it (it signs), and as forge holds it where forge can (RSA). */
export interface KeyPair {
  key: KeyObject;
  pem: string;
  rsa?: forge.pki.rsa.PrivateKey;
}

export interface Identity {
  certPem: string;
  keyPem: string;
  key: KeyPair;
  /** The subject's name, as forge attributes (an issued certificate's issuer is copied from it). */
  subject: forge.pki.CertificateField[];
}

export interface IssueOptions {
  commonName: string;
  /** Distinguished name fields besides CN (O, C), copied onto impostors. */
  organization?: string;
  issuer?: Identity;
  key?: KeyPair;
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
  if (key.asymmetricKeyType === 'rsa') {
    return { key, pem, rsa: pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey };
  }
  if (key.asymmetricKeyType !== 'ec') throw new Error(`a ${key.asymmetricKeyType} key: expected RSA or EC (P-256)`);
  return { key, pem };
}

const keyCache = new Map<string, KeyPair>();

/** A fresh RSA key per label (cached for the run): "root", "intermediate", "other", ... */
export function rsaKey(label: string, bits = 2048): KeyPair {
  const cacheKey = `${label}/${bits}`;
  return keyCache.get(cacheKey) ?? keep(cacheKey, generateKeyPairSync('rsa', { modulusLength: bits }).privateKey);
}

function keep(cacheKey: string, privateKey: KeyObject): KeyPair {
  const pair = keyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  keyCache.set(cacheKey, pair);
  return pair;
}

/**
 * Make these RSA keys ahead, in the thread pool and side by side, so that `rsaKey` finds them made:
 * a suite can have them made while its board boots without holding up the event loop that reads it.
 */
export async function makeRsaKeys(keys: { label: string; bits?: number }[]): Promise<void> {
  await Promise.all(
    keys.map(async ({ label, bits = 2048 }) => {
      const cacheKey = `${label}/${bits}`;
      if (keyCache.has(cacheKey)) return;
      keep(cacheKey, (await generateRsa('rsa', { modulusLength: bits })).privateKey);
    }),
  );
}
const generateRsa = promisify(generateKeyPair);

/** A key made before (kept in a file) taken as this label's, for `rsaKey` to find. */
export function adoptRsaKey(label: string, pair: KeyPair): void {
  const bits = pair.key.asymmetricKeyDetails?.modulusLength;
  if (pair.key.asymmetricKeyType !== 'rsa' || !bits) throw new Error(`key "${label}" is not an RSA key`);
  keyCache.set(`${label}/${bits}`, pair);
}

/** A fresh P-256 key (not cached: EC keys are quick to make). */
export function ecKey(): KeyPair {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return keyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}

const spkiDer = (pair: KeyPair) => createPublicKey(pair.key).export({ type: 'spki', format: 'der' });

/** SHA-256 of the SubjectPublicKeyInfo: the pin a device keeps for its server. */
export function spkiSha256(pair: KeyPair): string {
  return createHash('sha256').update(spkiDer(pair)).digest('hex');
}

/** RFC 5758: ECDSA signature algorithms carry no parameters (forge would write NULL). */
const ECDSA_OID = { sha256: '1.2.840.10045.4.3.2', sha1: '1.2.840.10045.4.1' } as const;
const algorithm = (oid: string, rsa: boolean) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes()),
    ...(rsa ? [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')] : []),
  ]);

let serial = 1;
const DAY = 86_400_000;
/** A stand-in RSA public key for forge while it builds a certificate whose real key is EC. */
const placeholder = () => rsaKey('placeholder', 1024).rsa!;

export function issue(options: IssueOptions): Identity {
  const key = options.key ?? rsaKey(options.commonName);
  const signer = options.issuer?.key ?? key;
  const digest = options.digest ?? 'sha256';
  const cert = pki.createCertificate();
  const subjectRsa = key.rsa ?? placeholder();
  cert.publicKey = pki.setRsaPublicKey(subjectRsa.n, subjectRsa.e);
  cert.serialNumber = (0x1000 + serial++).toString(16);
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY);
  const subject = [
    { name: 'commonName', value: options.commonName },
    ...(options.organization ? [{ name: 'organizationName', value: options.organization }] : []),
  ];
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? options.issuer.subject : subject);
  cert.setExtensions(extensions(options, key));
  const rsaOid = pki.oids[digest === 'sha1' ? 'sha1WithRSAEncryption' : 'sha256WithRSAEncryption']!;
  const oid = signer.rsa ? rsaOid : ECDSA_OID[digest];
  cert.signatureOid = oid;
  (cert as unknown as { siginfo: { algorithmOid: string } }).siginfo.algorithmOid = oid;
  // getTBSCertificate is forge API that its type definitions leave out.
  const tbs = (pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(
    cert,
  );
  const fields = tbs.value as forge.asn1.Asn1[];
  // version [0], serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, extensions [3]
  fields[2] = algorithm(oid, signer.rsa !== undefined);
  if (!key.rsa) fields[6] = asn1.fromDer(forge.util.createBuffer(spkiDer(key).toString('binary')));
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign(digest, tbsDer, signer.key);
  const whole = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithm(oid, signer.rsa !== undefined),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\0${signature.toString('binary')}`),
  ]);
  const der = Buffer.from(asn1.toDer(whole).getBytes(), 'binary');
  return { certPem: toPem(der), keyPem: key.pem, key, subject: cert.subject.attributes };
}

function extensions(options: IssueOptions, key: KeyPair): object[] {
  const list: object[] = [];
  if (options.ca || options.notCa) {
    list.push({
      name: 'basicConstraints',
      critical: true,
      cA: !options.notCa,
      ...(options.ca?.pathLen !== undefined ? { pathLenConstraint: options.ca.pathLen } : {}),
    });
    list.push({ name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true, digitalSignature: true });
  } else {
    list.push({ name: 'basicConstraints', cA: false });
    // An EC key signs its handshakes; an RSA key may also encipher the premaster secret.
    list.push({ name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: key.rsa !== undefined });
    list.push({ name: 'extKeyUsage', [options.eku ?? 'serverAuth']: true });
  }
  if (options.san) list.push({ name: 'subjectAltName', altNames: options.san.map((value) => ({ type: 2, value })) });
  list.push({ name: 'subjectKeyIdentifier', subjectKeyIdentifier: keyIdentifier(key) });
  if (options.permittedDns) list.push(nameConstraints(options.permittedDns));
  return list;
}

/** RFC 5280 4.2.1.2 (1): the SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(key: KeyPair): string {
  const spki = asn1.fromDer(forge.util.createBuffer(spkiDer(key).toString('binary')));
  const bits = (spki.value as forge.asn1.Asn1[])[1]!.value as string;
  return createHash('sha1')
    .update(Buffer.from(bits.slice(1), 'binary'))
    .digest('hex');
}

/** nameConstraints (RFC 5280 4.2.1.10): SEQUENCE { permittedSubtrees [0] { GeneralSubtree { dNSName } } } */
function nameConstraints(dnsNames: string[]): object {
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

/** A CA the rig names, from its PEM files: its name is read from the certificate itself, whatever its key. */
export function fromPem(certPem: string, keyPem: string): Identity {
  const der = Buffer.from(certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const tbs = (asn1.fromDer(forge.util.createBuffer(der.toString('binary'))).value as forge.asn1.Asn1[])[0]!;
  const fields = tbs.value as forge.asn1.Asn1[];
  // With the explicit version [0] first, the subject is the sixth field; without it, the fifth.
  const subjectAsn1 = fields[fields[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 5 : 4]!;
  const subject = (
    pki as unknown as { RDNAttributesAsArray(rdn: forge.asn1.Asn1): forge.pki.CertificateField[] }
  ).RDNAttributesAsArray(subjectAsn1);
  return { certPem, keyPem, key: keyFromPem(keyPem), subject };
}

/** A field of a name (CN, O), as scenarios copy them onto impostors. */
export function nameField(identity: Identity, shortName: 'CN' | 'O'): string | undefined {
  return identity.subject.find((a) => a.shortName === shortName)?.value as string | undefined;
}
