/**
 * mcumgr requests on a board's console. SMP frames share the console with log lines: each line
 * is looked at for a frame marker, frames are reassembled and matched to requests by sequence
 * number, and everything else stays a log line. Both go to the console log (frames decoded, as
 * notes). Every request has a deadline; a device error comes back named (EBADSTATE, not rc 6).
 * Requests are SMPv2. A reply broken on the way (a log line printed inside its frame, with console
 * logging on) is asked for again with the same sequence number.
 */
import type { Console } from '../console/console.ts';
import { type Deadline, deadlineTimer } from '../util/deadline.ts';
import { HilError } from '../util/errors.ts';
import {
  decodePacket,
  encodeFrames,
  encodePacket,
  FrameDecoder,
  OP,
  replyError,
  SMP_V2,
  SmpFrameError,
} from '../wire/smp.ts';

export const REQUEST_TIMEOUT_MS = 5000;
/** A reply that came broken is asked for again this often at most. */
const MAX_RESENDS = 2;

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

export class SmpLink {
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

  /** One request, its reply body (a device error thrown as SmpDeviceError), within `timeoutMs`. */
  request(
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
