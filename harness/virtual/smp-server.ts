/**
 * The virtual board's mcumgr server on its console: OS echo and reset, image state read and
 * write, upload and erase, answering as Zephyr's img_mgmt does (SMPv1 `rc` errors). Bad frames
 * are dropped without a reply, as Zephyr's serial transport drops them.
 */
import {
  decodePacket,
  encodeFrames,
  encodePacket,
  FrameDecoder,
  GROUP,
  IMAGE_CMD,
  OP,
  OS_CMD,
  SmpFrameError,
  type SmpPacket,
} from '../wire/smp.ts';
import { IMAGE_MAGIC } from '../wire/mcuboot-image.ts';
import { type Mcuboot, notNewer, SLOT_SIZE, sha256 } from './mcuboot.ts';

/** mcumgr_err_t values used in replies. */
const RC = { EINVAL: 3, ENOENT: 5, EBADSTATE: 6, EMSGSIZE: 7, ENOTSUP: 8 } as const;

interface Upload {
  length: number;
  sha?: Buffer;
  parts: Buffer[];
  received: number;
}

export class SmpServer {
  private decoder = new FrameDecoder();
  private upload: Upload | undefined;

  constructor(
    private readonly mcuboot: Mcuboot,
    private readonly send: (frame: Buffer) => void,
    private readonly reset: () => void,
    /** The smp-length-reset flaw: a header whose length disagrees with its body resets the board. */
    private readonly onBadLength?: () => void,
    /** The upload-discarded flaw: every chunk acknowledged, nothing written (a flash driver that fails quietly). */
    private readonly discardUploads = false,
  ) {}

  /** A reset: what was held in RAM (a half-received packet, an upload in progress) is gone. */
  restart(): void {
    this.decoder = new FrameDecoder();
    this.upload = undefined;
  }

  /** One console line that started with an SMP marker. */
  frame(line: string): void {
    let packet: Buffer | undefined;
    try {
      packet = this.decoder.push(line);
      if (!packet) return;
      const request = decodePacket(packet);
      const reply = this.handle(request);
      const { group, sequence, id } = request.header;
      for (const frame of encodeFrames(encodePacket({ op: request.header.op + 1, group, sequence, id }, reply)))
        this.send(frame);
    } catch (error) {
      // A frame that does not decode is dropped; the client's deadline tells it.
      if (error instanceof SmpFrameError && error.code === 'bad-length' && packet) this.onBadLength?.();
    }
  }

  private handle({ header, body }: SmpPacket): Record<string, unknown> {
    const write = header.op === OP.WRITE;
    if (header.group === GROUP.OS && header.id === OS_CMD.ECHO) return { r: String(body.d ?? '') };
    if (header.group === GROUP.OS && header.id === OS_CMD.RESET && write) {
      setTimeout(this.reset, 50);
      return {};
    }
    if (header.group === GROUP.IMAGE && header.id === IMAGE_CMD.STATE) {
      if (!write) return this.state();
      const hash = body.hash;
      if (!(hash instanceof Uint8Array) || !this.mcuboot.mark(Buffer.from(hash), body.confirm === true))
        return { rc: RC.EINVAL };
      return this.state();
    }
    if (header.group === GROUP.IMAGE && header.id === IMAGE_CMD.UPLOAD && write) return this.chunk(body);
    if (header.group === GROUP.IMAGE && header.id === IMAGE_CMD.ERASE && write) {
      if (this.mcuboot.slots()[1]?.pending) return { rc: RC.EBADSTATE };
      this.mcuboot.erase();
      return {};
    }
    return { rc: RC.ENOTSUP };
  }

  private state(): Record<string, unknown> {
    return {
      images: this.mcuboot.slots().map((s) => ({ ...s, hash: new Uint8Array(s.hash) })),
      splitStatus: 0,
    };
  }

  private chunk(body: Record<string, unknown>): Record<string, unknown> {
    const { off, data } = body;
    if (typeof off !== 'number' || !(data instanceof Uint8Array)) return { rc: RC.EINVAL };
    if (off === 0) {
      const length = body.len;
      if (typeof length !== 'number' || length < 32) return { rc: RC.EINVAL };
      if (length > SLOT_SIZE) return { rc: RC.EMSGSIZE };
      if (data.length < 32 || Buffer.from(data).readUInt32LE(0) !== IMAGE_MAGIC) return { rc: RC.EINVAL };
      if (body.upgrade === true && notNewer(Buffer.from(data), this.mcuboot.runningVersion))
        return { rc: RC.EBADSTATE };
      this.mcuboot.erase();
      this.upload = {
        length,
        parts: [],
        received: 0,
        ...(body.sha instanceof Uint8Array ? { sha: Buffer.from(body.sha) } : {}),
      };
    }
    const upload = this.upload;
    if (!upload) return { rc: RC.EINVAL };
    if (off !== upload.received) return { off: upload.received }; // resume where the slot is
    if (upload.received + data.length > upload.length) return { rc: RC.EINVAL };
    upload.parts.push(Buffer.from(data));
    upload.received += data.length;
    if (upload.received < upload.length) return { off: upload.received };
    const image = Buffer.concat(upload.parts);
    this.upload = undefined;
    if (upload.sha && !sha256(image).equals(upload.sha)) return { rc: RC.EINVAL };
    if (!this.discardUploads) this.mcuboot.store(image);
    return { off: upload.received, match: true };
  }
}
