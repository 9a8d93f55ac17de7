/**
 * The virtual board's flash and bootloader, MCUboot-style: a primary slot it runs from and a
 * secondary slot that updates are uploaded to. At reset a pending secondary image is validated
 * (header and TLVs, the image hash, key hash against the built-in key, signature, version against the
 * running one, security counter against the floor) and swapped in, for a test boot that reverts
 * at the next reset unless the image is confirmed; an image that fails is erased. The log lines
 * are MCUboot's own (boot/bootutil/src/loader.c, REFERENCE.md 4.2). Each update flaw skips one step.
 */
import { createHash, type KeyObject, verify } from 'node:crypto';
import type { VirtualFlaw } from '../config/schema.ts';
import {
  compareVersions,
  formatVersion,
  type ParsedImage,
  parseHeader,
  parseImage,
  parseVersion,
  signatureValid,
} from '../wire/mcuboot-image.ts';
import { keyHash } from '../wire/mcuboot-sign.ts';
import type { FlashWriter } from './flash.ts';

export const SLOT_SIZE = 256 * 1024;
/** Sectors a swap moves, one flash write each (real slots have hundreds; four keeps trials short). */
export const SWAP_SECTORS = 4;

/** Where the bootloader prints, and how it writes flash (each write a console marker). */
export interface BootOutput {
  line(text: string): Promise<void>;
  write: FlashWriter;
}

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
  /** A swap under way, kept in the image trailer so that a reset resumes it. */
  private swapStatus: { kind: 'test' | 'perm' | 'revert'; done: number } | undefined;
  private verified = true;

  constructor(
    primary: Buffer,
    private readonly trustedKey: KeyObject,
    private readonly flaws: readonly VirtualFlaw[],
  ) {
    this.primary = primary;
    this.floor = parseImage(primary).securityCounter ?? 0;
  }

  /** From the primary slot's header: what the application reports, whatever the rest of the slot holds. */
  get runningVersion(): string {
    return formatVersion(parseHeader(this.primary).version);
  }

  /** The primary image's hash TLV (what the image list names it by); undefined for a slot that is no image. */
  get runningHash(): Buffer | undefined {
    return parseOrUndefined(this.primary)?.hash;
  }

  /** Whether the image jumped into at the last reset was validated (or valid). */
  get bootedVerified(): boolean {
    return this.verified;
  }

  get securityFloor(): number {
    return this.floor;
  }

  slots(): SlotState[] {
    const state = (image: Buffer, slot: number): SlotState => {
      // A slot that holds parts of two images is listed by its header and whatever hash TLV it has.
      const parsed = parseOrUndefined(image);
      return {
        slot,
        version: formatVersion(parseHeader(image).version),
        hash: parsed?.hash ?? Buffer.alloc(32),
        bootable: parsed !== undefined,
        pending: slot === 1 && this.pending !== undefined,
        confirmed: slot === 0 && !this.onTrial,
        active: slot === 0,
        permanent: slot === 1 && this.pending === 'permanent',
      };
    };
    return [state(this.primary, 0), ...(this.secondary ? [state(this.secondary, 1)] : [])];
  }

  /**
   * The primary slot written directly (a development flasher, the ROM loader): no swap, no trial; the
   * image is judged at the next boot as any other. Bytes that are no image at all leave the slot as
   * it was (the board would find nothing to boot; the flasher's own verify is what catches that).
   */
  writePrimary(slot: Buffer): boolean {
    const image = parseOrUndefined(slot);
    if (!image) return false;
    this.primary = Buffer.from(slot.subarray(0, image.length));
    this.pending = undefined;
    this.onTrial = false;
    this.swapStatus = undefined;
    return true;
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
    if (this.secondary && parseOrUndefined(this.secondary)?.hash?.equals(hash)) {
      this.pending = confirm ? 'permanent' : 'test';
      return true;
    }
    if (parseOrUndefined(this.primary)?.hash?.equals(hash)) {
      if (confirm) this.confirmPrimary();
      return true;
    }
    return false;
  }

  /** The running application confirms itself: the swap is kept and the security counter floor moves up. */
  confirmPrimary(): void {
    this.onTrial = false;
    this.floor = Math.max(this.floor, parseOrUndefined(this.primary)?.securityCounter ?? 0);
  }

  /**
   * What the bootloader does at reset, printed as it goes. A swap exchanges the slots sector by
   * sector, each a flash write, its progress kept in the trailer so that a cut is resumed at the next
   * reset; the boot status (the trial flag and the security counter) is written last.
   */
  async boot(out: BootOutput): Promise<void> {
    await out.line('I: Starting bootloader');
    this.verified = true;
    if (this.swapStatus && this.has('partial-update-boots')) {
      // The flaw: the swap's progress is not kept, so a cut swap is not resumed and what is in the
      // primary slot (part one image, part the other) is jumped into without validating it.
      this.swapStatus = undefined;
      this.pending = undefined;
      await out.line('I: Swap type: none');
      this.verified = validImage(this.primary);
    } else if (this.swapStatus) {
      await out.line(`I: Resuming ${this.swapStatus.kind} swap at sector ${this.swapStatus.done + 1}/${SWAP_SECTORS}`);
      await this.swap(out);
    } else if (this.onTrial && this.secondary) {
      await out.line('I: Swap type: revert');
      this.swapStatus = { kind: 'revert', done: 0 };
      await this.swap(out);
    } else if (this.pending && this.secondary) {
      const refused = this.refusal(this.secondary);
      if (refused) {
        for (const line of refused) await out.line(line);
        this.erase();
        await out.line('I: Swap type: none');
      } else {
        const kind = this.pending === 'test' ? 'test' : 'perm';
        await out.line(`I: Swap type: ${kind}`);
        this.swapStatus = { kind, done: 0 };
        await this.swap(out);
      }
    } else {
      await out.line('I: Swap type: none');
    }
    await out.line(`I: Image version: ${this.runningVersion}`);
    await out.line('I: Jumping to the first image slot');
  }

  private async swap(out: BootOutput): Promise<void> {
    const status = this.swapStatus!;
    const length = Math.max(this.primary.length, this.secondary!.length);
    this.primary = padded(this.primary, length);
    this.secondary = padded(this.secondary!, length);
    const size = Math.ceil(length / SWAP_SECTORS);
    for (let i = status.done; i < SWAP_SECTORS; i++) {
      await out.write(undefined, `I: flash: swap sector ${i + 1}/${SWAP_SECTORS}`, () => {
        const mine = Buffer.from(this.primary.subarray(i * size, (i + 1) * size));
        this.secondary!.copy(this.primary, i * size, i * size, (i + 1) * size);
        mine.copy(this.secondary!, i * size);
        status.done = i + 1;
      });
    }
    const finish = () => {
      this.swapStatus = undefined;
      this.pending = undefined;
      this.onTrial = status.kind === 'test';
      if (status.kind === 'perm')
        this.floor = Math.max(this.floor, parseOrUndefined(this.primary)?.securityCounter ?? 0);
    };
    if (this.has('counter-reset-on-cut')) {
      // The flaw: the boot status (with the security counter) is erased, then written again.
      await out.write(undefined, 'I: flash: erase boot status', () => {
        this.floor = 0;
      });
    }
    await out.write(undefined, 'I: flash: write boot status', finish);
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
    if (compareVersions(image.header.version, parseHeader(this.primary).version) < 0 && !this.has('downgrade-accepted'))
      return ['E: insufficient version in secondary slot', 'I: Image 0 in slot 1 erased due to downgrade prevention'];
    const counter = image.securityCounter ?? 0;
    if (counter < this.floor && !this.has('counter-ignored'))
      return [`E: Image security counter value ${counter} lower than monotonic value ${this.floor}`, ...invalid];
    return undefined;
  }

  private signatureAccepted(image: ParsedImage): boolean {
    if (!image.signature) return this.has('unsigned-accepted');
    // The built-in key's hash, by the image's own hash algorithm (imgtool hashes the key as it hashes the image).
    if (!image.keyHash?.equals(keyHash(this.trustedKey, image.hashKind))) return this.has('any-key-accepted');
    // The flaw: a signature is required, by a known key, and never verified.
    if (this.has('signature-not-checked')) return true;
    if (this.has('hash-not-checked') && image.signatureKind === 'ed25519' && !image.pure && image.hash) {
      // The flaw trusts the hash TLV as the digest, so the signature is checked against it.
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

function parseOrUndefined(image: Buffer): ParsedImage | undefined {
  try {
    return parseImage(image);
  } catch {
    return undefined;
  }
}

function validImage(image: Buffer): boolean {
  return parseOrUndefined(image)?.hashValid === true;
}

function padded(image: Buffer, length: number): Buffer {
  return image.length >= length ? image : Buffer.concat([image, Buffer.alloc(length - image.length, 0xff)]);
}
