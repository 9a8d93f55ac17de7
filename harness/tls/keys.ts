/**
 * The keys the TLS scenarios' certificates are made for and signed with: RSA keys are the slow part,
 * so each label and size is made once per run and reused; EC keys are quick and made fresh.
 */
import { generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { type KeyPair, keyFromPem } from '../wire/x509.ts';

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

/** A fresh P-256 key (not cached: EC keys are quick to make). */
export function ecKey(): KeyPair {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return keyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}
