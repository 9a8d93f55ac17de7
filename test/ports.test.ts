// hil ports: serial ports and USB devices read from /dev/serial/by-id and sysfs (never udevadm),
// here from a tree laid out as Linux lays them out (a CP2102 on ttyUSB0, a CDC-ACM board, a dcttech
// relay), and on this host, which has no USB subsystem: said plainly, exit 0.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { portSnippet, serialPorts, usbDevices, usbSnippet } from '../harness/console/ports.ts';

function tree(root: string) {
  const usb = (dir: string, ids: Record<string, string>) => {
    mkdirSync(dir, { recursive: true });
    for (const [file, value] of Object.entries(ids)) writeFileSync(join(dir, file), `${value}\n`);
  };
  const devices = join(root, 'sys', 'devices', 'pci0000:00', 'usb1');
  usb(join(devices, '1-1'), {
    idVendor: '10c4',
    idProduct: 'ea60',
    serial: '0001',
    manufacturer: 'Silicon Labs',
    product: 'CP2102 USB to UART',
  });
  usb(join(devices, '1-2'), {
    idVendor: '0483',
    idProduct: '374b',
    manufacturer: 'STMicroelectronics',
    product: 'STM32 STLink',
  });
  usb(join(devices, '1-3'), {
    idVendor: '16c0',
    idProduct: '05df',
    manufacturer: 'www.dcttech.com',
    product: 'USBRelay2',
  });
  mkdirSync(join(devices, '1-1', '1-1:1.0', 'ttyUSB0'), { recursive: true });
  mkdirSync(join(devices, '1-2', '1-2:1.2'), { recursive: true });
  mkdirSync(join(root, 'sys', 'class', 'tty', 'ttyUSB0'), { recursive: true });
  mkdirSync(join(root, 'sys', 'class', 'tty', 'ttyACM0'), { recursive: true });
  mkdirSync(join(root, 'sys', 'class', 'tty', 'tty1'), { recursive: true });
  symlinkSync(join(devices, '1-1', '1-1:1.0', 'ttyUSB0'), join(root, 'sys', 'class', 'tty', 'ttyUSB0', 'device'));
  symlinkSync(join(devices, '1-2', '1-2:1.2'), join(root, 'sys', 'class', 'tty', 'ttyACM0', 'device'));
  const bus = join(root, 'sys', 'bus', 'usb', 'devices');
  mkdirSync(bus, { recursive: true });
  for (const d of ['1-1', '1-2', '1-3']) symlinkSync(join(devices, d), join(bus, d));
  mkdirSync(join(root, 'dev', 'serial', 'by-id'), { recursive: true });
  writeFileSync(join(root, 'dev', 'ttyACM0'), '');
  symlinkSync('../../ttyACM0', join(root, 'dev', 'serial', 'by-id', 'usb-STMicroelectronics_STM32_STLink_066DFF-if02'));
  return { dev: join(root, 'dev'), sys: join(root, 'sys') };
}

t.test('ports from sysfs and by-id, each with the rig snippet that names it', async (t) => {
  const roots = tree(t.testdir({}));
  const ports = serialPorts(roots);
  t.same(
    ports.map((p) => p.path.split('/').pop()),
    ['ttyACM0', 'ttyUSB0'],
    'USB serial ports only, not virtual consoles',
  );
  t.equal(portSnippet(ports[1]!), 'console: { usb: { vendor: "10c4", product: "ea60", serial: "0001" } }');
  t.match(ports[0], {
    byId: /usb-STMicroelectronics_STM32_STLink_066DFF-if02$/,
    usb: { vendor: '0483', name: 'STM32 STLink' },
  });
  const usb = usbDevices(roots);
  t.ok('devices' in usb && usb.devices.length === 3);
  if ('devices' in usb)
    t.equal(usbSnippet(usb.devices[2]!), 'power: { driver: usb-hid-relay, channel: 1 }', 'a part the harness drives');
});

t.test('no USB subsystem: said plainly, never a crash', async (t) => {
  const root = t.testdir({ sys: { class: {} }, dev: {} });
  t.same(serialPorts({ dev: join(root, 'dev'), sys: join(root, 'sys') }), []);
  t.match(usbDevices({ dev: join(root, 'dev'), sys: join(root, 'sys') }), { unavailable: /no USB subsystem/ });
  const here = spawnSync(process.execPath, ['bin/hil.js', 'ports'], { encoding: 'utf8' });
  t.equal(here.status, 0, 'hil ports on this host');
  t.match(here.stdout, /serial ports:/);
  t.match(here.stdout, /USB devices:/);
});
