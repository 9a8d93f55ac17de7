/**
 * The chains a device's TLS client is shown: one it must accept (the positive control) and the
 * ways servers lie that it must refuse (REFERENCE.md 6.2). The device trusts `root` and pins the
 * SubjectPublicKeyInfo of `pinnedKey`; it expects to reach `host`.
 */
import type { SecureVersion } from 'node:tls';
import type forge from 'node-forge';
import { breakSignature, issue, rsaKey, type Identity } from '../wire/x509.ts';

export interface TrustMaterial {
  root: Identity;
  pinnedKey: forge.pki.rsa.PrivateKey;
  host: string;
}

export interface Scenario {
  id: string;
  title: string;
  expect: 'accept' | 'refuse';
  chainPem: string;
  keyPem: string;
  weak?: boolean;
  versions?: { min: SecureVersion; max: SecureVersion };
}

const DAY = 86_400_000;

export function buildScenarios(trust: TrustMaterial): Scenario[] {
  const { root, pinnedKey, host } = trust;
  const org = root.cert.subject.getField('O')?.value as string | undefined;
  const rootCn = root.cert.subject.getField('CN')?.value as string;
  const intermediate = issue({
    commonName: 'HIL Test Intermediate',
    issuer: root,
    key: rsaKey('intermediate'),
    ca: {},
  });
  const leaf = (options: Partial<Parameters<typeof issue>[0]> = {}) =>
    issue({ commonName: host, issuer: intermediate, key: pinnedKey, san: [host], ...options });
  const chain = (...identities: Identity[]) => identities.map((i) => i.certPem).join('');
  const served = (
    id: string,
    title: string,
    expect: Scenario['expect'],
    leafIdentity: Identity,
    rest: Identity[] = [intermediate],
    extra: Partial<Scenario> = {},
  ): Scenario => ({
    id,
    title,
    expect,
    chainPem: chain(leafIdentity, ...rest),
    keyPem: leafIdentity.keyPem,
    ...extra,
  });

  const valid = leaf();
  const expiredIntermediate = issue({
    commonName: 'HIL Expired Intermediate',
    issuer: root,
    key: rsaKey('intermediate'),
    ca: {},
    notBefore: new Date(Date.now() - 400 * DAY),
    notAfter: new Date(Date.now() - 30 * DAY),
  });
  // Keys are the slow part: the impostor and the second intermediate share the one spare key.
  const impostorRoot = issue({ commonName: rootCn, organization: org, key: rsaKey('other'), ca: {} });
  const impostorIntermediate = issue({
    commonName: 'HIL Test Intermediate',
    issuer: impostorRoot,
    key: rsaKey('intermediate'),
    ca: {},
  });
  const notCa = issue({
    commonName: 'HIL Not-a-CA Intermediate',
    issuer: root,
    key: rsaKey('intermediate'),
    notCa: true,
  });
  const pathLenZero = issue({
    commonName: 'HIL PathLen-0 Intermediate',
    issuer: root,
    key: rsaKey('intermediate'),
    ca: { pathLen: 0 },
  });
  const secondLevel = issue({
    commonName: 'HIL Second Intermediate',
    issuer: pathLenZero,
    key: rsaKey('other'),
    ca: {},
  });
  const constrained = issue({
    commonName: 'HIL Constrained Intermediate',
    issuer: root,
    key: rsaKey('intermediate'),
    ca: {},
    permittedDns: ['example.net'],
  });

  return [
    served(
      'valid',
      'a valid chain to the trusted root, the right host, the pinned key (positive control)',
      'accept',
      valid,
    ),
    served(
      'expired-leaf',
      'an expired server certificate',
      'refuse',
      leaf({ notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) }),
    ),
    served(
      'not-yet-valid-leaf',
      'a server certificate not valid until next year',
      'refuse',
      leaf({ notBefore: new Date(Date.now() + 365 * DAY), notAfter: new Date(Date.now() + 730 * DAY) }),
    ),
    served(
      'expired-intermediate',
      'an expired intermediate',
      'refuse',
      issue({ commonName: host, issuer: expiredIntermediate, key: pinnedKey, san: [host] }),
      [expiredIntermediate],
    ),
    served(
      'san-mismatch',
      `a certificate for another host (SAN other.${host})`,
      'refuse',
      leaf({ commonName: `other.${host}`, san: [`other.${host}`] }),
    ),
    served('cn-only', 'the host only in the CN, no subjectAltName', 'refuse', leaf({ san: undefined })),
    served(
      'wildcard-misuse',
      'a wildcard over a public suffix (*.test)',
      'refuse',
      leaf({ commonName: '*.test', san: ['*.test'] }),
    ),
    served(
      'self-signed',
      'a self-signed certificate with the real subject',
      'refuse',
      issue({ commonName: host, key: pinnedKey, san: [host] }),
      [],
    ),
    served(
      'impostor-root',
      "a chain to an impostor root with the real root's names",
      'refuse',
      issue({ commonName: host, issuer: impostorIntermediate, key: pinnedKey, san: [host] }),
      [impostorIntermediate],
    ),
    served('missing-intermediate', 'the server certificate without its intermediate', 'refuse', valid, []),
    served(
      'intermediate-not-ca',
      'an intermediate marked CA:FALSE',
      'refuse',
      issue({ commonName: host, issuer: notCa, key: pinnedKey, san: [host] }),
      [notCa],
    ),
    served(
      'pathlen-violated',
      "a chain longer than an intermediate's pathLen 0 allows",
      'refuse',
      issue({ commonName: host, issuer: secondLevel, key: pinnedKey, san: [host] }),
      [secondLevel, pathLenZero],
    ),
    served(
      'wrong-eku',
      'a certificate for client authentication only (EKU clientAuth)',
      'refuse',
      leaf({ eku: 'clientAuth' }),
    ),
    served('sha1', 'a server certificate signed with SHA-1', 'refuse', leaf({ digest: 'sha1' }), [intermediate], {
      weak: true,
    }),
    served('rsa-1024', 'a 1024-bit RSA server key', 'refuse', leaf({ key: rsaKey('weak', 1024) }), [intermediate], {
      weak: true,
    }),
    served(
      'wrong-pin',
      'a valid chain from the trusted root with a key other than the pinned one',
      'refuse',
      leaf({ key: rsaKey('other') }),
    ),
    served('broken-signature', 'a server certificate whose signature does not verify', 'refuse', breakSignature(valid)),
    served(
      'name-constraints',
      'an intermediate constrained to example.net issuing for the host',
      'refuse',
      issue({ commonName: host, issuer: constrained, key: pinnedKey, san: [host] }),
      [constrained],
    ),
    served('tls-1.0', 'a server that speaks only TLS 1.0', 'refuse', valid, [intermediate], {
      weak: true,
      versions: { min: 'TLSv1', max: 'TLSv1' },
    }),
  ];
}
