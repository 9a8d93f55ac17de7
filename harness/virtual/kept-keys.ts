/**
 * The virtual boards' TLS keys (the CA and the pinned server key their firmware is "built" with),
 * made once per checkout and kept in build/virtual-keys/ (mode 0600). A real board's CA and pin
 * outlive a run too, and making two 2048-bit keys was 0.2-0.35 s of every rig host's start, on the
 * way to the first suite. A kept file that is not a 2048-bit RSA key is made again.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, writeWholeFile } from '../root.ts';
import { adoptRsaKey, keyFromPem, makeRsaKeys, rsaKey } from '../wire/x509.ts';

const KEPT_DIR = join(PROJECT_ROOT, 'build', 'virtual-keys');
const BITS = 2048;

/** After this, `rsaKey(label)` gives each label's kept key. */
export async function keptRsaKeys(labels: string[], dir = KEPT_DIR): Promise<void> {
  const missing = labels.filter((label) => {
    try {
      const pair = keyFromPem(readFileSync(join(dir, `${label}.pem`), 'utf8'));
      if (pair.key.asymmetricKeyDetails?.modulusLength !== BITS) return true;
      adoptRsaKey(label, pair);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  await makeRsaKeys(missing.map((label) => ({ label, bits: BITS })));
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const label of missing) {
      // Two rig hosts starting at once each keep a whole key.
      writeWholeFile(join(dir, `${label}.pem`), rsaKey(label, BITS).pem, 0o600);
    }
  } catch {
    // A checkout this user cannot write to makes the keys at every start, as before.
  }
}
