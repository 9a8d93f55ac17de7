/**
 * Control transfers through the `usb` package's WebUSB API (USBDevice): what the fuzz suite's USB
 * target and the USB power drivers (HID relay boards, hub port power) need of a device, and how
 * one is found and opened by its identity. Where the host has no USB subsystem this says so.
 */
import type { UsbIdentityConfig } from '../config/schema.ts';
import { findUsbDevice, listUsbDevices } from './find.ts';

export interface UsbSetup {
  requestType: 'standard' | 'class' | 'vendor';
  recipient: 'device' | 'interface' | 'endpoint' | 'other';
  request: number;
  value: number;
  index: number;
}

/** What is used of a WebUSB USBDevice: open it, and control transfers in and out. */
export interface UsbControlDevice {
  opened: boolean;
  open(): Promise<void>;
  controlTransferIn(setup: UsbSetup, length: number): Promise<{ status?: string; data?: DataView }>;
  controlTransferOut(setup: UsbSetup, data?: ArrayBuffer): Promise<{ status?: string; bytesWritten?: number }>;
  usbVersionMajor?: number;
}

/** The device with this identity, opened; an error that says why not (no USB here, not found, several). */
export async function openUsbControl(want: UsbIdentityConfig, what: string): Promise<UsbControlDevice> {
  const found = await findUsbDevice(want);
  if (!('found' in found)) throw new Error(`${what}: ${'unavailable' in found ? found.unavailable : found.absent}`);
  const device = found.found as unknown as UsbControlDevice;
  if (!device.opened) await device.open();
  return device;
}

/** Every device with this vendor and product id, opened (boards with no serial number are told apart otherwise). */
export async function openAllUsbControl(vendor: number, product: number, what: string): Promise<UsbControlDevice[]> {
  const listed = await listUsbDevices();
  if ('unavailable' in listed) throw new Error(`${what}: ${listed.unavailable}`);
  const devices = listed.devices.filter((d) => d.vendorId === vendor && d.productId === product);
  const opened = devices as unknown as UsbControlDevice[];
  for (const device of opened) if (!device.opened) await device.open();
  return opened;
}

/** An IN transfer's bytes, or an error naming the request and what the device said. */
export async function controlIn(device: UsbControlDevice, setup: UsbSetup, length: number, what: string) {
  const result = await device.controlTransferIn(setup, length);
  if (result.status !== 'ok' || !result.data)
    throw new Error(`${what}: request 0x${setup.request.toString(16)} answered ${result.status ?? 'nothing'}`);
  return Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength);
}

export async function controlOut(device: UsbControlDevice, setup: UsbSetup, data: Buffer | undefined, what: string) {
  const bytes = data ? (data.buffer.slice(data.byteOffset, data.byteOffset + data.length) as ArrayBuffer) : undefined;
  const result = await device.controlTransferOut(setup, bytes);
  if (result.status !== 'ok')
    throw new Error(`${what}: request 0x${setup.request.toString(16)} answered ${result.status ?? 'nothing'}`);
}
