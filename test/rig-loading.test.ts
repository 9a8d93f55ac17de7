// Loading a rig costs what its schema needs, no more: the driver registry loads every driver for
// the rig schema, and a driver loads its instrument's package (serialport, usb, and their native
// bindings) only when it opens. And config imports nothing that loads the drivers, so a driver of
// your own (HIL_DRIVER_PATH) may import config/load.ts: once, that made loading wait on itself and
// node exit 13, with no message.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const url = (file: string) => pathToFileURL(resolve(file)).href;

/** Prints what this process has loaded of serialport and usb: their files, and native addons opened. */
const probe = `
import { createRequire } from 'node:module';
const addons = [];
const dlopen = process.dlopen;
process.dlopen = (module, file, ...rest) => (addons.push(file), dlopen.call(process, module, file, ...rest));
const cache = createRequire(import.meta.url).cache;
const heavy = () => ({
  packages: [...new Set(Object.keys(cache).flatMap((f) => /node_modules\\/((?:@serialport\\/)?[^/]+)\\//.exec(f)?.[1] ?? []))]
    .filter((name) => name === 'usb' || name.includes('serialport'))
    .sort(),
  addons: [...addons],
});
const { loadRig } = await import(${JSON.stringify(url('harness/config/load.ts'))});
const { DRIVERS, Rig } = await import(${JSON.stringify(url('harness/power/registry.ts'))});
const rig = loadRig(${JSON.stringify(resolve('rigs/virtual.yaml'))}, Rig);
const afterRig = { ...heavy(), drivers: DRIVERS.size, boards: Object.keys(rig.config.boards).length };
await import('serialport');
await import('usb');
console.log(JSON.stringify({ afterRig, afterImport: heavy() }));
`;

t.test('a rig loads with every driver and without serialport, usb or a native addon', async (t) => {
  const dir = t.testdir({ 'probe.mjs': probe });
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'probe.mjs')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(child.status, 0, 'the probe ran', { stderr: child.stderr.slice(-2000) });
  const { afterRig, afterImport } = JSON.parse(child.stdout) as Record<string, Record<string, unknown>>;
  t.ok((afterRig!.drivers as number) >= 9 && (afterRig!.boards as number) > 0, 'the rig loaded, every driver with it');
  t.same(afterRig!.packages, [], 'no file of serialport or usb was loaded');
  t.same(afterRig!.addons, [], 'no native addon was opened');
  // The control: the probe sees both packages and their bindings once they are loaded.
  t.ok((afterImport!.packages as string[]).includes('serialport'), 'serialport seen once imported');
  t.ok((afterImport!.packages as string[]).includes('usb'), 'usb seen once imported');
  t.ok((afterImport!.addons as string[]).length >= 2, 'and their native addons', { addons: afterImport!.addons });
});

t.test('a driver on HIL_DRIVER_PATH that imports config/load.ts loads, and a rig uses it', async (t) => {
  const dir = t.testdir({
    drivers: {
      'memory-relay.ts': [
        `import { needsRigHost } from ${JSON.stringify(url('harness/config/load.ts'))};`,
        `import { relayDriver } from ${JSON.stringify(url('harness/power/driver.ts'))};`,
        '',
        'let closed = false;',
        'export default relayDriver({',
        "  name: 'memory-relay',",
        `  description: \`a relay kept in memory (config/load.ts loaded: \${typeof needsRigHost})\`,`,
        '  fields: {},',
        '  open: async () => ({',
        "    description: 'memory relay',",
        '    on: async () => void (closed = true),',
        '    off: async () => void (closed = false),',
        '    state: async () => closed,',
        '    close: async () => undefined,',
        '  }),',
        '});',
        '',
      ].join('\n'),
    },
  });
  writeFileSync(
    join(dir, 'rig.yaml'),
    [
      'name: own-driver',
      'boards:',
      '  board:',
      '    profile: virtual',
      '    console: { port: /dev/ttyUSB0 }',
      '    power: { driver: memory-relay }',
      '',
    ].join('\n'),
  );
  const list = spawnSync(process.execPath, ['bin/hil.js', 'list', '--rig', join(dir, 'rig.yaml')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, HIL_DRIVER_PATH: join(dir, 'drivers') },
  });
  // Loading that waits on itself does nothing and ends: exit 13 from a shell, but 0 with nothing printed
  // from under tap, so what hil printed is the proof.
  t.match(list.stdout, /board \(profile virtual\)/, 'hil list listed the rig, its power the driver of our own', {
    stderr: list.stderr.slice(-2000),
  });
  t.equal(list.status, 0, 'and exited 0');
});
