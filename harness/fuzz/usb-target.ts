/**
 * USB control requests to the board's own USB device, through the `usb` package's WebUSB API: each
 * case is a setup packet (bmRequestType, bRequest, wValue, wIndex, wLength) and, going out, its data.
 * A stall is the device saying no, which is fine; a device that leaves the bus, or stops answering,
 * is a finding. Standard SET_ADDRESS, SET_CONFIGURATION and SET_INTERFACE are never sent: they
 * re-enumerate or reconfigure the device, which is what they are for.
 */
import type { UsbControlDevice, UsbSetup } from '../usb/control.ts';
import type { Finding } from './monitors.ts';
import type { Target } from './targets.ts';

const TYPES = ['standard', 'class', 'vendor'] as const;
const RECIPIENTS = ['device', 'interface', 'endpoint', 'other'] as const;
/** USB 2.0 9.4: SET_ADDRESS 5, SET_CONFIGURATION 9, SET_INTERFACE 11. */
const NEVER_STANDARD = new Set([5, 9, 11]);
const MAX_LENGTH = 4096;

/** A case's bytes as a control request: the first 8 bytes are the setup packet, the rest its data. */
export function setupOf(bytes: Buffer): { setup: UsbSetup; dirIn: boolean; length: number; data: Buffer } | undefined {
  if (bytes.length < 8) return undefined;
  const bmRequestType = bytes[0]!;
  const type = TYPES[(bmRequestType >> 5) & 3];
  const recipient = RECIPIENTS[bmRequestType & 3];
  if (!type || !recipient) return undefined; // type 3 is reserved
  const request = bytes[1]!;
  if (type === 'standard' && NEVER_STANDARD.has(request)) return undefined;
  return {
    setup: { requestType: type, recipient, request, value: bytes.readUInt16LE(2), index: bytes.readUInt16LE(4) },
    dirIn: (bmRequestType & 0x80) !== 0,
    length: Math.min(bytes.readUInt16LE(6), MAX_LENGTH),
    data: bytes.subarray(8, 8 + MAX_LENGTH),
  };
}

export function usbTarget(device: UsbControlDevice): Target {
  return {
    kind: 'usb',
    async send(bytes): Promise<Finding | undefined> {
      const request = setupOf(bytes);
      if (!request) return undefined;
      try {
        if (!device.opened) await device.open();
        if (request.dirIn) await device.controlTransferIn(request.setup, request.length);
        else
          await device.controlTransferOut(
            request.setup,
            request.data.buffer.slice(
              request.data.byteOffset,
              request.data.byteOffset + request.data.length,
            ) as ArrayBuffer,
          );
        return undefined;
      } catch (error) {
        const message = (error as Error).message;
        // A stall or a refused request is an answer; a device gone from the bus is not.
        if (/NO_DEVICE|not found|disconnected|ENODEV|no such device/i.test(message))
          return { kind: 'dead', signature: 'usb: the device left the bus', line: message.slice(0, 200) };
        if (/TIMEOUT|timed out/i.test(message))
          return { kind: 'hang', signature: 'usb: control request timed out', line: message.slice(0, 200) };
        return undefined;
      }
    },
  };
}
