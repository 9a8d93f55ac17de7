// The usb identity lookup reads sysfs; no USB subsystem exists on these machines, so the test
// builds the sysfs shape of two CP2102 adapters (one with a serial number) in a temporary folder.
import t from 'tap';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listUsbTtys, resolveUsbTty } from '../harness/console/usb-identity.ts';

function fakeSys(root: string): void {
  const adapters = [
    { tty: 'ttyUSB0', port: '1-1', serial: '0001' },
    { tty: 'ttyUSB1', port: '1-2', serial: 'A50285BI' },
  ];
  for (const a of adapters) {
    const usbDevice = join(root, 'devices/pci0000:00/usb1', a.port);
    const iface = join(usbDevice, `${a.port}:1.0`, a.tty);
    mkdirSync(iface, { recursive: true });
    writeFileSync(join(usbDevice, 'idVendor'), '10c4\n');
    writeFileSync(join(usbDevice, 'idProduct'), 'ea60\n');
    writeFileSync(join(usbDevice, 'serial'), `${a.serial}\n`);
    mkdirSync(join(root, 'class/tty', a.tty), { recursive: true });
    symlinkSync(iface, join(root, 'class/tty', a.tty, 'device'));
  }
  mkdirSync(join(root, 'class/tty/pts0'), { recursive: true }); // no device link: not USB
}

t.test('finds a TTY by vendor, product and serial through sysfs', async (t) => {
  const root = t.testdir({});
  fakeSys(root);
  t.same(
    listUsbTtys(root).map((u) => [u.tty, u.serial]),
    [
      ['/dev/ttyUSB0', '0001'],
      ['/dev/ttyUSB1', 'A50285BI'],
    ],
  );
  t.equal(resolveUsbTty({ vendor: '10C4', product: 'EA60', serial: 'A50285BI' }, root), '/dev/ttyUSB1');
  t.equal(resolveUsbTty({ vendor: '0403', product: '6001' }, root), undefined, 'absent while not enumerated');
  t.throws(() => resolveUsbTty({ vendor: '10c4', product: 'ea60' }, root), /matches 2 ports.*add the serial number/);
});

t.test('a machine with no sysfs tty class has no USB TTYs', async (t) => {
  t.same(listUsbTtys(t.testdir({})), []);
});
