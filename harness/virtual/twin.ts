/**
 * What a driver's virtual twin gets from the rig host: places to serve its wire protocol (a loopback
 * TCP port, a PTY made by socat) and the board pin it drives. A twin returns the values that stand
 * in for "auto" in the rig file (`{ port: 40123 }`, `{ url: 'http://127.0.0.1:40124' }`).
 */
import type { Socket } from 'node:net';

export interface TwinHost {
  /** A TCP server on loopback; returns its port. */
  tcp(serve: (socket: Socket) => void): Promise<number>;
  /** A PTY whose far end is served here; returns its path. */
  pty(name: string, serve: (socket: Socket) => void): Promise<string>;
  /** Something to close when the rig host stops. */
  onClose(close: () => Promise<void>): void;
}

/** A relay's contact: closed or open. The reply to the host waits for the pin's handler. */
export type RelayTwin<C> = (
  config: C,
  host: TwinHost,
  contact: (closed: boolean) => void | Promise<void>,
) => Promise<Record<string, unknown>>;

/** A supply's output: volts at the board's supply pin (0 when the output is off). */
export type SupplyTwin<C> = (
  config: C,
  host: TwinHost,
  output: (volts: number) => void,
) => Promise<Record<string, unknown>>;

/** The twins a rig host can serve, by driver name (given by whoever starts the host). */
export interface TwinCatalog {
  relay(driver: string): RelayTwin<Record<string, unknown>> | undefined;
  supply(driver: string): SupplyTwin<Record<string, unknown>> | undefined;
}
