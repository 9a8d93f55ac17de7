// The USB power drivers at the `usb` package's API boundary (this host has no USB subsystem: no
// /sys/bus/usb), against stand-ins with USBDevice's shape that answer as the parts do: a dcttech
// HID relay board (feature report 0: FF/FD n to switch, GET_REPORT id + bitmask) and a USB 2.0 hub
// with per-port power switching (SET/CLEAR_FEATURE PORT_POWER, GET_STATUS wPortStatus bit 8).
import t from 'tap';
import { HidRelay, hidRelayReport, parseHidRelayReport, pickHidRelay } from '../harness/power/drivers/usb-hid-relay.ts';
import { HubPort, portPowerSetup } from '../harness/power/drivers/usb-hub-port.ts';
import { openUsbControl, type UsbControlDevice, type UsbSetup } from '../harness/usb/control.ts';

interface Seen {
  dir: 'in' | 'out';
  setup: UsbSetup;
  data?: number[];
}

const view = (bytes: number[]) => new DataView(Uint8Array.from(bytes).buffer);

/** A relay board with this id; `stuck` relays ignore their command (a welded contact). */
function relayBoard(id: string, stuck = 0): UsbControlDevice & { seen: Seen[]; mask: number } {
  const self = {
    opened: true,
    mask: 0,
    seen: [] as Seen[],
    async open() {},
    async controlTransferIn(setup: UsbSetup, length: number) {
      self.seen.push({ dir: 'in', setup });
      if (setup.requestType !== 'class' || setup.request !== 0x01 || setup.value !== 0x0300) return { status: 'stall' };
      const report = [...Buffer.from(id.padEnd(5, '\0')), 0, 0, self.mask].slice(0, length);
      return { status: 'ok', data: view(report) };
    },
    async controlTransferOut(setup: UsbSetup, data?: ArrayBuffer) {
      const bytes = [...new Uint8Array(data ?? new ArrayBuffer(0))];
      self.seen.push({ dir: 'out', setup, data: bytes });
      if (setup.request !== 0x09 || setup.value !== 0x0300) return { status: 'stall' };
      const [command, n] = bytes;
      const bit = 1 << (n! - 1);
      if (!(stuck & bit))
        self.mask = command === 0xff ? self.mask | bit : command === 0xfd ? self.mask & ~bit : self.mask;
      return { status: 'ok', bytesWritten: bytes.length };
    },
  };
  return self;
}

t.test('HID relay reports: FF n closes, FD n opens, 8 bytes; GET_REPORT gives the id and the bitmask', async (t) => {
  t.same([...hidRelayReport(1, true)], [0xff, 1, 0, 0, 0, 0, 0, 0]);
  t.same([...hidRelayReport(2, false)], [0xfd, 2, 0, 0, 0, 0, 0, 0]);
  const report = parseHidRelayReport(Buffer.from([0x51, 0x41, 0x41, 0x4d, 0x5a, 0, 0, 0b0000_0101]));
  t.equal(report.id, 'QAAMZ');
  t.same([1, 2, 3].map(report.closed), [true, false, true]);
  t.throws(() => parseHidRelayReport(Buffer.alloc(4)), /gave 4 bytes/);
});

t.test('HID relay: switches its channel with SET_REPORT as labgrid does, and reads each switch back', async (t) => {
  const board = relayBoard('QAAMZ');
  const relay = new HidRelay(board, 'QAAMZ', 2);
  await relay.on();
  t.equal(board.mask, 0b10);
  t.equal(await relay.state(), true);
  t.match(board.seen[0], {
    dir: 'out',
    setup: { requestType: 'class', recipient: 'device', request: 0x09, value: 0x0300, index: 0 },
    data: [0xff, 2, 0, 0, 0, 0, 0, 0],
  });
  await relay.off();
  t.equal(board.mask, 0);
  const welded = new HidRelay(relayBoard('WELD1', 0b1), 'WELD1', 1);
  await t.rejects(welded.on(), /USB HID relay WELD1 #1: asked to close, it reports open/);
});

t.test('HID relay: the board is picked by its id among several; none or two without an id is an error', async (t) => {
  const boards = [relayBoard('AAAAA'), relayBoard('BBBBB')];
  const picked = await pickHidRelay(boards, 'BBBBB', 1);
  await picked.on();
  t.same([boards[0]!.mask, boards[1]!.mask], [0, 1], 'only the named board switched');
  await t.rejects(
    pickHidRelay(boards, undefined, 1),
    /2 USB HID relay boards are plugged in \(AAAAA, BBBBB\): give its id/,
  );
  await t.rejects(pickHidRelay(boards, 'CCCCC', 1), /no USB HID relay board with id CCCCC is plugged in/);
  await t.rejects(pickHidRelay([], undefined, 1), /seen: none/);
});

/** A USB 2.0 hub of `ports` ports; `characteristics` is wHubCharacteristics (0x0001: per-port power switching). */
function hub(ports: number, characteristics = 0x0001): UsbControlDevice & { power: boolean[]; seen: Seen[] } {
  const self = {
    opened: true,
    usbVersionMajor: 2,
    power: Array.from({ length: ports + 1 }, () => true),
    seen: [] as Seen[],
    async open() {},
    async controlTransferIn(setup: UsbSetup, length: number) {
      self.seen.push({ dir: 'in', setup });
      if (setup.recipient === 'device' && setup.request === 0x06 && setup.value === 0x2900)
        return {
          status: 'ok',
          data: view([9, 0x29, ports, characteristics & 0xff, characteristics >> 8, 50, 100, 0, 0xff].slice(0, length)),
        };
      if (setup.recipient === 'other' && setup.request === 0x00) {
        const status = (self.power[setup.index] ? 0x0100 : 0) | 0x0001;
        return { status: 'ok', data: view([status & 0xff, status >> 8, 0, 0]) };
      }
      return { status: 'stall' };
    },
    async controlTransferOut(setup: UsbSetup) {
      self.seen.push({ dir: 'out', setup });
      if (setup.recipient !== 'other' || setup.value !== 8) return { status: 'stall' };
      if (setup.request === 0x03) self.power[setup.index] = true;
      else if (setup.request === 0x01) self.power[setup.index] = false;
      else return { status: 'stall' };
      return { status: 'ok', bytesWritten: 0 };
    },
  };
  return self;
}

t.test('hub port power: CLEAR_FEATURE and SET_FEATURE PORT_POWER on the port, read back from GET_STATUS', async (t) => {
  t.same(portPowerSetup(3, false), { requestType: 'class', recipient: 'other', request: 0x01, value: 8, index: 3 });
  t.same(portPowerSetup(3, true), { requestType: 'class', recipient: 'other', request: 0x03, value: 8, index: 3 });
  const device = hub(4);
  const port = new HubPort(device, '2109:2817', 3);
  await port.check();
  await port.off();
  t.same(device.power.slice(1), [true, true, false, true], 'port 3 alone is off');
  t.equal(await port.state(), false);
  await port.on();
  t.equal(await port.state(), true);
});

t.test(
  'hub port power: a hub that does not switch power, a port it does not have, a port that does not follow',
  async (t) => {
    await t.rejects(
      new HubPort(hub(4, 0x0002), 'h', 1).check(),
      /does not switch port power \(wHubCharacteristics bits 1:0 = 2\)/,
    );
    await t.rejects(new HubPort(hub(4), 'h', 7).check(), /the hub has ports 1 to 4/);
    const pretends = hub(4);
    pretends.controlTransferOut = async () => ({ status: 'ok', bytesWritten: 0 });
    await t.rejects(new HubPort(pretends, 'h', 2).off(), /USB hub h port 2: asked to power off, the port reports on/);
  },
);

t.test('a USB driver that cannot reach its device says why (here: no USB subsystem)', async (t) => {
  await t.rejects(
    openUsbControl({ vendor: '2109', product: '2817' }, 'USB hub'),
    /USB hub: (this host has no USB subsystem|no USB device 2109:2817|libusb cannot list)/,
  );
});
