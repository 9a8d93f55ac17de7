/**
 * GDB Remote Serial Protocol framing (GDB manual, "Overview" of the remote protocol): a packet is
 * `$` payload `#` two hex digits of the payload's modulo-256 sum. `}` escapes `#`, `$`, `}` and `*`
 * (the byte XOR 0x20); replies may be run-length encoded (`X*n`: X repeated n-29 more times).
 * `+`/`-` acknowledge a packet; 0x03 interrupts a running target.
 */
const ESCAPED = new Set([0x23, 0x24, 0x7d, 0x2a]);

export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return sum;
}

export function encodePacket(payload: string | Uint8Array): Buffer {
  const raw = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : Buffer.from(payload);
  const body: number[] = [];
  for (const b of raw) {
    if (ESCAPED.has(b)) body.push(0x7d, b ^ 0x20);
    else body.push(b);
  }
  const escaped = Buffer.from(body);
  return Buffer.concat([Buffer.from('$'), escaped, Buffer.from(`#${checksum(escaped).toString(16).padStart(2, '0')}`)]);
}

export type RspEvent =
  | { kind: 'ack' }
  | { kind: 'nak' }
  | { kind: 'packet'; payload: string; checksumOk: boolean }
  | { kind: 'interrupt' };

/** Undo run-length encoding and escapes in a received payload. */
export function decodePayload(body: Buffer): string {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b === 0x7d && i + 1 < body.length) out.push(body[++i]! ^ 0x20);
    else if (b === 0x2a && out.length > 0 && i + 1 < body.length) {
      const repeat = body[++i]! - 29;
      const last = out[out.length - 1]!;
      for (let r = 0; r < repeat; r++) out.push(last);
    } else out.push(b);
  }
  return Buffer.from(out).toString('latin1');
}

/** A stream parser: feed bytes, get acks and packets; garbage between packets is skipped. Bounded. */
/** '+' acknowledges, '-' asks for a resend, 0x03 interrupts the target. */
const SINGLE_BYTE_EVENTS: Record<number, RspEvent> = {
  43: { kind: 'ack' },
  45: { kind: 'nak' },
  3: { kind: 'interrupt' },
};

export class RspParser {
  private pending = Buffer.alloc(0);
  constructor(private readonly maxPacket = 64 * 1024) {}

  push(chunk: Buffer): RspEvent[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const events: RspEvent[] = [];
    let i = 0;
    while (i < this.pending.length) {
      const b = this.pending[i]!;
      const single = SINGLE_BYTE_EVENTS[b];
      if (single) {
        events.push(single);
        i++;
      } else if (b === 0x24 || b === 0x25) {
        const hash = this.pending.indexOf(0x23, i + 1);
        if (hash === -1 || hash + 2 >= this.pending.length) break; // incomplete
        const body = this.pending.subarray(i + 1, hash);
        const sent = parseInt(this.pending.subarray(hash + 1, hash + 3).toString('latin1'), 16);
        events.push({ kind: 'packet', payload: decodePayload(body), checksumOk: sent === checksum(body) });
        i = hash + 3;
      } else i++;
    }
    this.pending = this.pending.subarray(i);
    if (this.pending.length > this.maxPacket) this.pending = Buffer.alloc(0);
    return events;
  }
}

/** `m addr,length` */
export function readMemoryCommand(address: number, length: number): string {
  return `m${address.toString(16)},${length.toString(16)}`;
}

/** A reply to `m`/`g`: hex bytes, or an error `Exx`. */
export function parseHexReply(reply: string): { bytes: Buffer } | { error: string } {
  if (/^E[0-9a-fA-F]{2}/.test(reply) || reply.startsWith('E.')) return { error: reply };
  if (reply.length % 2 !== 0 || !/^[0-9a-fA-Fx]*$/.test(reply)) return { error: `not hex: ${reply.slice(0, 40)}` };
  // 'xx' marks bytes the target could not read (GDB manual, `g` packet).
  if (reply.includes('x')) return { error: `unavailable bytes: ${reply.slice(0, 40)}` };
  return { bytes: Buffer.from(reply, 'hex') };
}

export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
