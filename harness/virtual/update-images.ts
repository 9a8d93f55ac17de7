/**
 * The images a virtual board's firmware was "released" as: the one it runs, an older and a newer
 * one, signed as a team's CI would sign them: MCUboot images with the board's own Ed25519 key (as
 * imgtool does; a board whose mcumgr behaves as Zephyr's gets `--pure` images, hashed with SHA-512),
 * or ESP-IDF app images with a Secure Boot V2 RSA-3072 key (as espsecure does). The older image
 * keeps the current security counter, as many teams do, so only the version check stands between it
 * and a downgrade.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEspImage, encodeAppDescription, keyDigest, signEspImage } from '../wire/esp-image.ts';
import { buildImage, formatVersion, type ImageVersion, parseVersion } from '../wire/mcuboot-image.ts';
import { signerFor } from '../wire/mcuboot-sign.ts';
import { SLOT_SIZE } from './mcuboot.ts';
import type { UpdateOptions } from './update-storage.ts';

const BODY_BYTES = 8 * 1024;
const COUNTER = { older: 2, current: 2, newer: 3 };

export interface UpdateImages {
  files: { current: string; older: string; newer: string; key: string };
  update: UpdateOptions;
}

/** RSA-3072 keys take a second to make: one serves every ESP board of the rig host. */
let espKey: KeyObject | undefined;

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

type Versions = Record<'current' | 'older' | 'newer', ImageVersion>;

function versions(version: string): Versions {
  const current = parseVersion(version);
  const older =
    current.revision > 0
      ? { ...current, revision: current.revision - 1 }
      : current.minor > 0
        ? { ...current, minor: current.minor - 1 }
        : { ...current, major: Math.max(current.major - 1, 0) };
  return { current, older, newer: { ...current, minor: current.minor + 1, revision: 0, build: 0 } };
}

/** How the board is updated: the rig's rollback path, its mcumgr server, its slot size. */
export interface UpdateSetup {
  path: 'smp' | 'esp-ota';
  mcumgr: 'ideal' | 'zephyr';
  slotBytes?: number;
}

type Minted = { built: Record<keyof Versions, Buffer>; key: KeyObject; update: UpdateOptions };

function mcubootImages(v: Versions, setup: UpdateSetup): Minted {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = signerFor(privateKey);
  const image = (which: keyof Versions) =>
    buildImage({
      body: body(formatVersion(v[which])),
      version: v[which],
      securityCounter: COUNTER[which],
      signer,
      hdrSize: 0x200,
      pure: setup.mcumgr === 'zephyr',
    });
  const built = { current: image('current'), older: image('older'), newer: image('newer') };
  const trustedKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string;
  const slotBytes = setup.slotBytes ?? SLOT_SIZE;
  return {
    built,
    key: privateKey,
    update: { kind: 'mcuboot', primary: built.current, trustedKey, mcumgr: setup.mcumgr, slotBytes },
  };
}

function espImages(v: Versions): Minted {
  espKey ??= generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey;
  const key = espKey;
  const image = (which: keyof Versions) => {
    const version = formatVersion(v[which]);
    const app = encodeAppDescription({
      secureVersion: COUNTER[which],
      version,
      projectName: 'hil-virtual',
      idfVersion: 'v5.1.2',
    });
    const unsigned = buildEspImage([
      { loadAddr: 0x3f400020, data: Buffer.concat([app, body(version).subarray(0, 2048)]) },
      { loadAddr: 0x400d0020, data: body(`${version} code`) },
    ]);
    return signEspImage(unsigned, key);
  };
  const built = { current: image('current'), older: image('older'), newer: image('newer') };
  return { built, key, update: { kind: 'esp-ota', image: built.current, keyDigest: keyDigest(key) } };
}

export function mintUpdateImages(stateDir: string, board: string, version: string, setup: UpdateSetup): UpdateImages {
  const { built, key, update } =
    setup.path === 'smp' ? mcubootImages(versions(version), setup) : espImages(versions(version));
  const files = {
    current: join(stateDir, `${board}.app-current.bin`),
    older: join(stateDir, `${board}.app-older.bin`),
    newer: join(stateDir, `${board}.app-newer.bin`),
    key: join(stateDir, `${board}.signing-key.pem`),
  };
  for (const which of ['current', 'older', 'newer'] as const) writeFileSync(files[which], built[which]);
  writeFileSync(files.key, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { files, update };
}
