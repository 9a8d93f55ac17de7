/**
 * An mcumgr client on a board's console. SMP frames share the console with log lines: each line
 * is looked at for a frame marker, frames are reassembled and matched to requests by sequence
 * number, and everything else stays a log line. Both go to the console log (frames decoded, as
 * notes). Every request has a deadline; a device error comes back named (EBADSTATE, not rc 6).
 * Requests are SMPv2. A reply broken on the way (a log line printed inside its frame, with console
 * logging on) is asked for again with the same sequence number. Upload chunks are sized to the
 * device's receive buffer (its MCUmgr parameters), and the first chunk, which erases the slot,
 * waits as long as the slot's erase may take.
 */
import type { Console } from '../console/console.ts';
import { HilError } from '../errors.ts';
import { type Deadline, deadlineTimer } from '../deadline.ts';
import {
  decodePacket,
  encodeFrames,
  encodePacket,
  FrameDecoder,
  fitData,
  GROUP,
  IMAGE_CMD,
  mcumgrParams,
  OP,
  OS_CMD,
  replyError,
  SMP_V2,
  SmpFrameError,
} from '../wire/smp.ts';
import { createHash } from 'node:crypto';

const REQUEST_TIMEOUT_MS = 5000;
/** A reply that came broken is asked for again this often at most. */
const MAX_RESENDS = 2;
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

/** A request the device answered with an error code. */
export class SmpDeviceError extends Error {
  constructor(
    readonly what: string,
    readonly code: number,
    readonly errorName: string,
    readonly reason?: string,
  ) {
    super(`${what}: the device answered ${errorName} (${code})${reason ? `: ${reason}` : ''}`);
  }
}

interface Pending {
  group: number;
  id: number;
  resolve: (body: Record<string, unknown>) => void;
  /** A frame broke while this request waited: perhaps its reply. */
  broken: (why: string) => void;
}

export class SmpClient {
  private readonly decoder = new FrameDecoder();
  private sequence = 0;
  private readonly pending = new Map<number, Pending>();
  /** The newest frame that did not decode: what a deadline reports as seen. */
  private lastFrameError: string | undefined;
  private readonly onLine = (text: string) => this.line(text);
  /** Frames share the console's lines: the console knows the prompt with them aside (Console.atPrompt). */
  private readonly unshare: () => void;

  constructor(private readonly console: Console) {
    console.on('line', this.onLine);
    this.unshare = console.shareLines(FrameDecoder.markerAt);
  }

  close(): void {
    this.console.off('line', this.onLine);
    this.unshare();
  }

  /** Whether the board's newest printed text, frames aside, is its prompt: the console's (Console.atPrompt). */
  atPrompt(prompt: RegExp): boolean {
    return this.console.atPrompt(prompt);
  }

  async echo(text: string, step = 'SMP echo'): Promise<string> {
    const body = await this.request(OP.WRITE, GROUP.OS, OS_CMD.ECHO, { d: text }, step);
    return String(body.r ?? '');
  }

  /** OS reset: the device answers, then resets. */
  async reset(step = 'SMP reset'): Promise<void> {
    await this.request(OP.WRITE, GROUP.OS, OS_CMD.RESET, {}, step);
    this.console.leftPrompt(); // rebooting: no prompt until it prints one
  }

  async imageState(step = 'SMP image state'): Promise<ImageSlot[]> {
    return slotsOf(await this.request(OP.READ, GROUP.IMAGE, IMAGE_CMD.STATE, {}, step));
  }

  /** Mark the image with this hash for a test boot (`confirm: false`) or for good (`confirm: true`). */
  async setState(hash: Buffer, confirm: boolean, step = 'SMP image state write'): Promise<ImageSlot[]> {
    return slotsOf(await this.request(OP.WRITE, GROUP.IMAGE, IMAGE_CMD.STATE, { hash, confirm }, step));
  }

  /** Erase the secondary slot (`slotBytes` of flash: the deadline allows for its erase). */
  async erase(step = 'SMP image erase', slotBytes?: number): Promise<void> {
    await this.request(OP.WRITE, GROUP.IMAGE, IMAGE_CMD.ERASE, {}, step, eraseDeadlineMs(slotBytes));
  }

  /** The device's receive buffers (os_mgmt's MCUmgr parameters); undefined where it has no such command. */
  async mcumgrParams(step = 'SMP MCUmgr parameters'): Promise<{ bufSize: number; bufCount: number } | undefined> {
    try {
      return mcumgrParams(await this.request(OP.READ, GROUP.OS, OS_CMD.MCUMGR_PARAMS, {}, step));
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
      const body = await this.request(
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

  private request(
    op: number,
    group: number,
    id: number,
    body: Record<string, unknown>,
    step: string,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<Record<string, unknown>> {
    const sequence = this.sequence++ & 0xff;
    const what = `group ${group} command ${id}`;
    const frames = encodeFrames(encodePacket({ op, group, sequence, id, version: SMP_V2 }, body));
    this.console.note(`smp > ${what} seq ${sequence} ${describe(body)}`);
    this.lastFrameError = undefined;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      let timer: Deadline | undefined;
      let sending = false;
      let settled = false;
      let resends = 0;
      const settle = () => {
        settled = true;
        timer?.clear();
        this.pending.delete(sequence);
      };
      const fail = (error: unknown) => {
        if (settled) return;
        settle();
        reject(error);
      };
      const send = async () => {
        sending = true;
        for (const frame of frames) await this.console.write(frame);
        sending = false;
        // A reply may beat the write's own completion: then no deadline is left behind.
        if (settled) return;
        timer?.clear();
        timer = deadlineTimer(timeoutMs, () =>
          fail(
            new HilError({
              board: this.console.board,
              step,
              expected: `an SMP reply to ${what} within ${timeoutMs} ms`,
              seen: this.lastFrameError ?? 'no SMP frame',
              log: this.console.logPath,
            }),
          ),
        );
      };
      this.pending.set(sequence, {
        group,
        id,
        resolve: (answer) => {
          settle();
          const error = replyError(answer);
          if (error) reject(new SmpDeviceError(step, error.code, error.name, error.reason));
          else resolve(answer);
        },
        // The same request again, same sequence number: a device that did answer the first answers
        // the repeat alike (an upload chunk already written is answered with the offset it reached).
        broken: (why) => {
          if (sending || resends >= MAX_RESENDS) return;
          resends++;
          this.console.note(`smp > ${what} seq ${sequence} again (${resends} of ${MAX_RESENDS}): ${why}`);
          send().catch(fail);
        },
      });
      send().catch(fail);
    });
  }

  private line(text: string): void {
    const at = FrameDecoder.markerAt(text);
    if (at >= 0) this.frame(text.slice(at));
  }

  private frame(text: string): void {
    let packet: Buffer | undefined;
    try {
      packet = this.decoder.push(text);
      if (this.decoder.dropped) this.broken(this.decoder.dropped);
      if (!packet) return;
      const { header, body } = decodePacket(packet);
      this.console.note(`smp < group ${header.group} command ${header.id} seq ${header.sequence} ${describe(body)}`);
      const waiting = this.pending.get(header.sequence);
      if (!waiting || waiting.group !== header.group || waiting.id !== header.id) return;
      if (header.op !== OP.READ_RSP && header.op !== OP.WRITE_RSP) return;
      this.pending.delete(header.sequence);
      waiting.resolve(body);
    } catch (error) {
      if (!(error instanceof SmpFrameError)) throw error;
      this.broken(error);
    }
  }

  /** A frame or packet that did not decode: every request waiting may have lost its reply to it. */
  private broken(error: SmpFrameError): void {
    this.lastFrameError = error.message;
    this.console.note(`smp < ${error.message}`);
    // The late frames of a packet already given up on are no new loss.
    if (error.code === 'stray-continuation') return;
    for (const waiting of [...this.pending.values()])
      waiting.broken(`a broken frame came while it waited: ${error.message}`);
  }
}

/** A body for the log: byte strings as their length (a chunk of image is not worth logging). */
function describe(body: Record<string, unknown>): string {
  return JSON.stringify(body, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return `<${value.length} bytes>`;
    const json = value as { type?: unknown; data?: unknown } | null;
    if (json && typeof json === 'object' && json.type === 'Buffer' && Array.isArray(json.data))
      return `<${json.data.length} bytes>`;
    return value;
  }).slice(0, 500);
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
