/**
 * A conversation with the STM32 system bootloader (AN3155) on the board's boot UART at 8E1: bytes
 * out, bytes in a count at a time with a deadline, 0x7F to synchronise. Shared by the loader check
 * and the flasher; the protocol's bytes are wire/an3155.ts.
 */
import { type ByteStream, serialStream } from '../util/serial-stream.ts';
import { ACK, addressBytes, CMD, commandBytes, decodeGet, lengthBytes, NACK, SYNC } from '../wire/an3155.ts';
import { Arrivals } from './arrivals.ts';

/** AN3155 answers a command in well under a millisecond; 500 ms allows a busy USB-serial bridge. */
export const REPLY_MS = 500;
export const SYNC_ATTEMPTS = 4;
/** What is kept of what was sent, for the evidence: the first exchanges, each cut short. */
const SENT_KEPT = 64;
const SENT_HEX = 64;

export type ReadRefusal = 'NACK' | 'no answer' | 'address NACKed' | 'length NACKed';

export class Stm32Link {
  /** The first bytes sent, as hex, for the evidence. */
  readonly sent: string[] = [];
  private buffer = Buffer.alloc(0);
  private readonly arrivals = new Arrivals();

  private constructor(private readonly stream: ByteStream) {
    stream.onData((chunk) => {
      // Bounded: the longest answer read is a 256-byte Read Memory and its ACK.
      this.buffer = Buffer.concat([this.buffer, chunk]).subarray(-4096);
      this.arrivals.notify();
    });
  }

  static async open(uart: { path: string; baud: number }): Promise<Stm32Link> {
    return new Stm32Link(await serialStream(uart.path, uart.baud, 'even'));
  }

  clear(): void {
    this.buffer = Buffer.alloc(0);
  }

  async send(bytes: Buffer): Promise<void> {
    if (this.sent.length < SENT_KEPT) this.sent.push(bytes.toString('hex').slice(0, SENT_HEX));
    await this.stream.write(bytes);
  }

  read(count: number, timeoutMs = REPLY_MS): Promise<Buffer | undefined> {
    return this.arrivals.until(() => {
      if (this.buffer.length < count) return undefined;
      const out = this.buffer.subarray(0, count);
      this.buffer = this.buffer.subarray(count);
      return out;
    }, timeoutMs);
  }

  /** The first byte the loader answers 0x7F with (ACK, or NACK when it was already synchronised). */
  async sync(): Promise<number | undefined> {
    for (let attempt = 0; attempt < SYNC_ATTEMPTS; attempt++) {
      this.clear();
      await this.send(Buffer.from([SYNC]));
      const answer = await this.read(1);
      if (answer) return answer[0];
    }
    return undefined;
  }

  /** Send bytes and read the one-byte answer: 'ack', 'nack', or undefined when none came in time. */
  async exchange(bytes: Buffer, timeoutMs = REPLY_MS): Promise<'ack' | 'nack' | 'other' | undefined> {
    await this.send(bytes);
    const answer = await this.read(1, timeoutMs);
    if (!answer) return undefined;
    return answer[0] === ACK ? 'ack' : answer[0] === NACK ? 'nack' : 'other';
  }

  command(command: number): Promise<'ack' | 'nack' | 'other' | undefined> {
    this.clear();
    return this.exchange(commandBytes(command));
  }

  /** Get: the bootloader's version and the commands it offers, or undefined when not answered whole. */
  async get(): Promise<{ version: string; commands: number[] } | undefined> {
    if ((await this.command(CMD.GET)) !== 'ack') return undefined;
    const count = await this.read(1);
    const rest = count ? await this.read(count[0]! + 2) : undefined;
    return count && rest ? decodeGet(Buffer.concat([count, rest])) : undefined;
  }

  /**
   * Read Memory of 1 to 256 bytes: the bytes, or the step the loader refused. A chip under readout
   * protection NACKs the command itself; a reply cut short counts as a refused length.
   */
  async readMemory(address: number, length: number): Promise<Buffer | { refused: ReadRefusal }> {
    const answer = await this.command(CMD.READ_MEMORY);
    if (answer !== 'ack') return { refused: answer === undefined ? 'no answer' : 'NACK' };
    if ((await this.exchange(addressBytes(address))) !== 'ack') return { refused: 'address NACKed' };
    if ((await this.exchange(lengthBytes(length))) !== 'ack') return { refused: 'length NACKed' };
    return (await this.read(length)) ?? { refused: 'length NACKed' };
  }

  close(): Promise<void> {
    return this.stream.close();
  }
}
