/**
 * Find the TTY of a USB serial adapter by its identity (vendor, product, serial) through sysfs,
 * which survives re-enumeration where /dev/ttyUSBn numbering does not. Reads sysfs directly so
 * that it works without udevadm (serialport's list() needs it and crashes where it is missing).
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { UsbIdentityConfig } from '../config/schema.ts';

export interface UsbTty {
  tty: string;
  vendor: string;
  product: string;
  serial?: string;
}

function readAttr(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Every TTY whose device sits under a USB device, with that device's identity. */
export function listUsbTtys(sysRoot = '/sys'): UsbTty[] {
  const classDir = join(sysRoot, 'class', 'tty');
  if (!existsSync(classDir)) return [];
  const found: UsbTty[] = [];
  for (const name of readdirSync(classDir)) {
    let dir: string;
    try {
      dir = realpathSync(join(classDir, name, 'device'));
    } catch {
      continue; // virtual consoles and ptys have no device link
    }
    for (let up = dir; up !== dirname(up) && up.startsWith(sysRoot); up = dirname(up)) {
      const vendor = readAttr(up, 'idVendor');
      const product = readAttr(up, 'idProduct');
      if (vendor && product) {
        found.push({ tty: `/dev/${name}`, vendor, product, serial: readAttr(up, 'serial') });
        break;
      }
    }
  }
  return found.sort((a, b) => a.tty.localeCompare(b.tty));
}

function matchesIdentity(tty: UsbTty, want: UsbIdentityConfig): boolean {
  return (
    tty.vendor.toLowerCase() === want.vendor.toLowerCase() &&
    tty.product.toLowerCase() === want.product.toLowerCase() &&
    (want.serial === undefined || tty.serial === want.serial)
  );
}

/** The TTY path for an identity; undefined while it is absent; an error when it is ambiguous. */
export function resolveUsbTty(want: UsbIdentityConfig, sysRoot = '/sys'): string | undefined {
  const matches = listUsbTtys(sysRoot).filter((t) => matchesIdentity(t, want));
  if (matches.length > 1) {
    throw new Error(
      `USB identity ${want.vendor}:${want.product}${want.serial ? ` serial ${want.serial}` : ''} matches ${matches.length} ports (${matches.map((m) => m.tty).join(', ')}); add the serial number`,
    );
  }
  return matches[0]?.tty;
}
