// USB control-request fuzzing at the `usb` package's API boundary (this host has no USB subsystem:
// no /sys/bus/usb), against a stand-in with USBDevice's shape: setup packets from case bytes, the
// requests never sent, a stall as an answer, a device that leaves the bus as a finding.
import t from 'tap';
import { usbSeed } from '../harness/fuzz/cases.ts';
import { setupOf, usbTarget } from '../harness/fuzz/usb-target.ts';
import type { UsbControlDevice, UsbSetup } from '../harness/usb/control.ts';
import { Rng } from '../harness/fuzz/prng.ts';

t.test('setup packets: type, recipient, request, value, index, length; the reconfiguring ones never', async (t) => {
  const getDescriptor = Buffer.from([0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00]);
  t.same(setupOf(getDescriptor), {
    setup: { requestType: 'standard', recipient: 'device', request: 6, value: 0x0100, index: 0 },
    dirIn: true,
    length: 18,
    data: Buffer.alloc(0),
  });
  t.same(setupOf(Buffer.from([0x41, 0x42, 1, 0, 2, 0, 0, 0, 0xde, 0xad]))?.data, Buffer.from([0xde, 0xad]));
  t.equal(setupOf(Buffer.from([0x00, 0x05, 7, 0, 0, 0, 0, 0])), undefined, 'SET_ADDRESS is never sent');
  t.equal(setupOf(Buffer.from([0x00, 0x09, 1, 0, 0, 0, 0, 0])), undefined, 'SET_CONFIGURATION is never sent');
  t.equal(setupOf(Buffer.from([0x60, 0x01, 0, 0, 0, 0, 0, 0])), undefined, 'type 3 is reserved');
  t.equal(setupOf(Buffer.from([0x80, 0x06])), undefined, 'shorter than a setup packet');
  t.equal(setupOf(Buffer.from([0xc0, 0x01, 0, 0, 0, 0, 0xff, 0xff]))?.length, 4096, 'wLength bounded');
  const rng = new Rng(4);
  for (let i = 0; i < 100; i++) t.ok(setupOf(usbSeed(rng)), 'every seed is a request that is sent');
});

/** A stand-in with USBDevice's shape: stalls unknown requests, leaves the bus on vendor request 0x42. */
function device(): UsbControlDevice & { seen: UsbSetup[]; gone: boolean } {
  const self = {
    opened: false,
    gone: false,
    seen: [] as UsbSetup[],
    async open() {
      self.opened = true;
    },
    async controlTransferIn(setup: UsbSetup, length: number) {
      if (self.gone) throw new Error('LIBUSB_ERROR_NO_DEVICE');
      self.seen.push(setup);
      return setup.request === 6
        ? { status: 'ok', data: new DataView(new ArrayBuffer(Math.min(length, 18))) }
        : { status: 'stall' };
    },
    async controlTransferOut(setup: UsbSetup) {
      if (self.gone) throw new Error('LIBUSB_ERROR_NO_DEVICE');
      self.seen.push(setup);
      if (setup.requestType === 'vendor' && setup.request === 0x42) self.gone = true;
      return { status: 'ok', bytesWritten: 0 };
    },
  };
  return self;
}

t.test('a stall is an answer; a device that leaves the bus is found dead', async (t) => {
  const board = device();
  const target = usbTarget(board);
  t.equal(await target.send(Buffer.from([0x80, 0x06, 0, 1, 0, 0, 18, 0])), undefined);
  t.ok(board.opened, 'opened on first use');
  t.equal(await target.send(Buffer.from([0xc0, 0x99, 0, 0, 0, 0, 4, 0])), undefined, 'a stall');
  t.equal(await target.send(Buffer.from([0x40, 0x42, 0, 0, 0, 0, 0, 0])), undefined, 'the request that kills it');
  t.match(await target.send(Buffer.from([0x80, 0x06, 0, 1, 0, 0, 18, 0])), {
    kind: 'dead',
    signature: 'usb: the device left the bus',
  });
  t.equal(board.seen.length, 3);
});
