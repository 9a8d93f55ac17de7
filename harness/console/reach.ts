/** Where a board's console is, and the transport that reaches it. */
import { NetworkTransport } from './network-transport.ts';
import { SerialTransport } from './serial-transport.ts';
import type { ByteTransport } from './transport.ts';

/** Where a board's console is: a serial port (by path or USB identity), or a network console server. */
export type ConsoleReach =
  | { kind: 'serial'; locate: () => string | undefined; description: string; baud: number }
  | { kind: 'network'; protocol: 'raw' | 'rfc2217'; host: string; port: number; description: string; baud: number };

export function consoleTransport(reach: ConsoleReach, openDeadlineMs?: number): ByteTransport {
  const deadline = openDeadlineMs === undefined ? {} : { openDeadlineMs };
  return reach.kind === 'serial'
    ? new SerialTransport({ ...reach, ...deadline })
    : new NetworkTransport({ ...reach, ...deadline });
}
