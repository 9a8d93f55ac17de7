/**
 * Finding a board's own USB device with the `usb` package (libusb through a WebUSB-style API).
 * Where the host has no USB subsystem (no /sys/bus/usb, as in containers) it says so instead of
 * throwing; its hot-plug events are not used, since usb@3 rejects unhandled there. The package (and
 * libusb) loads when devices are first listed: the USB power drivers are loaded with every rig.
 */
import { existsSync } from 'node:fs';
import type { UsbIdentityConfig } from '../config/schema.ts';
import type { UsbDeviceShape } from './descriptors.ts';

export type UsbLookup = { found: UsbDeviceShape } | { absent: string } | { unavailable: string };

/** Every device on the host's buses, or why they cannot be listed. */
export async function listUsbDevices(
  sysfs = '/sys/bus/usb',
): Promise<{ devices: UsbDeviceShape[] } | { unavailable: string }> {
  if (!existsSync(sysfs)) return { unavailable: `this host has no USB subsystem (${sysfs} is missing)` };
  try {
    const { WebUSB } = await import('usb');
    return { devices: (await new WebUSB({ allowAllDevices: true }).getDevices()) as unknown as UsbDeviceShape[] };
  } catch (error) {
    return { unavailable: `libusb cannot list devices: ${(error as Error).message}` };
  }
}

export async function findUsbDevice(want: UsbIdentityConfig, sysfs = '/sys/bus/usb'): Promise<UsbLookup> {
  const listed = await listUsbDevices(sysfs);
  if ('unavailable' in listed) return listed;
  const devices = listed.devices;
  const vendor = parseInt(want.vendor, 16);
  const product = parseInt(want.product, 16);
  const matches = devices.filter(
    (d) =>
      d.vendorId === vendor && d.productId === product && (want.serial === undefined || d.serialNumber === want.serial),
  );
  if (matches.length === 0)
    return {
      absent: `no USB device ${want.vendor}:${want.product}${want.serial ? ` with serial ${want.serial}` : ''} among ${devices.length}`,
    };
  if (matches.length > 1)
    return { absent: `${matches.length} USB devices match ${want.vendor}:${want.product}; give the serial number` };
  return { found: matches[0]! };
}
