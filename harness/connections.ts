/**
 * A board's connections: its wiring in the rig file with every "auto" filled in from the rig host's
 * endpoints, trust files resolved against the rig file's folder, QEMU's own console and power put in
 * place.
 * Board.open, the pre-flight and the safe state all start from here, so a wiring bug is mended in
 * one place; suites see only the Board. A suite's own options (rollback, fuzz, brownout,
 * credentials) are not wiring: its module reads them from `config`, the board's resolved entry.
 */
import { dirname, resolve } from 'node:path';
import type { BoardEndpoints } from './config/endpoints.ts';
import { hostEndpoint } from './config/endpoints.ts';
import { parseDuration } from './config/duration.ts';
import { parseHostPort } from './config/atoms.ts';
import type { LoadedRig } from './config/load.ts';
import type {
  BoardConfig,
  BoardWiringConfig,
  DebugWiringConfig,
  DriverConfig,
  UsbIdentityConfig,
} from './config/schema.ts';
import type { ConsoleReach } from './console/reach.ts';
import { resolveUsbTty } from './console/usb-identity.ts';
import { DEFAULT_OFF_MS } from './power/driver.ts';

export type DebugPort =
  | { gdb: { host: string; port: number } }
  | { openocd: NonNullable<DebugWiringConfig['openocd']> };

export interface TrustFiles {
  host: string;
  caCert: string;
  caKey: string;
  pinKey?: string;
}

export interface BoardConnections {
  board: string;
  console: ConsoleReach;
  power?: DriverConfig;
  /** How long the board stays unpowered in a power cycle (the rig's off-time). */
  offMs: number;
  bootStrap?: DriverConfig;
  debugPort?: DebugPort;
  bootUart?: { path: string; baud: number };
  trust?: TrustFiles;
  usb?: UsbIdentityConfig;
  /** QEMU boards: the QMP socket. */
  qmp?: string;
  /** QEMU boards: the firmware file QEMU starts from, when the rig host names it. */
  qemuImage?: string;
  /**
   * The board's rig entry as the harness reads it: each suite's own options (rollback, fuzz,
   * brownout, credentials) are read from here by the suite's module, with `filled` and `rigFile`.
   */
  config: BoardConfig;
  /** What the rig host gave for this board's "auto" values. */
  endpoints?: BoardEndpoints;
  /** The rig file's folder: a file the rig names is found there. */
  rigDir: string;
}

/** A value the rig gives, or for "auto", what the rig host gave for it (`key`: its path in the entry). */
export function filled<T>(connections: BoardConnections, value: string, given: T | undefined, key: string): T | string {
  return value === 'auto' ? hostEndpoint(given, `boards.${connections.board}.${key} is "auto"`) : value;
}

/** A file the rig names, found beside the rig file wherever the harness runs from; "auto": the rig host's. */
export function rigFile(connections: BoardConnections, value: string, given: string | undefined, key: string): string {
  return value === 'auto'
    ? hostEndpoint(given, `boards.${connections.board}.${key} is "auto"`)
    : resolve(connections.rigDir, value);
}

/** A config object with each "auto" value replaced by what the rig host gave for that key. */
function fillAuto<T extends Record<string, unknown>>(
  config: T,
  given: Record<string, unknown> | undefined,
  what: string,
): T {
  const filled: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(config)) {
    if (value === 'auto') filled[key] = hostEndpoint(given?.[key], `${what}.${key} is "auto"`);
  }
  return filled as T;
}

export function resolveConnections(
  rig: LoadedRig,
  board: string,
  endpoints: BoardEndpoints | undefined,
): BoardConnections {
  const wiring = rig.config.boards[board];
  if (!wiring) throw new Error(`rig ${rig.file} has no board "${board}"`);
  const profile = rig.profiles.get(wiring.profile)!;
  const offTime = wiring.qemu?.['off-time'] ?? wiring.power?.['off-time'];
  const resolved: BoardConnections = {
    board,
    offMs: offTime !== undefined ? parseDuration(offTime as string | number) : DEFAULT_OFF_MS,
    config: rig.boards[board]!,
    ...(endpoints ? { endpoints } : {}),
    rigDir: dirname(rig.file),
    console: consoleOf(board, wiring.qemu ? { port: 'auto' } : (wiring.console ?? {}), endpoints, profile.console.baud),
  };
  if (wiring.qemu) {
    // The rig host puts a relay in front of the QEMU process: on starts it, off ends it. It says how
    // long a switch may take there (QEMU's start deadline and more), which the relay waits for.
    const timeout = endpoints?.power?.timeout;
    resolved.power = {
      driver: 'tasmota',
      url: hostEndpoint(endpoints?.power?.url, `${board} power`),
      ...(timeout === undefined ? {} : { timeout }),
    };
    resolved.qmp = hostEndpoint(endpoints?.qmp, `${board} QMP socket`);
    if (endpoints?.image) resolved.qemuImage = endpoints.image;
    if (wiring.qemu.gdbstub)
      resolved.debugPort = { gdb: { host: '127.0.0.1', port: hostEndpoint(endpoints?.gdb, `${board} gdbstub`) } };
    return resolved;
  }
  if (wiring.power) {
    const { 'off-time': _offTime, ...power } = wiring.power;
    resolved.power = fillAuto(power, endpoints?.power, `boards.${board}.power`);
  }
  if (wiring['boot-strap'])
    resolved.bootStrap = fillAuto(wiring['boot-strap'], endpoints?.bootStrap, `boards.${board}.boot-strap`);
  const gdb = wiring.debug?.gdb;
  if (gdb)
    resolved.debugPort = {
      gdb: fillAuto({ host: gdb.host, port: gdb.port }, { port: endpoints?.gdb }, `boards.${board}.debug.gdb`) as {
        host: string;
        port: number;
      },
    };
  else if (wiring.debug?.openocd) resolved.debugPort = { openocd: wiring.debug.openocd };
  const uart = wiring['boot-uart'];
  if (uart) {
    const { port } = fillAuto({ port: uart.port }, { port: endpoints?.bootUart }, `boards.${board}.boot-uart`);
    resolved.bootUart = { path: port, baud: uart.baud ?? 115200 };
  }
  const file = (value: string, given: string | undefined, key: string) => rigFile(resolved, value, given, key);
  const tls = wiring.tls;
  if (tls) {
    resolved.trust = {
      host: tls.host,
      caCert: file(tls['ca-cert'], endpoints?.tls?.caCert, 'tls.ca-cert'),
      caKey: file(tls['ca-key'], endpoints?.tls?.caKey, 'tls.ca-key'),
      ...(tls['pin-key'] ? { pinKey: file(tls['pin-key'], endpoints?.tls?.pinKey, 'tls.pin-key') } : {}),
    };
  }
  if (wiring.usb) resolved.usb = wiring.usb;
  return resolved;
}

function consoleOf(
  board: string,
  console: NonNullable<BoardWiringConfig['console']>,
  endpoints: BoardEndpoints | undefined,
  profileBaud: number | undefined,
): ConsoleReach {
  const baud = console.baud ?? profileBaud ?? 115200;
  const usb = console.usb;
  if (usb) {
    const description = `USB ${usb.vendor}:${usb.product}${usb.serial ? ` (${usb.serial})` : ''}`;
    return { kind: 'serial', locate: () => resolveUsbTty(usb), description, baud };
  }
  const server = console.rfc2217 ?? console.tcp;
  if (server !== undefined) {
    const protocol = console.rfc2217 !== undefined ? 'rfc2217' : 'raw';
    const description = `${protocol === 'raw' ? 'tcp' : 'rfc2217'}://${server}`;
    return { kind: 'network', protocol, ...parseHostPort(server), description, baud };
  }
  const path = console.port === 'auto' ? hostEndpoint(endpoints?.console, `${board} console`) : console.port!;
  return { kind: 'serial', locate: () => path, description: path, baud };
}
