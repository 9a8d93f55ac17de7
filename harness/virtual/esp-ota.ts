/**
 * The virtual board's ESP-IDF OTA: two app partitions, `esp_https_ota` fetching an image over
 * HTTPS with the CA the firmware trusts, the checks ESP-IDF makes before it switches the boot
 * partition (the app's version policy, anti-rollback against the eFuse secure version,
 * esp_image_verify's SHA-256, Secure Boot V2's key digest and RSA-PSS signature), and the eFuse
 * raised when the new app runs. Log lines are ESP-IDF's (REFERENCE.md 2.3). Each flaw skips one check.
 */
import { constants, createHash, type KeyObject, publicDecrypt } from 'node:crypto';
import { request } from 'node:https';
import type { VirtualFlaw } from '../config/schema.ts';
import { espSignatureValid, type ParsedEspImage, parseEspImage } from '../wire/esp-image.ts';
import { compareVersions, parseVersion } from '../wire/mcuboot-image.ts';

const MAX_DOWNLOAD = 4 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

export interface OtaResult {
  lines: string[];
  /** The boot partition was switched: the app restarts (esp_restart()). */
  reboot: boolean;
}

export class EspOtaSlots {
  private running: Buffer;
  private next: Buffer | undefined;
  /** The app that ran before the one on trial (ESP_OTA_IMG_PENDING_VERIFY): what a rollback returns to. */
  private previous: Buffer | undefined;
  private efuseSecureVersion: number;

  constructor(
    image: Buffer,
    private readonly keyDigest: Buffer,
    private readonly flaws: readonly VirtualFlaw[],
  ) {
    this.running = image;
    this.efuseSecureVersion = parseEspImage(image).app.secureVersion;
  }

  /** The running image's own bytes (its hash names the build). */
  get image(): Buffer {
    return this.running;
  }

  get version(): string {
    return parseEspImage(this.running).app.version;
  }

  get secureVersion(): number {
    return parseEspImage(this.running).app.secureVersion;
  }

  /**
   * At reset: the partition the last OTA chose boots, on trial; an app still on trial at the next
   * reset was never marked valid, and the bootloader rolls back to the one before it.
   */
  boot(): string[] {
    const lines: string[] = [];
    if (this.next) {
      this.previous = this.running;
      this.running = this.next;
      this.next = undefined;
      lines.push('Loaded app from partition at offset 0x110000 (ota_1, pending verify)');
    } else if (this.previous) {
      this.running = this.previous;
      this.previous = undefined;
      lines.push('ota_1 was never marked valid: rollback to the previous app (ota_0)');
    }
    lines.push(`Secure version (from eFuse) = ${this.efuseSecureVersion}`);
    return lines;
  }

  /** esp_ota_mark_app_valid_cancel_rollback(): the app on trial stays, and its secure version is burnt. */
  confirm(): string {
    this.previous = undefined;
    const secure = this.secureVersion;
    if (!this.has('counter-ignored') && secure > this.efuseSecureVersion) this.efuseSecureVersion = secure;
    return `esp_ota_ops: marked valid; secure version in eFuse ${this.efuseSecureVersion}`;
  }

  async update(url: string, caCert: string): Promise<OtaResult> {
    let bytes: Buffer;
    try {
      bytes = await fetch(url, caCert);
    } catch (error) {
      return refuse(`esp_https_ota: Failed to open HTTP connection: ${(error as Error).message}`);
    }
    let image: ParsedEspImage;
    try {
      image = parseEspImage(bytes);
    } catch (error) {
      return refuse(`esp_image: ${(error as Error).message}`);
    }
    const problem = this.problem(bytes, image);
    if (problem) return refuse(problem);
    this.next = bytes;
    return {
      lines: [`esp_https_ota: Writing ${bytes.length} bytes to ota_1`, 'OTA succeeded, rebooting...'],
      reboot: true,
    };
  }

  /** Why ESP-IDF would not switch to this image, or undefined. */
  private problem(bytes: Buffer, image: ParsedEspImage): string | undefined {
    const { version, secureVersion } = image.app;
    if (version === this.version)
      return 'ota: Current running version is the same as a new. We will not continue the update.';
    if (!this.has('downgrade-accepted') && older(version, this.version))
      return `ota: New firmware version ${version} is older than the running ${this.version}`;
    if (!this.has('counter-ignored') && secureVersion < this.efuseSecureVersion)
      return `ota: New firmware security version is less than eFuse programmed, ${secureVersion} < ${this.efuseSecureVersion}`;
    if (!this.has('hash-not-checked') && !(image.hashValid && image.checksumValid))
      return 'esp_image: Image hash failed - image is corrupt';
    const signature = image.signature;
    if (!signature)
      return this.has('unsigned-accepted') ? undefined : 'secure_boot_v2: No signature block magic byte found';
    if (!signature.keyDigest.equals(this.keyDigest))
      return this.has('any-key-accepted')
        ? undefined
        : 'secure_boot_v2: Public key digest mismatch: not the key in eFuse';
    if (this.has('signature-not-checked')) return undefined; // the flaw: a block by the eFuse key, never verified
    const valid = this.has('hash-not-checked')
      ? pssOverDigest(signature.publicKey, signature.imageDigest, signature.signature) // the flaw trusts the block's digest
      : espSignatureValid(bytes, image);
    return valid ? undefined : 'secure_boot_v2: Signature verification failed';
  }

  private has(flaw: VirtualFlaw): boolean {
    return this.flaws.includes(flaw);
  }
}

const refuse = (line: string): OtaResult => ({ lines: [`E ${line}`, 'OTA failed'], reboot: false });

function older(a: string, b: string): boolean {
  try {
    return compareVersions(parseVersion(a), parseVersion(b)) < 0;
  } catch {
    return false;
  }
}

/** Fetch over HTTPS with the firmware's CA; the board's DNS sends every name to the harness (loopback). */
function fetch(url: string, caCert: string): Promise<Buffer> {
  const target = new URL(url);
  const host = target.hostname;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: target.port, path: target.pathname, servername: host, ca: caCert, headers: { host } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`HTTP ${res.statusCode}`));
        }
        const parts: Buffer[] = [];
        let length = 0;
        res.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length > MAX_DOWNLOAD) req.destroy(new Error(`image over ${MAX_DOWNLOAD} bytes`));
          else parts.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(parts)));
        res.on('error', reject);
      },
    );
    req.setTimeout(FETCH_TIMEOUT_MS, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** RSA-PSS (SHA-256, MGF1, salt 32) verified against a digest given, not one computed (RFC 8017 9.1.2). */
function pssOverDigest(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const em = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
  const hLen = 32;
  if (em.at(-1) !== 0xbc) return false;
  const masked = em.subarray(0, em.length - hLen - 1);
  const h = em.subarray(em.length - hLen - 1, em.length - 1);
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * hLen < masked.length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash('sha256').update(h).update(c).digest());
  }
  const mask = Buffer.concat(blocks);
  const db = Buffer.from(masked.map((b, i) => b ^ mask[i]!));
  db[0] = db[0]! & 0x7f; // emBits = modBits - 1: the top bit is not part of the message
  const one = db.length - hLen - 1;
  if (db[one] !== 0x01 || db.subarray(0, one).some((b) => b !== 0)) return false;
  const salt = db.subarray(one + 1);
  const expected = createHash('sha256').update(Buffer.alloc(8)).update(digest).update(salt).digest();
  return expected.equals(h);
}
