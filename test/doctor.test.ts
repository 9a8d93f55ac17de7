// hil doctor on the virtual and QEMU rigs: a ready rig is said to be ready, row by row; swapped
// boards are caught by their identity lines; a console that does not open and a supply that does not
// answer are problems named with what was seen; a console port that goes away while the identity is
// read is named, not the board; a board another run holds is not touched; a rig that does not load
// cannot be checked (exit 2). The bench is at rest afterwards.
import t from 'tap';
import './helpers/children.ts';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { lockBoard } from '../harness/runner/lock.ts';
import { startRigHost } from '../harness/runner/rig-host.ts';
import { connectTcp } from '../harness/util/tcp.ts';
import { virtualMac } from '../harness/virtual/esp-log.ts';
import { ptyDevice } from './helpers/pty-device.ts';

t.setTimeout(180_000);
const dir = t.testdir({});
const doctor = (rig: string, ...args: string[]) => doctorWith({}, rig, ...args);
const doctorWith = (env: NodeJS.ProcessEnv, rig: string, ...args: string[]) =>
  spawnSync(process.execPath, ['bin/hil.js', 'doctor', '--rig', rig, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });

/** The SCPI supply's output state, asked on its own socket. */
async function supplyOutput(port: number): Promise<string> {
  const socket = await connectTcp('127.0.0.1', port);
  socket.write('OUTP?\n');
  const [reply] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return reply.toString().trim();
}

function rig(name: string, boards: Record<string, string>): string {
  const lines = [`name: ${name}`, 'virtual: true', 'boards:'];
  for (const [board, identity] of Object.entries(boards))
    lines.push(
      `  ${board}:`,
      '    profile: virtual',
      `    identity: "${identity}"`,
      '    console: { port: auto }',
      '    power: { driver: scpi-tcp, host: 127.0.0.1, port: auto }',
      '    boot-strap: { driver: tasmota, url: auto }',
    );
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

t.test('a ready virtual rig: every row ok, each identity read from a boot and matched; left at rest', async (t) => {
  // A rig host that outlives the doctor, as a bench does, so the supplies can be asked afterwards.
  const host = await startRigHost(rig('desk', { left: virtualMac('left'), right: virtualMac('right') }));
  t.teardown(() => host.stop());
  const run = doctorWith({ HIL_ENDPOINTS: host.endpointsFile }, join(dir, 'desk.yaml'));
  t.equal(run.status, 0, 'exit 0', { stdout: run.stdout, stderr: run.stderr });
  t.match(run.stdout, /^left: ready$/m);
  t.match(run.stdout, /^right: ready$/m);
  t.match(
    run.stdout,
    /ok {4}power {7}the scpi-tcp power driver to answer: HIL,Virtual Supply/,
    'the supply answered *IDN?',
  );
  t.match(
    run.stdout,
    /ok {4}boot-strap {2}the tasmota boot strap to answer: Tasmota relay .* is open/,
    'the relay its state',
  );
  t.match(run.stdout, new RegExp(`ok {4}identity {4}"${virtualMac('left')}", from its boot`));
  t.notMatch(run.stdout, /FAIL/);
  for (const board of ['left', 'right'])
    t.equal(
      await supplyOutput(Number(host.endpoints.boards[board]!.power!.port)),
      '0',
      `${board}: the supply is off again`,
    );
});

t.test('two boards swapped in the rig file: each identity names the other board', async (t) => {
  const run = doctor(rig('swapped', { left: virtualMac('right'), right: virtualMac('left') }));
  t.equal(run.status, 1, 'exit 1');
  t.match(run.stdout, /^left: 1 problem$/m);
  t.match(
    run.stdout,
    new RegExp(
      `FAIL {2}identity {4}expected "${virtualMac('right')}", seen "${virtualMac('left')}" \\(from its boot\\): that is board right, so the wiring of the two is swapped`,
    ),
  );
});

t.test('a console that is not there and a supply that does not answer; a board in use is not touched', async (t) => {
  const file = join(dir, 'broken.yaml');
  writeFileSync(
    file,
    [
      'name: broken',
      'boards:',
      '  gone:',
      '    profile: virtual',
      `    console: { port: ${join(dir, 'no-such-tty')} }`,
      '    power: { driver: scpi-tcp, host: 127.0.0.1, port: 1 }',
      '  busy:',
      '    profile: virtual',
      `    console: { port: ${join(dir, 'no-such-tty')} }`,
      '',
    ].join('\n'),
  );
  const held = lockBoard('broken', 'busy');
  t.teardown(() => held.release());
  const run = doctor(file);
  t.equal(run.status, 1, 'exit 1');
  t.match(run.stdout, /^gone: 2 problems$/m);
  t.match(run.stdout, /FAIL {2}console {5}expected the console .*no-such-tty to open; cannot open/);
  t.match(run.stdout, /FAIL {2}power {7}expected the scpi-tcp power driver to answer; .*127\.0\.0\.1:1/);
  t.match(run.stdout, /skip {2}identity {4}not checked: the console did not open/);
  t.match(run.stdout, /^busy: 1 problem$/m);
  t.match(run.stdout, new RegExp(`FAIL {2}lock {8}board busy of rig broken is in use by process ${process.pid}`));
  t.match(run.stdout, /skip {2}the rest {4}not checked: the board is in use/);
});

t.test('the console port goes away during the identity boot: the port is named, not the board', async (t) => {
  const device = await ptyDevice(dir, 'vanishing.tty');
  t.teardown(() => device.close());
  // A board with no power control: a prompt for each Enter; at `reboot` the start of a boot with no
  // identity line, and its USB adapter is pulled out.
  const socket = device.socket();
  let heard = '';
  let rebooted = false;
  let unplugged: Promise<void> | undefined;
  socket.on('data', (chunk: Buffer) => {
    heard += chunk.toString('latin1');
    if (rebooted) return;
    if (/reboot\r?\n/.test(heard)) {
      rebooted = true;
      socket.write('rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nI (31) boot: ESP-IDF v5.1\r\n', () => {
        unplugged = device.unplug();
      });
    } else if (/\r?\n$/.test(heard)) socket.write('esp32> ');
  });
  const file = join(dir, 'vanishing.yaml');
  writeFileSync(
    file,
    [
      'name: vanishing',
      'boards:',
      '  b:',
      '    profile: virtual',
      `    identity: "${virtualMac('b')}"`,
      `    console: { port: ${device.path} }`,
      '',
    ].join('\n'),
  );
  // Not spawnSync: this process is the board, and answers while the doctor runs.
  const child = spawn(process.execPath, ['bin/hil.js', 'doctor', '--rig', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  t.ok(rebooted, 'the board was asked to reboot');
  await unplugged;
  t.equal(code, 1, 'exit 1', { stdout, stderr });
  t.match(stdout, /ok {4}console {5}the console .*vanishing\.tty to open/);
  t.match(
    stdout,
    /FAIL {2}identity {4}not read: the console's port went away during its boot \(.*vanishing\.tty gone: /,
  );
  t.notMatch(stdout, /no identity line|printed nothing/, 'the board is not blamed');
});

t.test('the QEMU rig: MicroPython on the micro:bit opens; its profile names no identity', async (t) => {
  const run = doctor('rigs/qemu.yaml');
  t.equal(run.status, 0, 'exit 0', { stdout: run.stdout, stderr: run.stderr });
  t.match(run.stdout, /ok {4}console {5}the console .* to open/);
  t.match(run.stdout, /skip {2}identity {4}profile microbit-micropython names no identity line/);
});

t.test('a rig that does not load, and a board it does not have: cannot check (exit 2)', async (t) => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'name: bad\nboards:\n  b:\n    profile: virtual\n    console: { tcp: "lab:99999" }\n');
  const invalid = doctor(bad);
  t.equal(invalid.status, 2);
  t.match(invalid.stdout, /cannot check: the rig or a profile is invalid:\n .*console\.tcp: expected host:port/);
  const unknown = doctor('rigs/virtual.yaml', '--board', 'nope');
  t.equal(unknown.status, 2);
  t.match(unknown.stdout, /no board nope in rigs\/virtual\.yaml \(boards: virtual-hardened, virtual-legacy\)/);
});
