/** What a console reads from and writes to: a serial port, or a console server on the network. */
import type { EventEmitter } from 'node:events';

export interface TransportEvents {
  data: [Buffer];
  /** The port went away (board power-cycled, USB re-enumerated); the transport is trying to get it back. */
  gone: [string];
  /** The port is open again. */
  back: [string];
}

export interface ByteTransport extends EventEmitter<TransportEvents> {
  readonly description: string;
  open(): Promise<void>;
  write(data: Buffer): Promise<void>;
  /** Stop delivering data until resume() (backpressure from the log). */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
  /** Modem-control lines, where the port has them (USB-UART bridges and RFC 2217 do; PTYs and raw TCP do not). */
  setSignals(signals: { dtr?: boolean; rts?: boolean }): Promise<void>;
}
