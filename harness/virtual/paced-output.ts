/**
 * A UART transmitter: bytes leave at the emulated baud rate (8N1: baud/10 bytes a second), so the
 * harness sees the timing a real board gives. `send` resolves when the last byte is on the wire.
 * An idle transmitter sends its first byte at once and the rest at the line rate: no burst is
 * faster than the wire, however long the line was quiet before it.
 */
const TICK_MS = 5;

interface Pending {
  bytes: Buffer;
  done: () => void;
}

export class PacedOutput {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private credit = 0;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly sink: (bytes: Buffer) => void,
  ) {}

  send(bytes: Buffer): Promise<void> {
    return new Promise((done) => {
      this.queue.push({ bytes, done });
      if (!this.timer) {
        this.lastTick = performance.now();
        this.credit = 1;
        this.pump();
      }
    });
  }

  /** Power lost: what was still in the transmitter never leaves. */
  drop(): void {
    const pending = this.queue;
    this.queue = [];
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const p of pending) p.done();
  }

  private pump(): void {
    const now = performance.now();
    this.credit += ((now - this.lastTick) * this.bytesPerSecond) / 1000;
    this.lastTick = now;
    while (this.queue.length > 0 && this.credit >= 1) {
      const head = this.queue[0]!;
      const take = Math.min(head.bytes.length, Math.floor(this.credit));
      this.sink(head.bytes.subarray(0, take));
      this.credit -= take;
      head.bytes = head.bytes.subarray(take);
      if (head.bytes.length === 0) {
        this.queue.shift();
        head.done();
      }
    }
    if (this.queue.length === 0) {
      this.timer = undefined;
      this.credit = 0;
      return;
    }
    // Wake when the next piece is due: as little as one byte's time, at most a tick.
    const due = Math.min(this.queue[0]!.bytes.length, (this.bytesPerSecond * TICK_MS) / 1000) - this.credit;
    this.timer = setTimeout(() => this.pump(), Math.max(1, Math.min(TICK_MS, (1000 * due) / this.bytesPerSecond)));
  }
}
