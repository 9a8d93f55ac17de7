/**
 * An mcumgr client on a board's console. SMP frames share the console with log lines: each line
 * is looked at for a frame marker, frames are reassembled and matched to requests by sequence
 * number, and everything else stays a log line. Both go to the console log (frames decoded, as
 * notes). Every request has a deadline; a device error comes back named (EBADSTATE, not rc 6).
 */
import type { Console } from '../console/console.ts';
import { matchableText } from '../console/escape.ts';
import { HilError } from '../errors.ts';
import { type Deadline, deadlineTimer } from '../deadline.ts';
import {
  decodePacket,
  encodeFrames,
  encodePacket,
  FrameDecoder,
  GROUP,
  IMAGE_CMD,
  OP,
  OS_CMD,
  replyError,
  SmpFrameError,
} from '../wire/smp.ts';
import { createHash } from 'node:crypto';

const REQUEST_TIMEOUT_MS = 5000;

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
}

export class SmpClient {
  private readonly decoder = new FrameDecoder();
  private sequence = 0;
  private readonly pending = new Map<number, Pending>();
  /** The newest frame that did not decode: what a deadline reports as seen. */
  private lastFrameError: string | undefined;
  /**
   * The newest text the board printed outside a frame, and the console's event count just after it.
   * Frames can share the prompt's line (`esp32> ` then a reply): the shell still sits at that prompt
   * and prints no new one, unless something happened since (a power cut, another request, a reset).
   */
  private printed = '';
  private printedEvents = -1;
  private readonly onLine = (text: string) => this.line(text);

  constructor(private readonly console: Console) {
    console.on('line', this.onLine);
  }

  close(): void {
    this.console.off('line', this.onLine);
  }

  /** Whether the board's newest printed text, frames aside, is its prompt: it waits for a line. */
  atPrompt(prompt: RegExp): boolean {
    return this.printedEvents === this.console.log.events && prompt.test(matchableText(this.printed));
  }

  async echo(text: string, step = 'SMP echo'): Promise<string> {
    const body = await this.request(OP.WRITE, GROUP.OS, OS_CMD.ECHO, { d: text }, step);
    return String(body.r ?? '');
  }

  /** OS reset: the device answers, then resets. */
  async reset(step = 'SMP reset'): Promise<void> {
    await this.request(OP.WRITE, GROUP.OS, OS_CMD.RESET, {}, step);
    this.printed = ''; // rebooting: no prompt until it prints one
  }

  async imageState(step = 'SMP image state'): Promise<ImageSlot[]> {
    return slotsOf(await this.request(OP.READ, GROUP.IMAGE, IMAGE_CMD.STATE, {}, step));
  }

  /** Mark the image with this hash for a test boot (`confirm: false`) or for good (`confirm: true`). */
  async setState(hash: Buffer, confirm: boolean, step = 'SMP image state write'): Promise<ImageSlot[]> {
    return slotsOf(await this.request(OP.WRITE, GROUP.IMAGE, IMAGE_CMD.STATE, { hash, confirm }, step));
  }

  async erase(step = 'SMP image erase'): Promise<void> {
    await this.request(OP.WRITE, GROUP.IMAGE, IMAGE_CMD.ERASE, {}, step);
  }

  /**
   * Upload an image to the secondary slot in chunks of `chunk` bytes, following the offset the
   * device answers with (it may ask to resume elsewhere). `upgrade` asks it to refuse a version
   * that is not newer than the one running.
   */
  async upload(
    image: Buffer,
    options: { chunk: number; upgrade?: boolean; step?: string; onProgress?: (sent: number) => void },
  ): Promise<void> {
    const step = options.step ?? 'SMP image upload';
    const sha = createHash('sha256').update(image).digest();
    let off = 0;
    let rounds = 0;
    while (off < image.length) {
      if (++rounds > 4 * Math.ceil(image.length / options.chunk) + 8)
        throw new HilError({
          board: this.console.board,
          step,
          expected: 'the upload to advance',
          seen: `offset stuck at ${off}`,
        });
      const data = image.subarray(off, off + options.chunk);
      const first = off === 0 ? { len: image.length, sha, ...(options.upgrade ? { upgrade: true } : {}) } : {};
      const body = await this.request(
        OP.WRITE,
        GROUP.IMAGE,
        IMAGE_CMD.UPLOAD,
        { ...first, off, data },
        `${step} at ${off}`,
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

  private async request(
    op: number,
    group: number,
    id: number,
    body: Record<string, unknown>,
    step: string,
  ): Promise<Record<string, unknown>> {
    const sequence = this.sequence++ & 0xff;
    const what = `group ${group} command ${id}`;
    this.console.note(`smp > ${what} seq ${sequence} ${describe(body)}`);
    const reply = new Promise<Record<string, unknown>>((resolve) => this.pending.set(sequence, { group, id, resolve }));
    this.lastFrameError = undefined;
    for (const frame of encodeFrames(encodePacket({ op, group, sequence, id }, body))) await this.console.write(frame);
    let timer: Deadline | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = deadlineTimer(REQUEST_TIMEOUT_MS, () => {
        this.pending.delete(sequence);
        reject(
          new HilError({
            board: this.console.board,
            step,
            expected: `an SMP reply to ${what} within ${REQUEST_TIMEOUT_MS} ms`,
            seen: this.lastFrameError ?? 'no SMP frame',
            log: this.console.logPath,
          }),
        );
      });
    });
    try {
      const answer = await Promise.race([reply, deadline]);
      const error = replyError(answer);
      if (error) throw new SmpDeviceError(step, error.code, error.name, error.reason);
      return answer;
    } finally {
      timer?.clear();
    }
  }

  private line(text: string): void {
    const at = FrameDecoder.markerAt(text);
    if (at !== 0) this.printed = at < 0 ? text : text.slice(0, at);
    if (at >= 0) this.frame(text.slice(at));
    this.printedEvents = this.console.log.events; // after the frame's own note
  }

  private frame(text: string): void {
    let packet: Buffer | undefined;
    try {
      packet = this.decoder.push(text);
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
      this.lastFrameError = error.message;
      this.console.note(`smp < ${error.message}`);
    }
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
