/**
 * The images a virtual board's firmware was "released" as: the one in its primary slot, an older
 * and a newer one, all signed with the board's own Ed25519 key, as a team's CI would sign them
 * with imgtool. The older image keeps the current security counter, as many teams do, so only the
 * bootloader's version check stands between it and a downgrade.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, formatVersion, parseVersion, signerFor } from '../wire/mcuboot-image.ts';

const BODY_BYTES = 8 * 1024;
const COUNTER = { older: 2, current: 2, newer: 3 };

export interface UpdateImages {
  files: { current: string; older: string; newer: string; key: string };
  primary: Buffer;
  trustedKey: string;
}

/** An application body that says which version it is (and differs in every byte between versions). */
function body(version: string): Buffer {
  const parts: Buffer[] = [Buffer.from(`hil-virtual app ${version}\n`)];
  let block = createHash('sha256').update(version).digest();
  while (Buffer.concat(parts).length < BODY_BYTES) {
    parts.push(block);
    block = createHash('sha256').update(block).digest();
  }
  return Buffer.concat(parts).subarray(0, BODY_BYTES);
}

export function mintUpdateImages(stateDir: string, board: string, version: string): UpdateImages {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = signerFor(privateKey);
  const current = parseVersion(version);
  const older =
    current.revision > 0
      ? { ...current, revision: current.revision - 1 }
      : current.minor > 0
        ? { ...current, minor: current.minor - 1 }
        : { ...current, major: Math.max(current.major - 1, 0) };
  const newer = { ...current, minor: current.minor + 1, revision: 0, build: 0 };
  const image = (v: typeof current, securityCounter: number) =>
    buildImage({ body: body(formatVersion(v)), version: v, securityCounter, signer, hdrSize: 0x200 });
  const built = {
    current: image(current, COUNTER.current),
    older: image(older, COUNTER.older),
    newer: image(newer, COUNTER.newer),
  };
  const files = {
    current: join(stateDir, `${board}.app-current.bin`),
    older: join(stateDir, `${board}.app-older.bin`),
    newer: join(stateDir, `${board}.app-newer.bin`),
    key: join(stateDir, `${board}.signing-key.pem`),
  };
  for (const which of ['current', 'older', 'newer'] as const) writeFileSync(files[which], built[which]);
  writeFileSync(files.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return {
    files,
    primary: built.current,
    trustedKey: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string,
  };
}
