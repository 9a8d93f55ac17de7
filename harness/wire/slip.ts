/**
 * SLIP framing (RFC 1055) as Espressif's ROM loader uses it: each packet between 0xC0 bytes;
 * inside, 0xC0 is sent as DB DC and 0xDB as DB DD.
 */
const END = 0xc0;
const ESC = 0xdb;
const ESC_END = 0xdc;
const ESC_ESC = 0xdd;

export function slipEncode(packet: Uint8Array): Buffer {
  const out: number[] = [END];
  for (const b of packet) {
    if (b === END) out.push(ESC, ESC_END);
    else if (b === ESC) out.push(ESC, ESC_ESC);
    else out.push(b);
  }
  out.push(END);
  return Buffer.from(out);
}

/** A stream decoder: bytes in, whole packets out. Bytes outside a frame (a boot log) are skipped. */
export class SlipDecoder {
  private frame: number[] | undefined;
  private escaped = false;

  constructor(private readonly maxPacket = 16 * 1024) {}

  push(chunk: Uint8Array): Buffer[] {
    const packets: Buffer[] = [];
    for (const b of chunk) {
      if (b === END) {
        if (this.frame && this.frame.length > 0) packets.push(Buffer.from(this.frame));
        this.frame = []; // an END both closes a frame and may open the next
        this.escaped = false;
        continue;
      }
      if (!this.frame) continue;
      if (this.escaped) {
        this.frame.push(b === ESC_END ? END : b === ESC_ESC ? ESC : b);
        this.escaped = false;
      } else if (b === ESC) this.escaped = true;
      else this.frame.push(b);
      if (this.frame.length > this.maxPacket) this.frame = undefined; // not a loader packet
    }
    return packets;
  }
}
