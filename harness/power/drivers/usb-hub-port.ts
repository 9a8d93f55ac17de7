/**
 * Power of one downstream port of a USB hub that switches its ports (how a Nucleo powered from its
 * ST-LINK USB connector is cut), with the hub class requests uhubctl sends, through the `usb` package:
 *
 *   power: { driver: usb-hub-port, hub: { vendor: "2109", product: "2817" }, port: 2 }
 *
 * USB 2.0 11.24.2: SET_FEATURE / CLEAR_FEATURE (bmRequestType 0x23 class | other, bRequest 0x03 /
 * 0x01) of PORT_POWER (feature 8) on wIndex = port; GET_STATUS (0xA3, 0x00) gives wPortStatus, whose
 * power bit is 0x0100 (USB 3 hubs: 0x0200). The hub descriptor's wHubCharacteristics says whether
 * the hub switches power at all (bits 1:0: 00 ganged, 01 per port, 1x not at all); a hub that does
 * not is refused at open, and every switch is read back. No twin: this host has no USB subsystem;
 * the driver is tested against a stand-in at the `usb` API boundary (test/usb-power.test.ts).
 */
import { Type } from '../../config/typebox.ts';
import { UsbIdentity } from '../../config/atoms.ts';
import { controlIn, controlOut, openUsbControl, type UsbControlDevice, type UsbSetup } from '../../usb/control.ts';
import { type Relay, relayDriver } from '../driver.ts';

const PORT_POWER = 8;
const CLASS_OTHER = { requestType: 'class', recipient: 'other', value: PORT_POWER } as const;
/** Hub descriptor types: 0x29 (USB 2.0 11.23.2.1), 0x2A (USB 3.2 10.15.2.1). */
const HUB_DESCRIPTOR = { 2: 0x29, 3: 0x2a } as const;

export function portPowerSetup(port: number, on: boolean): UsbSetup {
  return { ...CLASS_OTHER, request: on ? 0x03 : 0x01, index: port };
}

export class HubPort implements Relay {
  constructor(
    private readonly hub: UsbControlDevice,
    private readonly name: string,
    private readonly port: number,
  ) {}

  get description(): string {
    return `USB hub ${this.name} port ${this.port}`;
  }

  /** Read the hub descriptor: how many ports, and whether it switches their power. */
  async check(): Promise<void> {
    const superSpeed = (this.hub.usbVersionMajor ?? 2) >= 3;
    const type = superSpeed ? HUB_DESCRIPTOR[3] : HUB_DESCRIPTOR[2];
    const setup: UsbSetup = { requestType: 'class', recipient: 'device', request: 0x06, value: type << 8, index: 0 };
    const descriptor = await controlIn(this.hub, setup, 12, this.description);
    const ports = descriptor[2]!;
    const switching = descriptor.readUInt16LE(3) & 0x3;
    if (this.port < 1 || this.port > ports) throw new Error(`${this.description}: the hub has ports 1 to ${ports}`);
    if (switching >= 2)
      throw new Error(
        `${this.description}: the hub does not switch port power (wHubCharacteristics bits 1:0 = ${switching})`,
      );
  }

  on(): Promise<void> {
    return this.set(true);
  }

  off(): Promise<void> {
    return this.set(false);
  }

  async state(): Promise<boolean> {
    const setup: UsbSetup = { requestType: 'class', recipient: 'other', request: 0x00, value: 0, index: this.port };
    const status = (await controlIn(this.hub, setup, 4, this.description)).readUInt16LE(0);
    return (status & ((this.hub.usbVersionMajor ?? 2) >= 3 ? 0x0200 : 0x0100)) !== 0;
  }

  async close(): Promise<void> {}

  private async set(on: boolean): Promise<void> {
    await controlOut(this.hub, portPowerSetup(this.port, on), undefined, this.description);
    const now = await this.state();
    // Ganged hubs switch all ports together, and some only pretend: either way the port must follow.
    if (now !== on)
      throw new Error(
        `${this.description}: asked to power ${on ? 'on' : 'off'}, the port reports ${now ? 'on' : 'off'}`,
      );
  }
}

export default relayDriver({
  name: 'usb-hub-port',
  description: "a USB hub port's power, switched with the hub class requests (as uhubctl does)",
  fields: {
    hub: UsbIdentity,
    port: Type.Integer({ minimum: 1, maximum: 255, description: 'the downstream port number' }),
  },
  open: async (c) => {
    const hub = await openUsbControl(c.hub, 'USB hub');
    const port = new HubPort(hub, `${c.hub.vendor}:${c.hub.product}`, c.port);
    await port.check();
    return port;
  },
});
