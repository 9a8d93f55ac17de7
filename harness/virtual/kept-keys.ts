/**
 * The virtual boards' TLS keys (the CA and the pinned server key their firmware is "built" with),
 * made once per checkout and kept in build/virtual-keys/ (mode 0600). A real board's CA and pin
 * outlive a run too, and making two 2048-bit keys was 0.2-0.35 s of every rig host's start, on the
 * way to the first suite. A kept file that is not a 2048-bit RSA key is made again.
 * The rig host makes its own keys (not harness/tls/keys.ts): the virtual rig is the far side of the wire.
 */
import { generateKeyPair } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT, writeWholeFile } from '../util/root.ts';
import { type KeyPair, keyFromPem } from '../wire/x509.ts';

const KEPT_DIR = join(PROJECT_ROOT, 'build', 'virtual-keys');
const BITS = 2048;
const generate = promisify(generateKeyPair);

/** Each label's kept key: read from its file, or made (in the thread pool, side by side) and kept. */
export async function keptRsaKeys<Label extends string>(
  labels: Label[],
  dir = KEPT_DIR,
): Promise<Record<Label, KeyPair>> {
  const keys = {} as Record<Label, KeyPair>;
  const missing = labels.filter((label) => {
    try {
      const pair = keyFromPem(readFileSync(join(dir, `${label}.pem`), 'utf8'));
      if (pair.key.asymmetricKeyType !== 'rsa' || pair.key.asymmetricKeyDetails?.modulusLength !== BITS) return true;
      keys[label] = pair;
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return keys;
  await Promise.all(
    missing.map(async (label) => {
      const { privateKey } = await generate('rsa', { modulusLength: BITS });
      keys[label] = keyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    }),
  );
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const label of missing) {
      // Two rig hosts starting at once each keep a whole key.
      writeWholeFile(join(dir, `${label}.pem`), keys[label].pem, 0o600);
    }
  } catch {
    // A checkout this user cannot write to makes the keys at every start, as before.
  }
  return keys;
}
