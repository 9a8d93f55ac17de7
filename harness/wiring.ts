/**
 * A board's wiring as the harness uses it: every "auto" filled in from the rig host's endpoints,
 * trust files resolved against the rig file's folder, QEMU's own console and power put in place.
 * Board.open, the pre-flight and the safe state all start from here, so a wiring bug is mended in
 * one place; suites see only the Board.
 */
import { dirname, resolve } from 'node:path';
import type { BoardEndpoints } from './config/endpoints.ts';
import { hostEndpoint } from './config/endpoints.ts';
import { parseDuration } from './config/duration.ts';
import { parseHostPort } from './config/atoms.ts';
import type { LoadedRig } from './config/load.ts';
import type { BoardWiringConfig, DebugWiringConfig, DriverConfig, UsbIdentityConfig } from './config/schema.ts';
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

/** The rollback suite's update path and the team's images, as absolute paths. */
export interface RollbackFiles {
  path: 'smp' | 'esp-ota';
  current: string;
  older?: string;
  newer?: string;
  key?: string;
  allowUpgrade: boolean;
  chunk: number;
  /** The secondary slot's size, where the rig gives it (how long its erase may take). */
  slotSize?: number;
}

export interface ResolvedWiring {
  board: string;
  console: ConsoleReach;
  power?: DriverConfig;
  /** How long the board stays unpowered in a power cycle (the rig's off-time). */
  offMs: number;
  strap?: DriverConfig;
  debugPort?: DebugPort;
  bootUart?: { path: string; baud: number };
  trust?: TrustFiles;
  rollback?: RollbackFiles;
  /** The fuzz suite's budget and network targets for this board, as the rig gives them. */
  fuzz?: BoardWiringConfig['fuzz'];
  /** The default-credentials suite's login surfaces and this device's own credentials, "auto" filled in. */
  credentials?: {
    user?: string;
    password?: string;
    web?: string;
    httpAuth?: string;
    tcp?: { host: string; port: number };
    bruteForceAttempts?: number;
  };
  /** The brownout suite's glitches for this board, as the rig gives them (durations in ms). */
  brownout: {
    trials?: number;
    cutMs?: number;
    cycles?: number;
    cycleOffMs?: number;
    sag?: { volts: number; ms: number };
  };
  usb?: UsbIdentityConfig;
  /** QEMU boards: the QMP socket. */
  qmp?: string;
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

export function resolveWiring(rig: LoadedRig, board: string, endpoints: BoardEndpoints | undefined): ResolvedWiring {
  const wiring = rig.config.boards[board];
  if (!wiring) throw new Error(`rig ${rig.file} has no board "${board}"`);
  const profile = rig.profiles.get(wiring.profile)!;
  const offTime = wiring.qemu?.['off-time'] ?? wiring.power?.['off-time'];
  const resolved: ResolvedWiring = {
    board,
    offMs: offTime !== undefined ? parseDuration(offTime as string | number) : DEFAULT_OFF_MS,
    brownout: {},
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
    if (wiring.qemu.gdbstub)
      resolved.debugPort = { gdb: { host: '127.0.0.1', port: hostEndpoint(endpoints?.gdb, `${board} gdbstub`) } };
    return resolved;
  }
  if (wiring.power) {
    const { 'off-time': _offTime, ...power } = wiring.power;
    resolved.power = fillAuto(power, endpoints?.power, `boards.${board}.power`);
  }
  if (wiring['boot-strap'])
    resolved.strap = fillAuto(wiring['boot-strap'], endpoints?.strap, `boards.${board}.boot-strap`);
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
  // A file named in the rig is found beside the rig file, wherever the harness runs from.
  const file = (value: string, given: string | undefined, key: string) =>
    value === 'auto' ? hostEndpoint(given, `boards.${board}.${key} is "auto"`) : resolve(dirname(rig.file), value);
  const tls = wiring.tls;
  if (tls) {
    resolved.trust = {
      host: tls.host,
      caCert: file(tls['ca-cert'], endpoints?.tls?.caCert, 'tls.ca-cert'),
      caKey: file(tls['ca-key'], endpoints?.tls?.caKey, 'tls.ca-key'),
      ...(tls['pin-key'] ? { pinKey: file(tls['pin-key'], endpoints?.tls?.pinKey, 'tls.pin-key') } : {}),
    };
  }
  const rollback = wiring.rollback;
  if (rollback) {
    const given = endpoints?.update;
    const optional = (key: 'older' | 'newer' | 'key') => {
      const value = rollback[key];
      return value === undefined ? {} : { [key]: file(value, given?.[key], `rollback.${key}`) };
    };
    resolved.rollback = {
      path: rollback.path,
      current: file(rollback.current, given?.current, 'rollback.current'),
      ...optional('older'),
      ...optional('newer'),
      ...optional('key'),
      allowUpgrade: rollback['allow-upgrade'] ?? false,
      chunk: rollback.chunk ?? 256,
      ...(rollback['slot-size'] ? { slotSize: rollback['slot-size'] } : {}),
    };
  }
  if (wiring.usb) resolved.usb = wiring.usb;
  if (wiring.fuzz) resolved.fuzz = wiring.fuzz;
  const login = wiring.credentials;
  if (login) {
    const given = endpoints?.credentials;
    const auto = <T>(value: string | undefined, endpoint: T | undefined, key: string) =>
      value === 'auto' ? hostEndpoint(endpoint, `boards.${board}.credentials.${key} is "auto"`) : value;
    const tcp = auto(login.tcp, given?.tcp, 'tcp');
    resolved.credentials = {
      ...(login.user ? { user: login.user } : {}),
      ...(login.password ? { password: login.password } : {}),
      ...(login.web ? { web: String(auto(login.web, given?.web, 'web')) } : {}),
      ...(login['http-auth'] ? { httpAuth: String(auto(login['http-auth'], given?.httpAuth, 'http-auth')) } : {}),
      ...(login['brute-force-attempts'] ? { bruteForceAttempts: login['brute-force-attempts'] } : {}),
      ...(tcp !== undefined
        ? {
            tcp: typeof tcp === 'number' ? { host: '127.0.0.1', port: tcp } : parseHostPort(tcp),
          }
        : {}),
    };
  }
  const brownout = wiring.brownout;
  if (brownout)
    resolved.brownout = {
      ...(brownout.trials !== undefined ? { trials: brownout.trials } : {}),
      ...(brownout.cut !== undefined ? { cutMs: parseDuration(brownout.cut) } : {}),
      ...(brownout.cycles !== undefined ? { cycles: brownout.cycles } : {}),
      ...(brownout['cycle-off'] !== undefined ? { cycleOffMs: parseDuration(brownout['cycle-off']) } : {}),
      ...(brownout.sag ? { sag: { volts: brownout.sag.volts, ms: parseDuration(brownout.sag.time) } } : {}),
    };
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
