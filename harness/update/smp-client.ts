/**
 * An mcumgr client on a board's console: os_mgmt (echo, reset, MCUmgr parameters) and img_mgmt
 * (image state, upload, erase), its requests on the console through smp-link.ts. Upload chunks are
 * sized to the device's receive buffer (its MCUmgr parameters), and the first chunk, which erases
 * the slot, waits as long as the slot's erase may take.
 */
import type { Console } from '../console/console.ts';
import { HilError } from '../util/errors.ts';
import { fitData, GROUP, IMAGE_CMD, mcumgrParams, OP, OS_CMD } from '../wire/smp.ts';
import { createHash } from 'node:crypto';
import { REQUEST_TIMEOUT_MS, SmpDeviceError, SmpLink } from './smp-link.ts';

export { SmpDeviceError } from './smp-link.ts';

/**
 * Erasing flash, per KiB of the slot: about twice the slowest page and sector erase times of common
 * parts' datasheets (STM32F4 128 KiB sectors up to 2 s, nRF52 4 KiB pages 85 ms).
 */
const ERASE_MS_PER_KIB = 32;
/** The slot assumed where the rig gives no `rollback.slot-size`: larger than most MCU image slots. */
const DEFAULT_SLOT_BYTES = 1024 * 1024;

/** How long a request that erases a slot of this size (an upload's first chunk, an image erase) may take. */
function eraseDeadlineMs(slotBytes = DEFAULT_SLOT_BYTES): number {
  return REQUEST_TIMEOUT_MS + ERASE_MS_PER_KIB * Math.ceil(slotBytes / 1024);
}

export interface ImageSlot {
  image: number;
  slot: number;
  version: string;
  hash: Buffer | undefined;
  bootable: boolean;
  pending: boolean;
  confirmed: boolean;
  active: boolean;
  permanent: boolean;
}

export class SmpClient {
  private readonly link: SmpLink;

  constructor(private readonly console: Console) {
    this.link = new SmpLink(console);
  }

  close(): void {
    this.link.close();
  }

  /** Whether the board's newest printed text, frames aside, is its prompt: the console's (Console.atPrompt). */
  atPrompt(prompt: RegExp): boolean {
    return this.console.atPrompt(prompt);
  }

  async echo(text: string, step = 'SMP echo'): Promise<string> {
    const body = await this.link.request(OP.WRITE, GROUP.OS, OS_CMD.ECHO, { d: text }, step);
    return String(body.r ?? '');
  }

  /** OS reset: the device answers, then resets. */
  async reset(step = 'SMP reset'): Promise<void> {
    await this.link.request(OP.WRITE, GROUP.OS, OS_CMD.RESET, {}, step);
    this.console.leftPrompt(); // rebooting: no prompt until it prints one
  }

  async imageState(step = 'SMP image state'): Promise<ImageSlot[]> {
    return slotsOf(await this.link.request(OP.READ, GROUP.IMAGE, IMAGE_CMD.STATE, {}, step));
  }

  /** Mark the image with this hash for a test boot (`confirm: false`) or for good (`confirm: true`). */
  async setState(hash: Buffer, confirm: boolean, step = 'SMP image state write'): Promise<ImageSlot[]> {
    return slotsOf(await this.link.request(OP.WRITE, GROUP.IMAGE, IMAGE_CMD.STATE, { hash, confirm }, step));
  }

  /** Erase the secondary slot (`slotBytes` of flash: the deadline allows for its erase). */
  async erase(step = 'SMP image erase', slotBytes?: number): Promise<void> {
    await this.link.request(OP.WRITE, GROUP.IMAGE, IMAGE_CMD.ERASE, {}, step, eraseDeadlineMs(slotBytes));
  }

  /** The device's receive buffers (os_mgmt's MCUmgr parameters); undefined where it has no such command. */
  async mcumgrParams(step = 'SMP MCUmgr parameters'): Promise<{ bufSize: number; bufCount: number } | undefined> {
    try {
      return mcumgrParams(await this.link.request(OP.READ, GROUP.OS, OS_CMD.MCUMGR_PARAMS, {}, step));
    } catch (error) {
      if (error instanceof SmpDeviceError) return undefined;
      throw error;
    }
  }

  /**
   * Upload an image to the secondary slot in chunks of at most `chunk` bytes, fewer where the device's
   * buffer holds less (its MCUmgr parameters), following the offset the device answers with (it may ask
   * to resume elsewhere). The first chunk erases the slot: its answer may take as long as erasing
   * `slotBytes`. `upgrade` asks the device to refuse a version that is not newer than the one running.
   */
  async upload(
    image: Buffer,
    options: {
      chunk: number;
      slotBytes?: number;
      upgrade?: boolean;
      step?: string;
      onProgress?: (sent: number) => void;
    },
  ): Promise<void> {
    const step = options.step ?? 'SMP image upload';
    const params = await this.mcumgrParams(`${step}: MCUmgr parameters`);
    if (params)
      this.console.note(
        `smp: the device's buffers: ${params.bufCount} of ${params.bufSize} bytes; chunks sized to fit`,
      );
    const sha = createHash('sha256').update(image).digest();
    let off = 0;
    let rounds = 0;
    while (off < image.length) {
      const first = off === 0 ? { len: image.length, sha, ...(options.upgrade ? { upgrade: true } : {}) } : {};
      const size = Math.min(options.chunk, params ? fitData(params.bufSize, { ...first, off }) : options.chunk);
      if (size <= 0)
        throw new HilError({
          board: this.console.board,
          step,
          expected: 'a device buffer with room for image data',
          seen: `buf_size ${params?.bufSize}`,
        });
      if (++rounds > 4 * Math.ceil(image.length / size) + 8)
        throw new HilError({
          board: this.console.board,
          step,
          expected: 'the upload to advance',
          seen: `offset stuck at ${off}`,
        });
      const body = await this.link.request(
        OP.WRITE,
        GROUP.IMAGE,
        IMAGE_CMD.UPLOAD,
        { ...first, off, data: image.subarray(off, off + size) },
        `${step} at ${off}`,
        off === 0 ? eraseDeadlineMs(options.slotBytes) : REQUEST_TIMEOUT_MS,
      );
      if (typeof body.off !== 'number' || body.off < 0 || body.off > image.length)
        throw new HilError({
          board: this.console.board,
          step,
          expected: 'an offset in the reply',
          seen: JSON.stringify(body.off),
        });
      off = body.off;
      options.onProgress?.(off);
    }
  }
}

function slotsOf(body: Record<string, unknown>): ImageSlot[] {
  const images = Array.isArray(body.images) ? (body.images as Record<string, unknown>[]) : [];
  return images.slice(0, 16).map((i) => ({
    image: typeof i.image === 'number' ? i.image : 0,
    slot: typeof i.slot === 'number' ? i.slot : -1,
    version: typeof i.version === 'string' ? i.version.slice(0, 64) : '?',
    hash: i.hash instanceof Uint8Array ? Buffer.from(i.hash) : undefined,
    bootable: i.bootable === true,
    pending: i.pending === true,
    confirmed: i.confirmed === true,
    active: i.active === true,
    permanent: i.permanent === true,
  }));
}
