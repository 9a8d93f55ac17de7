/**
 * The serial ports and USB devices of this host, read from /dev/serial/by-id and sysfs rather than
 * through serialport's list() (which spawns udevadm and fails where there is none), each with the rig
 * snippet that names it (as labgrid-suggest does). Where sysfs has no USB bus, that is said, not thrown.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface UsbAttributes {
  vendor: string;
  product: string;
  serial?: string;
  manufacturer?: string;
  name?: string;
}

export interface SerialPortInfo {
  path: string;
  /** Its stable name under /dev/serial/by-id, where udev made one. */
  byId?: string;
  usb?: UsbAttributes;
}

export interface Roots {
  dev: string;
  sys: string;
}
const HOST: Roots = { dev: '/dev', sys: '/sys' };
const SERIAL = /^(ttyUSB|ttyACM|ttyAMA|rfcomm)\d+$/;

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);

function attributes(dir: string): UsbAttributes | undefined {
  const vendor = read(join(dir, 'idVendor'));
  const product = read(join(dir, 'idProduct'));
  if (!vendor || !product) return undefined;
  const optional = (key: keyof UsbAttributes, file: string) => {
    const value = read(join(dir, file));
    return value ? { [key]: value } : {};
  };
  return {
    vendor,
    product,
    ...optional('serial', 'serial'),
    ...optional('manufacturer', 'manufacturer'),
    ...optional('name', 'product'),
  };
}

/** The USB device a tty hangs off: up its sysfs device path to the first directory with an idVendor. */
function usbOf(device: string): UsbAttributes | undefined {
  let dir = device;
  for (let i = 0; i < 8 && dir !== dirname(dir); i++, dir = dirname(dir)) {
    const found = attributes(dir);
    if (found) return found;
  }
  return undefined;
}

export function serialPorts(roots: Roots = HOST): SerialPortInfo[] {
  const byIdDir = join(roots.dev, 'serial', 'by-id');
  const byId = new Map<string, string>();
  if (existsSync(byIdDir))
    for (const name of readdirSync(byIdDir)) {
      try {
        byId.set(realpathSync(join(byIdDir, name)), join(byIdDir, name));
      } catch {}
    }
  const ttys = join(roots.sys, 'class', 'tty');
  if (!existsSync(ttys)) return [];
  return readdirSync(ttys)
    .filter((name) => SERIAL.test(name))
    .sort()
    .map((name) => {
      const path = join(roots.dev, name);
      let device: string | undefined;
      try {
        device = realpathSync(join(ttys, name, 'device'));
      } catch {}
      const usb = device ? usbOf(device) : undefined;
      const stable = byId.get(path) ?? [...byId].find(([target]) => target.endsWith(`/${name}`))?.[1];
      return { path, ...(stable ? { byId: stable } : {}), ...(usb ? { usb } : {}) };
    });
}

export function usbDevices(roots: Roots = HOST): { devices: UsbAttributes[] } | { unavailable: string } {
  const bus = join(roots.sys, 'bus', 'usb', 'devices');
  if (!existsSync(join(roots.sys, 'bus', 'usb')))
    return { unavailable: `this host has no USB subsystem (${join(roots.sys, 'bus', 'usb')} is missing)` };
  const devices = existsSync(bus)
    ? readdirSync(bus)
        .sort()
        .flatMap((name) => {
          const found = attributes(join(bus, name));
          return found ? [found] : [];
        })
    : [];
  return { devices };
}

/** USB ids of parts the harness has a driver for. */
const KNOWN: Record<string, string> = {
  '16c0:05df': 'power: { driver: usb-hid-relay, channel: 1 }',
};

const quote = (s: string) => JSON.stringify(s);

export function portSnippet(port: SerialPortInfo): string {
  if (port.usb)
    return `console: { usb: { vendor: ${quote(port.usb.vendor)}, product: ${quote(port.usb.product)}${port.usb.serial ? `, serial: ${quote(port.usb.serial)}` : ''} } }`;
  return `console: { port: ${port.byId ?? port.path} }`;
}

export function usbSnippet(device: UsbAttributes): string {
  return (
    KNOWN[`${device.vendor}:${device.product}`] ??
    `usb: { vendor: ${quote(device.vendor)}, product: ${quote(device.product)} }`
  );
}
