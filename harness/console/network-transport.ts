/**
 * A console reached over the network, as labgrid and LAVA labs serve their boards through ser2net:
 * `raw` (ser2net's plain `tcp` accepter: the port's bytes, nothing else) or `rfc2217` (telnet with
 * COM-PORT-OPTION: the harness sets baud, 8N1 and no flow control at the access server, and
 * drives DTR/RTS as on a local USB-UART). When the connection drops (the server restarted, the
 * board's USB-UART replugged and the server let go of it) it says so, reconnects, and sets the
 * line up again; the console above keeps one continuous log across the gap, as with a local port.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { withDeadline } from '../util/deadline.ts';
import { connectTcp } from '../util/tcp.ts';
import {
  answerValue,
  COM_PORT_OPTION,
  COMMAND,
  CONTROL,
  lineSettings,
  type ServerAnswer,
  serverAnswer,
  setControl,
} from '../wire/rfc2217.ts';
import { BINARY, escapeIac, SUPPRESS_GO_AHEAD, TelnetDecoder } from '../wire/telnet.ts';
import { escapeBytes } from './escape.ts';
import type { ByteTransport, TransportEvents } from './transport.ts';

export interface NetworkConsoleOptions {
  host: string;
  port: number;
  protocol: 'raw' | 'rfc2217';
  baud: number;
  description: string;
  /** How long open() keeps trying to connect (the server may be starting). */
  openDeadlineMs?: number;
}

const RECONNECT_MS = 200;
const WRITE_DEADLINE_MS = 5000;
/** How long the access server has to answer a COM-PORT-OPTION command (ser2net answers at once). */
const ANSWER_DEADLINE_MS = 3000;
/** A connection the server drops sooner than this after it opened was refused, not lost. */
const SETTLE_MS = 150;

function refusal(said: Buffer): string {
  const text = escapeBytes(said.subarray(0, 200)).trim();
  return `the server hung up at once${text ? `, saying "${text}"` : ' (nothing listening behind it?)'}`;
}

export class NetworkTransport extends EventEmitter<TransportEvents> implements ByteTransport {
  readonly description: string;
  private socket: Socket | undefined;
  private closing = false;
  private paused = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnecting = false;
  private waiters: { command: number; resolve: (answer: ServerAnswer) => void }[] = [];

  constructor(private readonly options: NetworkConsoleOptions) {
    super();
    this.description = options.description;
  }

  async open(): Promise<void> {
    const deadline = Date.now() + (this.options.openDeadlineMs ?? 5000);
    for (;;) {
      try {
        await this.connect(Math.max(500, deadline - Date.now()));
        return;
      } catch (error) {
        if (Date.now() >= deadline) throw new Error(`cannot open ${this.description}: ${(error as Error).message}`);
      }
      await sleep(RECONNECT_MS);
    }
  }

  async write(data: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket) throw new Error(`${this.description} is not connected (connection gone)`);
    const bytes = this.options.protocol === 'rfc2217' ? escapeIac(data) : data;
    const written = new Promise<void>((resolve, reject) => socket.write(bytes, (e) => (e ? reject(e) : resolve())));
    await withDeadline(written, WRITE_DEADLINE_MS, `${this.description}: ${data.length} bytes not written`);
  }

  async setSignals(signals: { dtr?: boolean; rts?: boolean }): Promise<void> {
    if (this.options.protocol !== 'rfc2217')
      throw new Error(`${this.description} is a raw TCP console: it carries no DTR/RTS (serve it as rfc2217)`);
    const socket = this.socket;
    if (!socket) throw new Error(`${this.description} is not connected (connection gone)`);
    const wanted: number[] = [];
    if (signals.dtr !== undefined) wanted.push(signals.dtr ? CONTROL.dtrOn : CONTROL.dtrOff);
    if (signals.rts !== undefined) wanted.push(signals.rts ? CONTROL.rtsOn : CONTROL.rtsOff);
    for (const value of wanted) {
      const answer = this.answer(
        COMMAND.setControl,
        `${this.description}: the access server's answer to SET-CONTROL ${value}`,
      );
      socket.write(setControl(value));
      const applied = answerValue(await answer);
      if (applied !== value)
        throw new Error(
          `${this.description}: SET-CONTROL ${value} (DTR/RTS) answered with ${applied}: the server did not apply it`,
        );
    }
  }

  pause(): void {
    this.paused = true;
    this.socket?.pause();
  }

  resume(): void {
    this.paused = false;
    this.socket?.resume();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.end();
      await withDeadline(closed, 1000, 'close').catch(() => socket.destroy());
    }
  }

  private async connect(timeoutMs: number): Promise<void> {
    const socket = await connectTcp(this.options.host, this.options.port, timeoutMs);
    socket.on('error', () => undefined); // a failure shows as the close that follows it
    // What the board says while the line is being set up is kept for the console, not dropped.
    const early: Buffer[] = [];
    const deliver = (data: Buffer) => (this.socket === socket ? this.emit('data', data) : early.push(data));
    const closed = new Promise<never>((_, reject) =>
      socket.once('close', () => reject(new Error(refusal(Buffer.concat(early))))),
    );
    closed.catch(() => undefined);
    try {
      if (this.options.protocol === 'raw') socket.on('data', deliver);
      else await Promise.race([this.setUpLine(socket, deliver), closed]);
      // A console server that cannot open the port says why and hangs up at once (ser2net: "Device
      // open failure: ..."): bytes before such a hang-up are the server's, not the board's.
      await Promise.race([sleep(SETTLE_MS), closed]);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    if (this.closing) {
      socket.destroy();
      return;
    }
    socket.on('close', () => this.lost(socket));
    this.socket = socket;
    for (const data of early.splice(0)) this.emit('data', data);
    if (this.paused) socket.pause();
  }

  /** Telnet negotiation, then the line settings, before any byte reaches the console. */
  private async setUpLine(socket: Socket, deliver: (data: Buffer) => void): Promise<void> {
    const telnet = new TelnetDecoder({ will: [BINARY, COM_PORT_OPTION], do: [BINARY, SUPPRESS_GO_AHEAD] });
    let refused = false;
    let onAgreed = () => undefined as void;
    const agreed = new Promise<void>((resolve) => (onAgreed = resolve));
    socket.on('data', (chunk: Buffer) => {
      const events = telnet.push(chunk);
      if (events.reply.length > 0) socket.write(events.reply);
      if (events.agreed.includes(COM_PORT_OPTION)) onAgreed();
      if (events.refused.includes(COM_PORT_OPTION)) refused = true;
      for (const sub of events.subnegotiations) {
        const answer = serverAnswer(sub);
        if (!answer) continue;
        for (const waiter of this.waiters.filter((w) => w.command === answer.command)) waiter.resolve(answer);
        this.waiters = this.waiters.filter((w) => w.command !== answer.command);
      }
      if (events.data.length > 0) deliver(events.data);
    });
    socket.write(telnet.offer());
    await withDeadline(
      agreed,
      ANSWER_DEADLINE_MS,
      `${this.description}: the server to agree to COM-PORT-OPTION (RFC 2217)`,
    ).catch((error: Error) => {
      throw refused
        ? new Error(`${this.description}: the server refused COM-PORT-OPTION: it does not speak RFC 2217`)
        : error;
    });
    const baud = this.answer(COMMAND.setBaudRate, `${this.description}: the access server's answer to SET-BAUDRATE`);
    socket.write(lineSettings({ baud: this.options.baud, dataBits: 8, parity: 'none', stopBits: 1 }));
    const applied = answerValue(await baud);
    if (applied !== this.options.baud)
      throw new Error(`${this.description}: asked for ${this.options.baud} baud, the access server set ${applied}`);
  }

  private answer(command: number, what: string): Promise<ServerAnswer> {
    const waiter = { command, resolve: (_: ServerAnswer) => undefined as void };
    const answered = new Promise<ServerAnswer>((resolve) => {
      waiter.resolve = resolve;
      this.waiters.push(waiter);
    });
    // A server that never answers (ser2net on a PTY, for SET-CONTROL) leaves no waiter behind.
    return withDeadline(answered, ANSWER_DEADLINE_MS, what).finally(() => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
    });
  }

  private lost(socket: Socket): void {
    if (this.closing || this.socket !== socket) return;
    this.socket = undefined;
    this.emit('gone', `${this.description} gone: the connection closed`);
    this.reconnectTimer ??= setInterval(() => void this.tryReconnect(), RECONNECT_MS);
  }

  private async tryReconnect(): Promise<void> {
    if (this.closing || this.socket || this.reconnecting) return;
    this.reconnecting = true;
    try {
      await this.connect(1000);
      clearInterval(this.reconnectTimer);
      this.reconnectTimer = undefined;
      if (this.socket) this.emit('back', `${this.description} reconnected`);
    } catch {
      // Not back yet: the next tick retries.
    } finally {
      this.reconnecting = false;
    }
  }
}
