// Descriptor layouts as lsusb shows them on real parts; the usb package's own API boundary on a
// host with no USB subsystem (this one: no /sys/bus/usb).
import t from 'tap';
import { inspectInterfaces, type UsbDeviceShape } from '../harness/usb/descriptors.ts';
import { findUsbDevice } from '../harness/usb/find.ts';
import { existsSync } from 'node:fs';

const alt = (interfaceClass: number, interfaceSubclass: number, interfaceProtocol: number, interfaceName?: string) => ({
  interfaceClass,
  interfaceSubclass,
  interfaceProtocol,
  interfaceName,
});
const device = (vendorId: number, productId: number, alternates: ReturnType<typeof alt>[]): UsbDeviceShape => ({
  vendorId,
  productId,
  configurations: [
    { configurationValue: 1, interfaces: alternates.map((a, i) => ({ interfaceNumber: i, alternates: [a] })) },
  ],
});

// ESP32-S3 USB-Serial-JTAG (303a:1001): CDC-ACM control and data, and the vendor-specific JTAG bridge.
const esp32s3 = device(0x303a, 0x1001, [alt(0x02, 0x02, 0x00), alt(0x0a, 0x00, 0x00), alt(0xff, 0xff, 0x01)]);
// STM32 system bootloader in DFU mode (0483:df11).
const stm32Dfu = device(0x0483, 0xdf11, [
  alt(0xfe, 0x01, 0x02, '@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg'),
]);
const CDC_ACM = [{ class: 0x02, subclass: 0x02 }, { class: 0x0a }];

t.test('a CDC-ACM console alone passes; the USB-JTAG bridge beside it is a finding', async (t) => {
  t.same(
    inspectInterfaces(device(0x303a, 0x1001, [alt(0x02, 0x02, 0x00), alt(0x0a, 0x00, 0x00)]), CDC_ACM).findings,
    [],
  );
  const s3 = inspectInterfaces(esp32s3, CDC_ACM);
  t.same(s3.interfaces, ['1.0 0x02/0x02/0x00', '1.1 0x0a/0x00/0x00', '1.2 0xff/0xff/0x01']);
  t.match(s3.findings, [{ interface: 2, class: '0xff/0xff/0x01', problem: /vendor-specific/ }]);
  t.same(
    inspectInterfaces(esp32s3, [...CDC_ACM, { class: 0xff, subclass: 0xff, protocol: 0x01 }]).findings,
    [],
    'unless the profile allows it',
  );
});

t.test('a DFU interface is always a finding, whatever the profile allows', async (t) => {
  const dfu = inspectInterfaces(stm32Dfu, [{ class: 0xfe }]);
  t.match(dfu.findings, [{ class: '0xfe/0x01/0x02', name: /Internal Flash/, problem: /DFU interface/ }]);
});

t.test(
  'no USB subsystem: a reason, never a throw or an unhandled rejection',
  { skip: existsSync('/sys/bus/usb') && 'this host has a USB subsystem' },
  async (t) => {
    t.match(await findUsbDevice({ vendor: '303a', product: '1001' }), {
      unavailable: /no USB subsystem \(\/sys\/bus\/usb is missing\)/,
    });
    // Past the sysfs check, libusb itself finds no devices directory: the package throws; we report.
    t.match(await findUsbDevice({ vendor: '303a', product: '1001' }, t.testdir({})), {
      unavailable: /libusb cannot list devices/,
    });
  },
);
