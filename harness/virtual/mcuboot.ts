/**
 * The virtual board's flash and bootloader, MCUboot-style: a primary slot it runs from and a
 * secondary slot that updates are uploaded to. At reset a pending secondary image is validated
 * (header and TLVs, SHA256, key hash against the built-in key, signature, version against the
 * running one, security counter against the floor) and swapped in, for a test boot that reverts
 * at the next reset unless the image is confirmed; an image that fails is erased. The log lines
 * are MCUboot's own (boot/bootutil/src/loader.c, REFERENCE.md 4.2). Each update flaw skips one step.
 */
import { createHash, type KeyObject, verify } from 'node:crypto';
import type { VirtualFlaw } from '../config/schema.ts';
import {
  compareVersions,
  keyHash,
  type ParsedImage,
  parseHeader,
  parseImage,
  parseVersion,
  signatureValid,
} from '../wire/mcuboot-image.ts';

export const SLOT_SIZE = 256 * 1024;

export interface SlotState {
  slot: number;
  version: string;
  hash: Buffer;
  bootable: boolean;
  pending: boolean;
  confirmed: boolean;
  active: boolean;
  permanent: boolean;
}

export class Mcuboot {
  private primary: Buffer;
  private secondary: Buffer | undefined;
  /** A swap asked for at the next reset: `test` reverts unless confirmed, `permanent` does not. */
  private pending: 'test' | 'permanent' | undefined;
  /** The primary image was swapped in for a test and is not confirmed yet (image_ok unset). */
  private onTrial = false;
  private floor: number;
  private readonly trustedKeyHash: Buffer;

  constructor(
    primary: Buffer,
    private readonly trustedKey: KeyObject,
    private readonly flaws: readonly VirtualFlaw[],
  ) {
    this.primary = primary;
    this.trustedKeyHash = keyHash(trustedKey);
    this.floor = parseImage(primary).securityCounter ?? 0;
  }

  get runningVersion(): string {
    return parseImage(this.primary).version;
  }

  get securityFloor(): number {
    return this.floor;
  }

  slots(): SlotState[] {
    const state = (image: Buffer, slot: number): SlotState => {
      const parsed = parseImage(image);
      return {
        slot,
        version: parsed.version,
        hash: parsed.hash ?? Buffer.alloc(32),
        bootable: true,
        pending: slot === 1 && this.pending !== undefined,
        confirmed: slot === 0 && !this.onTrial,
        active: slot === 0,
        permanent: slot === 1 && this.pending === 'permanent',
      };
    };
    return [state(this.primary, 0), ...(this.secondary ? [state(this.secondary, 1)] : [])];
  }

  /** An upload finished: the image is in the secondary slot, not yet pending. */
  store(image: Buffer): void {
    this.secondary = image;
    this.pending = undefined;
  }

  erase(): void {
    this.secondary = undefined;
    this.pending = undefined;
  }

  /** Image state write: test or confirm the image with this hash. False when no slot holds it. */
  mark(hash: Buffer, confirm: boolean): boolean {
    if (this.secondary && parseImage(this.secondary).hash?.equals(hash)) {
      this.pending = confirm ? 'permanent' : 'test';
      return true;
    }
    if (parseImage(this.primary).hash?.equals(hash)) {
      if (confirm) this.confirmPrimary();
      return true;
    }
    return false;
  }

  /** The running application confirms itself: the swap is kept and the security counter floor moves up. */
  confirmPrimary(): void {
    this.onTrial = false;
    this.floor = Math.max(this.floor, parseImage(this.primary).securityCounter ?? 0);
  }

  /** What the bootloader does at reset, and the lines it prints. */
  boot(): string[] {
    const lines = ['I: Starting bootloader'];
    if (this.onTrial && this.secondary) {
      lines.push('I: Swap type: revert');
      [this.primary, this.secondary] = [this.secondary, this.primary];
      this.onTrial = false;
    } else if (this.pending && this.secondary) {
      const refused = this.refusal(this.secondary);
      if (refused) {
        lines.push(...refused);
        this.erase();
        lines.push('I: Swap type: none');
      } else {
        lines.push(`I: Swap type: ${this.pending === 'test' ? 'test' : 'perm'}`);
        const trial = this.pending === 'test';
        [this.primary, this.secondary] = [this.secondary, this.primary];
        this.pending = undefined;
        if (trial) this.onTrial = true;
        else this.confirmPrimary();
      }
    } else {
      lines.push('I: Swap type: none');
    }
    const running = parseImage(this.primary);
    lines.push(`I: Image version: ${running.version}`, 'I: Jumping to the first image slot');
    return lines;
  }

  /** Why the secondary image may not boot (MCUboot's error lines), or undefined when it may. */
  private refusal(bytes: Buffer): string[] | undefined {
    let image: ParsedImage;
    try {
      image = parseImage(bytes);
    } catch {
      return [`E: Bad image magic 0x${bytes.subarray(0, 4).readUInt32LE(0).toString(16)}; Image=0`];
    }
    const invalid = ['E: Image in the secondary slot is not valid!'];
    if (!image.hash) return invalid;
    if (!image.hashValid && !this.has('hash-not-checked')) return invalid;
    if (!this.signatureAccepted(image)) return invalid;
    const primary = parseImage(this.primary);
    if (compareVersions(image.header.version, primary.header.version) < 0 && !this.has('downgrade-accepted'))
      return ['E: insufficient version in secondary slot', 'I: Image 0 in slot 1 erased due to downgrade prevention'];
    const counter = image.securityCounter ?? 0;
    if (counter < this.floor && !this.has('counter-ignored'))
      return [`E: Image security counter value ${counter} lower than monotonic value ${this.floor}`, ...invalid];
    return undefined;
  }

  private signatureAccepted(image: ParsedImage): boolean {
    if (!image.signature) return this.has('unsigned-accepted');
    if (!image.keyHash?.equals(this.trustedKeyHash)) return this.has('any-key-accepted');
    if (this.has('hash-not-checked') && image.signatureKind === 'ed25519' && image.hash) {
      // The flaw trusts the SHA256 TLV as the digest, so the signature is checked against it.
      return verify(null, image.hash, this.trustedKey, image.signature);
    }
    return signatureValid(image, this.trustedKey);
  }

  private has(flaw: VirtualFlaw): boolean {
    return this.flaws.includes(flaw);
  }
}

/** img_mgmt's `upgrade: true` check on the first chunk: refused unless newer than what runs. */
export function notNewer(firstChunk: Buffer, running: string): boolean {
  try {
    return compareVersions(parseHeader(firstChunk).version, parseVersion(running)) <= 0;
  } catch {
    return false;
  }
}

export function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}
