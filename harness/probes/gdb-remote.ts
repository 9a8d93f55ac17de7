/**
 * A GDB remote-protocol client over TCP: the same client for OpenOCD (port 3333), J-Link GDB server,
 * st-util, probe-rs and QEMU's gdbstub. Acks each packet it receives, waits for the ack of each it
 * sends, and puts a deadline on every reply.
 */
import type { Socket } from 'node:net';
import { connectTcp } from '../util/tcp.ts';
import { Arrivals } from './arrivals.ts';
import { encodePacket, readMemoryCommand, RspParser, type RspEvent } from '../wire/rsp.ts';

const MAX_PENDING = 256;

export interface Exchange {
  sent: string;
  received: string;
}

export class GdbRemote {
  /** Everything said both ways, for evidence. */
  readonly transcript: Exchange[] = [];
  private readonly parser = new RspParser();
  private events: RspEvent[] = [];
  private readonly arrivals = new Arrivals();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.parser.push(chunk)) {
        if (event.kind === 'packet') socket.write('+');
        if (this.events.length < MAX_PENDING) this.events.push(event); // a flooding server cannot grow memory
      }
      this.arrivals.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.arrivals.notify();
    });
    socket.on('error', () => undefined);
  }

  static async connect(host: string, port: number, timeoutMs = 3000): Promise<GdbRemote> {
    const socket = await connectTcp(host, port, timeoutMs);
    return new GdbRemote(socket, `${host}:${port}`);
  }

  /**
   * Send one packet and return the reply's payload. A stop reply (`T05...`, `S05`) answers `?`;
   * arriving at any other time it is the target's own notice (QEMU sends one as a debugger
   * attaches) and not the reply.
   */
  async request(payload: string, timeoutMs = 3000): Promise<string> {
    const wantsStopReply = payload === '?';
    this.socket.write(encodePacket(payload));
    const reply = await this.arrivals.until(() => this.replyTo(payload, wantsStopReply), timeoutMs);
    if (reply === undefined) {
      this.transcript.push({ sent: payload, received: '(no reply)' });
      throw new Error(`${this.address}: no reply to ${JSON.stringify(payload)} within ${timeoutMs} ms`);
    }
    return reply;
  }

  /** The reply among the packets received so far, skipping what is not one; throws once the server hung up. */
  private replyTo(payload: string, wantsStopReply: boolean): string | undefined {
    for (;;) {
      const index = this.events.findIndex((e) => e.kind === 'packet');
      if (index === -1) break;
      const event = this.events[index] as Extract<RspEvent, { kind: 'packet' }>;
      this.events.splice(0, index + 1);
      // Console output packets (`O...`) while a command runs are not its reply.
      if (event.payload.startsWith('O') && event.payload !== 'OK') continue;
      if (!wantsStopReply && /^[ST][0-9a-fA-F]{2}/.test(event.payload)) continue;
      if (this.transcript.length < MAX_PENDING)
        this.transcript.push({ sent: payload, received: event.payload.slice(0, 1024) });
      return event.payload;
    }
    if (this.closed) throw new Error(`${this.address} closed the connection after ${JSON.stringify(payload)}`);
    return undefined;
  }

  /** Let the halted target run (`c`): no reply comes until it stops again (nextStop). */
  resume(): void {
    this.socket.write(encodePacket('c'));
  }

  /** Halt the running target (the 0x03 interrupt byte): its stop reply follows. */
  interrupt(): void {
    this.socket.write(Buffer.from([0x03]));
  }

  /** The target's next stop reply (`T05...`, `S02`), or undefined at the deadline; throws once the server hung up. */
  nextStop(timeoutMs: number): Promise<string | undefined> {
    return this.arrivals.until(() => this.stopReply(), timeoutMs);
  }

  private stopReply(): string | undefined {
    const index = this.events.findIndex((e) => e.kind === 'packet' && /^[STWX][0-9a-fA-F]{2}/.test(e.payload));
    if (index >= 0) {
      const event = this.events[index] as Extract<RspEvent, { kind: 'packet' }>;
      this.events.splice(0, index + 1);
      return event.payload;
    }
    if (this.closed) throw new Error(`${this.address} closed the connection while the target ran`);
    return undefined;
  }

  readMemory(address: number, length: number): Promise<string> {
    return this.request(readMemoryCommand(address, length));
  }

  /** Let the target run again and hang up. */
  async detach(): Promise<void> {
    try {
      await this.request('D', 1000);
    } catch {
      // a target that will not detach still gets the hang-up
    }
    this.close();
  }

  close(): void {
    this.socket.destroy();
  }
}
