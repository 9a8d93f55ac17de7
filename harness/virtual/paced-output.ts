/**
 * A UART transmitter: bytes leave at the emulated baud rate (8N1: baud/10 bytes a second), so the
 * harness sees the timing a real board gives. `send` resolves when the last byte is on the wire.
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
        this.credit = Math.max(1, Math.round((this.bytesPerSecond * TICK_MS) / 1000));
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
    this.timer = setTimeout(() => this.pump(), TICK_MS);
  }
}
