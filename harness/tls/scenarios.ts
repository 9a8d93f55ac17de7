/**
 * The chains a device's TLS client is shown: one it must accept (the positive control) and the
 * ways servers lie that it must refuse (REFERENCE.md 6.2). The device trusts `root` and pins the
 * SubjectPublicKeyInfo of `pinnedKey`; it expects to reach `host`.
 */
import type { SecureVersion } from 'node:tls';
import { breakSignature, type Identity, type IssueOptions, issue, type KeyPair, nameField } from '../wire/x509.ts';
import { makeRsaKeys, rsaKey } from './keys.ts';

export interface TrustMaterial {
  root: Identity;
  /** The key whose SPKI the device pins; without one, a fresh key serves (and wrong-pin proves nothing). */
  pinnedKey?: KeyPair;
  host: string;
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  expect: 'accept' | 'refuse';
  chainPem: string;
  keyPem: string;
  weak?: boolean;
  versions?: { min: SecureVersion; max: SecureVersion };
}

/** Every scenario, in the order they are shown to the device: the positive control first. */
export const SCENARIOS = [
  {
    id: 'valid',
    title: 'a valid chain to the trusted root, the right host, the pinned key (positive control)',
    expect: 'accept',
  },
  { id: 'expired-leaf', title: 'an expired server certificate', expect: 'refuse' },
  { id: 'not-yet-valid-leaf', title: 'a server certificate not valid until next year', expect: 'refuse' },
  { id: 'expired-intermediate', title: 'an expired intermediate', expect: 'refuse' },
  { id: 'san-mismatch', title: 'a certificate for another host (SAN other.<host>)', expect: 'refuse' },
  { id: 'cn-only', title: 'the host only in the CN, no subjectAltName', expect: 'refuse' },
  { id: 'wildcard-misuse', title: 'a wildcard over a public suffix (*.test)', expect: 'refuse' },
  { id: 'self-signed', title: 'a self-signed certificate with the real subject', expect: 'refuse' },
  { id: 'impostor-root', title: "a chain to an impostor root with the real root's names", expect: 'refuse' },
  { id: 'missing-intermediate', title: 'the server certificate without its intermediate', expect: 'refuse' },
  { id: 'intermediate-not-ca', title: 'an intermediate marked CA:FALSE', expect: 'refuse' },
  { id: 'pathlen-violated', title: "a chain longer than an intermediate's pathLen 0 allows", expect: 'refuse' },
  { id: 'wrong-eku', title: 'a certificate for client authentication only (EKU clientAuth)', expect: 'refuse' },
  { id: 'sha1', title: 'a server certificate signed with SHA-1', expect: 'refuse' },
  { id: 'rsa-1024', title: 'a 1024-bit RSA server key', expect: 'refuse' },
  {
    id: 'wrong-pin',
    title: 'a valid chain from the trusted root with a key other than the pinned one',
    expect: 'refuse',
  },
  { id: 'broken-signature', title: 'a server certificate whose signature does not verify', expect: 'refuse' },
  {
    id: 'name-constraints',
    title: 'an intermediate constrained to example.net issuing for the host',
    expect: 'refuse',
  },
  { id: 'tls-1.0', title: 'a server that speaks only TLS 1.0', expect: 'refuse' },
] as const satisfies readonly { id: string; title: string; expect: 'accept' | 'refuse' }[];
export type ScenarioId = (typeof SCENARIOS)[number]['id'];

const DAY = 86_400_000;

/** The RSA keys buildScenarios signs with, made ahead (in the thread pool) so that it need not wait. */
export const makeScenarioKeys = (trust: TrustMaterial) =>
  makeRsaKeys([
    ...(trust.pinnedKey ? [] : [{ label: 'leaf' }]),
    { label: 'intermediate' },
    { label: 'other' },
    { label: 'weak', bits: 1024 },
  ]);

/** Every scenario's chain, issued one after another (their serial numbers in the order shown). */
export async function buildScenarios(trust: TrustMaterial): Promise<Scenario[]> {
  const { root, host } = trust;
  const pinnedKey = trust.pinnedKey ?? rsaKey('leaf');
  const org = await nameField(root, 'O');
  const rootCn = (await nameField(root, 'CN')) ?? 'Test Root';
  const intermediate = await issue({
    commonName: 'HIL Test Intermediate',
    issuer: root,
    key: rsaKey('intermediate'),
    ca: {},
  });
  const leaf = (options: Partial<IssueOptions> = {}) =>
    issue({ commonName: host, issuer: intermediate, key: pinnedKey, san: [host], ...options });
  const chain = (...identities: Identity[]) => identities.map((i) => i.certPem).join('');
  const served = (
    id: ScenarioId,
    leafIdentity: Identity,
    rest: Identity[] = [intermediate],
    extra: Partial<Scenario> = {},
  ): Scenario => ({
    ...SCENARIOS.find((s) => s.id === id)!,
    chainPem: chain(leafIdentity, ...rest),
    keyPem: leafIdentity.keyPem,
    ...extra,
  });

  const valid = await leaf();
  const expiredIntermediate = await issue({
    commonName: 'HIL Expired Intermediate',
    issuer: root,
    key: rsaKey('intermediate'),
    ca: {},
    notBefore: new Date(Date.now() - 400 * DAY),
    notAfter: new Date(Date.now() - 30 * DAY),
  });
  // Keys are the slow part: the impostor and the second intermediate share the one spare key.
  const impostorRoot = await issue({ commonName: rootCn, organization: org, key: rsaKey('other'), ca: {} });
  const impostorIntermediate = await issue({
    commonName: 'HIL Test Intermediate',
    issuer: impostorRoot,
    key: rsaKey('intermediate'),
    ca: {},
  });
  const notCa = await issue({
    commonName: 'HIL Not-a-CA Intermediate',
    issuer: root,
    key: rsaKey('intermediate'),
    notCa: true,
  });
  const pathLenZero = await issue({
    commonName: 'HIL PathLen-0 Intermediate',
    issuer: root,
    key: rsaKey('intermediate'),
    ca: { pathLen: 0 },
  });
  const secondLevel = await issue({
    commonName: 'HIL Second Intermediate',
    issuer: pathLenZero,
    key: rsaKey('other'),
    ca: {},
  });
  const constrained = await issue({
    commonName: 'HIL Constrained Intermediate',
    issuer: root,
    key: rsaKey('intermediate'),
    ca: {},
    permittedDns: ['example.net'],
  });

  return [
    served('valid', valid),
    served(
      'expired-leaf',
      await leaf({ notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) }),
    ),
    served(
      'not-yet-valid-leaf',
      await leaf({ notBefore: new Date(Date.now() + 365 * DAY), notAfter: new Date(Date.now() + 730 * DAY) }),
    ),
    served(
      'expired-intermediate',
      await issue({ commonName: host, issuer: expiredIntermediate, key: pinnedKey, san: [host] }),
      [expiredIntermediate],
    ),
    served('san-mismatch', await leaf({ commonName: `other.${host}`, san: [`other.${host}`] })),
    served('cn-only', await leaf({ san: undefined })),
    served('wildcard-misuse', await leaf({ commonName: '*.test', san: ['*.test'] })),
    served('self-signed', await issue({ commonName: host, key: pinnedKey, san: [host] }), []),
    served(
      'impostor-root',
      await issue({ commonName: host, issuer: impostorIntermediate, key: pinnedKey, san: [host] }),
      [impostorIntermediate],
    ),
    served('missing-intermediate', valid, []),
    served('intermediate-not-ca', await issue({ commonName: host, issuer: notCa, key: pinnedKey, san: [host] }), [
      notCa,
    ]),
    served('pathlen-violated', await issue({ commonName: host, issuer: secondLevel, key: pinnedKey, san: [host] }), [
      secondLevel,
      pathLenZero,
    ]),
    served('wrong-eku', await leaf({ eku: 'clientAuth' })),
    served('sha1', await leaf({ digest: 'sha1' }), [intermediate], {
      weak: true,
    }),
    served('rsa-1024', await leaf({ key: rsaKey('weak', 1024) }), [intermediate], {
      weak: true,
    }),
    served('wrong-pin', await leaf({ key: rsaKey('other') })),
    served('broken-signature', breakSignature(valid)),
    served('name-constraints', await issue({ commonName: host, issuer: constrained, key: pinnedKey, san: [host] }), [
      constrained,
    ]),
    served('tls-1.0', valid, [intermediate], {
      weak: true,
      versions: { min: 'TLSv1', max: 'TLSv1' },
    }),
  ];
}
