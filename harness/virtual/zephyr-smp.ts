/**
 * A virtual board's mcumgr server that behaves as Zephyr's does (subsys/mgmt/mcumgr: smp.c,
 * os_mgmt.c, img_mgmt.c, img_mgmt_state.c; REFERENCE.md 4.3-4.5), so the harness is tested against
 * what a real device does, beside the ideal peer of smp-server.ts (rig option `mcumgr: zephyr`):
 * - an SMPv2 request is answered in SMPv2, a group's error as `{"err": {"group", "rc"}}`; an
 *   original-protocol request gets the translated `rc` (img_mgmt_translate_error_code);
 * - its MCUmgr parameters (os_mgmt 6) say a receive buffer of BUF_SIZE bytes, and a packet that does
 *   not fit it is dropped without a word;
 * - the image list gives versions as img_mgmt_ver_str prints them (`1.2.3.4`, the build number after
 *   a dot), lists only slots that hold an image, and its flags only when set;
 * - a state write finds the image by its hash from slot 0 on: asking a test boot of the running
 *   image is IMAGE_SETTING_TEST_TO_ACTIVE_DENIED;
 * - an upload's first chunk erases the slot first (ERASE_MS_PER_KIB) and is answered when that is
 *   done; a first chunk again with the same `sha` resumes where the upload got to; requests wait
 *   their turn meanwhile;
 * - console logging is on: every LOG_EVERY-th reply has a log line printed in the middle of its
 *   first frame, as Zephyr's log thread does when it runs between two writes of the SMP transport.
 * A reset comes RESET_DELAY_MS after its answer (CONFIG_MCUMGR_GRP_OS_RESET_MS).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { IMAGE_MAGIC, parseVersion } from '../wire/mcuboot-image.ts';
import {
  decodePacket,
  encodeFrames,
  encodePacket,
  FrameDecoder,
  GROUP,
  IMAGE_CMD,
  OP,
  OS_CMD,
  SERIAL_OVERHEAD,
  SMP_V2,
  type SmpPacket,
} from '../wire/smp.ts';
import { type Mcuboot, notNewer } from './mcuboot.ts';

const BUF_SIZE = 256;
const BUF_COUNT = 4;
/** A slot's erase, per KiB: about an STM32F4's typical sector erase. */
const ERASE_MS_PER_KIB = 16;
const RESET_DELAY_MS = 250;
const LOG_EVERY = 5;

/** mcumgr_err_t values, the `rc` of a reply that is no group's own error. */
const MGMT = { EUNKNOWN: 1, EINVAL: 3, ENOENT: 5, EBADSTATE: 6, ENOTSUP: 8, UNSUPPORTED_TOO_NEW: 13 } as const;
/** img_mgmt_err_code_t values this server answers with. */
const IMG = {
  NO_IMAGE: 3,
  HASH_NOT_FOUND: 8,
  NO_FREE_SLOT: 9,
  INVALID_OFFSET: 20,
  INVALID_LENGTH: 21,
  INVALID_IMAGE_HEADER_MAGIC: 23,
  CURRENT_VERSION_IS_NEWER: 27,
  IMAGE_ALREADY_PENDING: 28,
  INVALID_IMAGE_TOO_LARGE: 30,
  INVALID_IMAGE_DATA_OVERRUN: 31,
  IMAGE_SETTING_TEST_TO_ACTIVE_DENIED: 33,
} as const;
/** What an original-protocol client is told instead (anything else is EUNKNOWN). */
const TRANSLATED: Record<number, number> = {
  [IMG.NO_IMAGE]: MGMT.ENOENT,
  [IMG.NO_FREE_SLOT]: MGMT.EBADSTATE,
  [IMG.CURRENT_VERSION_IS_NEWER]: MGMT.EBADSTATE,
  [IMG.IMAGE_ALREADY_PENDING]: MGMT.EBADSTATE,
  [IMG.INVALID_OFFSET]: MGMT.EINVAL,
  [IMG.INVALID_LENGTH]: MGMT.EINVAL,
};

interface Upload {
  length: number;
  sha: Buffer | undefined;
  parts: Buffer[];
  received: number;
}

type Reply = Record<string, unknown>;

export class ZephyrSmpServer {
  private decoder = new FrameDecoder();
  private upload: Upload | undefined;
  /** Requests are served one at a time, in order, as Zephyr's SMP work queue does. */
  private queue: Promise<void> = Promise.resolve();
  /** A reset ends whatever was under way: its work is dropped. */
  private generation = 0;
  private replies = 0;
  private resetTimer: NodeJS.Timeout | undefined;
  private bootedAt = Date.now();

  constructor(
    private readonly mcuboot: Mcuboot,
    private readonly io: { send(bytes: Buffer): void; reset(): void },
    /** The secondary slot's size: what an upload's first chunk erases. */
    private readonly slotBytes: number,
  ) {}

  restart(): void {
    this.generation++;
    this.decoder = new FrameDecoder();
    this.upload = undefined;
    clearTimeout(this.resetTimer);
    this.resetTimer = undefined;
    this.bootedAt = Date.now();
  }

  /** One console line that started with an SMP marker. */
  frame(line: string): void {
    let request: SmpPacket;
    try {
      const packet = this.decoder.push(line);
      if (!packet || packet.length + SERIAL_OVERHEAD > BUF_SIZE) return; // larger than its buffer: dropped
      request = decodePacket(packet);
    } catch {
      return; // a frame that does not decode is dropped; the client's deadline tells it
    }
    const generation = this.generation;
    this.queue = this.queue.then(async () => {
      const reply = await this.handle(request, generation);
      if (generation === this.generation) this.reply(request, reply);
    });
  }

  private async handle({ header, body }: SmpPacket, generation: number): Promise<Reply> {
    if (header.version > SMP_V2) return { rc: MGMT.UNSUPPORTED_TOO_NEW };
    const write = header.op === OP.WRITE;
    const groupError = (rc: number): Reply =>
      header.version === SMP_V2 ? { err: { group: header.group, rc } } : { rc: TRANSLATED[rc] ?? MGMT.EUNKNOWN };
    if (header.group === GROUP.OS) {
      if (header.id === OS_CMD.ECHO) return { r: String(body.d ?? '') };
      if (header.id === OS_CMD.RESET && write) {
        clearTimeout(this.resetTimer);
        this.resetTimer = setTimeout(() => this.io.reset(), RESET_DELAY_MS);
        return {};
      }
      if (header.id === OS_CMD.MCUMGR_PARAMS && !write) return { buf_size: BUF_SIZE, buf_count: BUF_COUNT };
    }
    if (header.group === GROUP.IMAGE) {
      if (header.id === IMAGE_CMD.STATE) return write ? this.stateWrite(body, groupError) : this.state();
      if (header.id === IMAGE_CMD.UPLOAD && write) return this.chunk(body, groupError, generation);
      if (header.id === IMAGE_CMD.ERASE && write) {
        if (this.mcuboot.slots()[1]?.pending) return groupError(IMG.IMAGE_ALREADY_PENDING);
        await this.erase();
        this.mcuboot.erase();
        this.upload = undefined;
        return {};
      }
    }
    return { rc: MGMT.ENOTSUP };
  }

  private state(): Reply {
    const images = this.mcuboot
      .slots()
      .filter((s) => s.bootable)
      .map((s) => ({
        image: 0,
        slot: s.slot,
        version: zephyrVersion(s.version),
        hash: new Uint8Array(s.hash),
        bootable: true,
        ...(s.pending ? { pending: true } : {}),
        ...(s.confirmed ? { confirmed: true } : {}),
        ...(s.active ? { active: true } : {}),
        ...(s.permanent ? { permanent: true } : {}),
      }));
    return { images, splitStatus: 0 };
  }

  private stateWrite(body: Reply, groupError: (rc: number) => Reply): Reply {
    const confirm = body.confirm === true;
    const hash = body.hash;
    if (!(hash instanceof Uint8Array)) {
      if (!confirm) return { rc: MGMT.EINVAL }; // a test needs a hash
      this.mcuboot.confirmPrimary();
      return this.state();
    }
    // img_mgmt_find_by_hash: the first slot, from 0 on, whose image has this hash.
    const slot = this.mcuboot.slots().find((s) => s.bootable && Buffer.from(hash).equals(s.hash));
    if (!slot) return groupError(IMG.HASH_NOT_FOUND);
    if (slot.active && !confirm) return groupError(IMG.IMAGE_SETTING_TEST_TO_ACTIVE_DENIED);
    if (slot.active) this.mcuboot.confirmPrimary();
    else this.mcuboot.mark(Buffer.from(hash), confirm);
    return this.state();
  }

  private async chunk(body: Reply, groupError: (rc: number) => Reply, generation: number): Promise<Reply> {
    const { off, data } = body;
    if (typeof off !== 'number' || !(data instanceof Uint8Array)) return { rc: MGMT.EINVAL };
    if (off === 0) {
      const length = body.len;
      const sha = body.sha instanceof Uint8Array ? Buffer.from(body.sha) : undefined;
      if (typeof length !== 'number') return groupError(IMG.INVALID_LENGTH);
      const under = this.upload;
      if (under && sha && under.sha?.equals(sha) && under.length === length && under.received > 0)
        return { off: under.received }; // the same image again: resumed, not erased
      if (length > this.slotBytes) return groupError(IMG.INVALID_IMAGE_TOO_LARGE);
      if (data.length < 32 || Buffer.from(data).readUInt32LE(0) !== IMAGE_MAGIC)
        return groupError(IMG.INVALID_IMAGE_HEADER_MAGIC);
      if (body.upgrade === true && notNewer(Buffer.from(data), this.mcuboot.runningVersion))
        return groupError(IMG.CURRENT_VERSION_IS_NEWER);
      if (this.mcuboot.slots()[1]?.pending) return groupError(IMG.NO_FREE_SLOT);
      await this.erase();
      if (generation !== this.generation) return {};
      this.mcuboot.erase();
      this.upload = { length, sha, parts: [], received: 0 };
    }
    const upload = this.upload;
    if (!upload) return groupError(IMG.INVALID_OFFSET);
    if (off !== upload.received) return { off: upload.received }; // resume where the slot is
    if (upload.received + data.length > upload.length) return groupError(IMG.INVALID_IMAGE_DATA_OVERRUN);
    upload.parts.push(Buffer.from(data));
    upload.received += data.length;
    // Written as it comes: the slot holds the image once the last chunk is in.
    if (upload.received === upload.length) this.mcuboot.store(Buffer.concat(upload.parts));
    return { off: upload.received };
  }

  /** The slot's erase: the work queue is busy for as long as the flash takes. */
  private erase(): Promise<void> {
    this.log('<inf> img_mgmt: erasing the secondary slot');
    const ms = ERASE_MS_PER_KIB * Math.ceil(this.slotBytes / 1024);
    return sleep(ms);
  }

  private reply({ header }: SmpPacket, body: Reply): void {
    const { group, sequence, id, version } = header;
    const frames = encodeFrames(encodePacket({ op: header.op + 1, group, sequence, id, version }, body));
    if (++this.replies % LOG_EVERY === 0) {
      // The log thread got the UART between two writes of the first frame.
      const first = frames.shift()!;
      const cut = Math.min(18, first.length - 1);
      this.io.send(first.subarray(0, cut));
      this.log(`<inf> app: heartbeat ${this.replies / LOG_EVERY}`);
      this.io.send(first.subarray(cut));
    }
    for (const frame of frames) this.io.send(frame);
  }

  /** A line of Zephyr's log format, `[hh:mm:ss.mmm,uuu] <level> module: text`. */
  private log(text: string): void {
    const ms = Date.now() - this.bootedAt;
    const clock = new Date(ms).toISOString().slice(11, 23);
    this.io.send(Buffer.from(`[${clock},000] ${text}\r\n`));
  }
}

/** img_mgmt_ver_str: `major.minor.revision`, and `.build` when the build number is not 0. */
function zephyrVersion(version: string): string {
  const v = parseVersion(version);
  return `${v.major}.${v.minor}.${v.revision}${v.build ? `.${v.build}` : ''}`;
}
