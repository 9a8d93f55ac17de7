/**
 * dcttech "USBRelay" HID relay boards (1, 2, 4 or 8 channels; VID 0x16C0, PID 0x05DF, manufacturer
 * www.dcttech.com), through the `usb` package, as labgrid's usb_hid_relay agent drives them:
 *
 *   power: { driver: usb-hid-relay, channel: 1, id: QAAMZ }
 *
 * HID feature report 0, no report id, 8 bytes. Switch: SET_REPORT (bmRequestType 0x20 class |
 * device | OUT, bRequest 0x09, wValue 0x0300) with `FF n` to close relay n, `FD n` to open it.
 * State: GET_REPORT (0xA0, 0x01, 0x0300, length 8): bytes 0-4 are the board's id (these boards
 * have no USB serial number, so `id` picks one board among several), byte 7 the relays' bitmask.
 * Every switch is read back. No twin: this host has no USB subsystem; the driver is tested against
 * a stand-in at the `usb` API boundary (test/usb-power.test.ts).
 */
import { Type } from '../../config/typebox.ts';
import { Channel } from '../../config/atoms.ts';
import { controlIn, controlOut, openAllUsbControl, type UsbControlDevice, type UsbSetup } from '../../usb/control.ts';
import { type Relay, relayDriver } from '../driver.ts';

export const HID_RELAY = { vendor: 0x16c0, product: 0x05df };
const REPORT = { requestType: 'class', recipient: 'device', value: 0x0300, index: 0 } as const;
const SET_REPORT: UsbSetup = { ...REPORT, request: 0x09 };
const GET_REPORT: UsbSetup = { ...REPORT, request: 0x01 };
const ON = 0xff;
const OFF = 0xfd;

/** The feature report that closes or opens relay `channel` (1-8). */
export function hidRelayReport(channel: number, closed: boolean): Buffer {
  const report = Buffer.alloc(8);
  report[0] = closed ? ON : OFF;
  report[1] = channel;
  return report;
}

/** GET_REPORT's 8 bytes: the board's id (bytes 0-4, ASCII) and the relays' bitmask (byte 7). */
export function parseHidRelayReport(report: Buffer): { id: string; closed: (channel: number) => boolean } {
  if (report.length < 8) throw new Error(`GET_REPORT gave ${report.length} bytes, a relay board gives 8`);
  const id = report.subarray(0, 5).toString('latin1').replace(/\0+$/, '');
  return { id, closed: (channel) => ((report[7]! >> (channel - 1)) & 1) === 1 };
}

export class HidRelay implements Relay {
  constructor(
    private readonly device: UsbControlDevice,
    private readonly id: string,
    private readonly channel: number,
  ) {}

  get description(): string {
    return `USB HID relay ${this.id} #${this.channel}`;
  }

  on(): Promise<void> {
    return this.set(true);
  }

  off(): Promise<void> {
    return this.set(false);
  }

  async state(): Promise<boolean> {
    return parseHidRelayReport(await this.report()).closed(this.channel);
  }

  async close(): Promise<void> {}

  private async set(closed: boolean): Promise<void> {
    await controlOut(this.device, SET_REPORT, hidRelayReport(this.channel, closed), this.description);
    const now = await this.state();
    if (now !== closed)
      throw new Error(
        `${this.description}: asked to ${closed ? 'close' : 'open'}, it reports ${now ? 'closed' : 'open'}`,
      );
  }

  private report(): Promise<Buffer> {
    return controlIn(this.device, GET_REPORT, 8, this.description);
  }
}

/** The board with this id among those plugged in (any one board when no id is given and only one is there). */
export async function pickHidRelay(devices: UsbControlDevice[], id: string | undefined, channel: number) {
  const boards = await Promise.all(
    devices.map(async (device) => ({
      device,
      id: parseHidRelayReport(await controlIn(device, GET_REPORT, 8, 'USB HID relay')).id,
    })),
  );
  const matches = id === undefined ? boards : boards.filter((b) => b.id === id);
  const seen = boards.map((b) => b.id).join(', ') || 'none';
  if (matches.length === 0)
    throw new Error(`no USB HID relay board ${id ? `with id ${id} ` : ''}is plugged in (seen: ${seen})`);
  if (matches.length > 1)
    throw new Error(`${matches.length} USB HID relay boards are plugged in (${seen}): give its id`);
  return new HidRelay(matches[0]!.device, matches[0]!.id, channel);
}

export default relayDriver({
  name: 'usb-hid-relay',
  description: 'a dcttech USB HID relay board (16c0:05df) through libusb',
  fields: {
    channel: Channel,
    id: Type.Optional(
      Type.String({ pattern: '^[ -~]{1,5}$', description: "the board's 5-character id (its GET_REPORT bytes 0-4)" }),
    ),
  },
  open: async (c) => {
    const devices = await openAllUsbControl(HID_RELAY.vendor, HID_RELAY.product, 'USB HID relay');
    return pickHidRelay(devices, c.id, c.channel);
  },
});
