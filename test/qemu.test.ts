// A real third-party firmware (MicroPython for the BBC micro:bit, from Debian) under QEMU, driven
// exactly as hardware is: console on a PTY, power through a relay, reset/halt through QMP.
import t from 'tap';
import './helpers/children.ts';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer } from 'node:net';
import { GdbRemote } from '../harness/probes/gdb-remote.ts';
import { join } from 'node:path';
import { hilRun } from './helpers/run.ts';
import { testRig } from './helpers/virtual-rig.ts';

/** QEMU processes whose command line names this socket (the rig host's state dir is unique). */
function qemuProcesses(qmpSocket: string): string[] {
  const out = spawnSync('pgrep', ['-af', 'qemu-system-arm'], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((line) => line.includes(qmpSocket));
}

t.test('boot, power off and on, reset, a hang found by the liveness probe, one continuous log', async (t) => {
  const rig = await testRig('rigs/qemu.yaml');
  t.teardown(() => rig.stop());
  const dir = t.testdir({});
  const board = await rig.open('microbit', dir);
  t.teardown(() => board.close());
  let gone = 0;
  board.console.on('gone', () => gone++);

  const first = await board.powerCycle('first power-on');
  t.ok(first.ready, 'boots to the >>> prompt');
  t.equal(first.version, 'v1.0.1');
  t.equal(first.crashes.length, 0);
  t.equal((await board.checkAlive()).alive, true, 'answers the liveness probe');

  await board.power!.off();
  await board.console.waitQuiet(200, 3000); // what was already on the wire when the power went
  board.console.mark();
  await t.resolves(board.console.expectNot(/./, { window: 500, step: 'off' }), 'silent while off');
  t.same(qemuProcesses(rig.process.endpoints.boards.microbit!.qmp!), [], 'off means no QEMU process');
  const from = { mark: board.console.mark(), started: Date.now() };
  await board.power!.on();
  t.ok((await board.recordBoot('power on again', from)).ready, 'boots again after power on');

  const reset = await board.reset('QMP system_reset');
  t.ok(reset.bannerSeen && reset.ready, 'a QMP reset gives a fresh boot');
  // Reset as the REPL answers (a fuzz case cut short, one that raised): a reset that cut its `... `
  // prompt or its traceback short left the banner running on after them, and no boot was found.
  for (const line of ['x = (', 'undefined_name[1]']) {
    await board.console.send(line);
    const answering = await board.reset(`QMP system_reset as the REPL answers ${line}`);
    t.ok(answering.bannerSeen && answering.ready, `a reset as the REPL answers ${line} gives a fresh boot too`);
  }

  await board.qemu!.halt();
  const hung = await board.checkAlive('probe while halted');
  t.equal(hung.alive, false, 'a halted CPU fails the liveness probe');
  const cpu = hung.evidence.cpu as { state: string; pc: string };
  t.equal(cpu.state, 'paused');
  t.match(cpu.pc, /^0x[0-9a-f]{8}$/, `the program counter is evidence (${cpu.pc})`);
  await board.qemu!.resume();
  t.equal((await board.checkAlive('probe after resume')).alive, true, 'alive again after resume');

  await board.console.close();
  t.equal(gone, 0, 'the port stayed open across power cycles and resets');
  const log = readFileSync(join(dir, 'console.log'), 'utf8');
  t.equal(
    (log.match(/\\x00MicroPython v1\.9\.2-34-gd64154c73 on 2017-09-01; micro:bit v1\.0\.1/g) ?? []).length,
    5,
    'every boot banner is in the log, NUL byte and all',
  );
  t.match(log, /> print\(6\*7\)\\r/);
});

t.test('the gdbstub is a loopback TCP port the rig holds through every power cycle', async (t) => {
  const rig = await testRig('rigs/qemu.yaml');
  t.teardown(() => rig.stop());
  const port = rig.process.endpoints.boards.microbit!.gdb!;
  // Held while the board is off: nothing else can take it between power cycles.
  const squatter = createServer();
  const taken = await new Promise<string>((resolve) => {
    squatter.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    squatter.listen(port, '127.0.0.1', () => resolve('bound'));
  });
  squatter.close();
  t.equal(taken, 'EADDRINUSE', 'the port is not free while the board is off');
  const off = connect(port, '127.0.0.1');
  off.on('error', () => undefined);
  await once(off, 'close');
  t.pass('with no QEMU running, a connection is ended at once');
  const board = await rig.open('microbit', t.testdir({}));
  t.teardown(() => board.close());
  await board.powerCycle();
  const gdb = await GdbRemote.connect('127.0.0.1', port);
  t.match(await gdb.request('?'), /^[ST][0-9a-f]{2}/, "powered, QEMU's gdbstub answers through the port: a stop reply");
  await gdb.detach();
});

t.test('QEMU is reaped even when the rig host is killed outright', async (t) => {
  const rig = await testRig('rigs/qemu.yaml');
  const board = await rig.open('microbit', t.testdir({}));
  await board.powerCycle();
  await board.close();
  const qmp = rig.process.endpoints.boards.microbit!.qmp!;
  t.equal(qemuProcesses(qmp).length, 1, 'QEMU runs while the board is on');
  execFileSync('kill', ['-KILL', String(rig.process.endpoints.pid)]);
  await rig.stop();
  t.same(qemuProcesses(qmp), [], 'no QEMU left behind');
});

/** Debian's MicroPython with its micro:bit version patched to v1.0.9 (that hex record's checksum made again). */
function patchedMicroPython(dir: string): string {
  const record = ':1058D000726F3A6269742076312E302E31207769EA'; // "ro:bit v1.0.1 wi" at 0x58D0
  const hex = readFileSync(MICROPYTHON, 'utf8');
  if (!hex.includes(record)) throw new Error(`${MICROPYTHON} is not the build this test knows`);
  const bytes = Buffer.from(record.slice(1, -2).replace('76312E302E31', '76312E302E39'), 'hex');
  const sum = (0x100 - (bytes.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
  const patched = `:${bytes.toString('hex').toUpperCase()}${sum.toString(16).padStart(2, '0').toUpperCase()}`;
  const file = join(dir, 'micropython-v1.0.9.hex');
  writeFileSync(file, hex.replace(record, patched));
  return file;
}
const MICROPYTHON = '/usr/share/firmware-microbit-micropython/firmware.hex';

t.test('boot-log through hil run passes on the micro:bit, skipping what its firmware does not report', async (t) => {
  // The run's own build: written over the QEMU board's firmware file (the rig host's copy), booted.
  const dir = t.testdir({});
  const build = patchedMicroPython(dir);
  const debian = createHash('sha256').update(readFileSync(MICROPYTHON)).digest('hex');
  const run = hilRun(
    ['--rig', 'rigs/qemu.yaml', '--suite', 'boot-log', '--firmware', build],
    join(dir, 'run'),
    {},
    120_000,
  );
  t.equal(run.status, 0, 'exit 0', { stderr: run.stderr.slice(-2000) });
  t.match(run.summary.run.builds?.microbit, { path: 'qemu-image', verifiedBy: /firmware file read back: SHA-256 / });
  t.equal(run.result('microbit').firmware?.version, 'v1.0.9', 'the board booted the build it was given');
  t.equal(createHash('sha256').update(readFileSync(MICROPYTHON)).digest('hex'), debian, "the rig's own file untouched");
  t.same(
    run
      .result('microbit')
      .checks.filter((c) => c.verdict === 'skip')
      .map((c) => c.reason),
    [
      'the profile has no reset-reason pattern',
      'the profile lists no red-flag lines',
      'the profile requires no boot lines',
    ],
  );
  t.same(run.having('microbit', 'pass'), ['boot-log/boots-to-ready', 'boot-log/no-crash', 'boot-log/version-reported']);
});

t.test(
  'brownout on the micro:bit: cuts into its boot and quick cycles of the QEMU process, judged as any board',
  async (t) => {
    const run = hilRun(['--rig', 'rigs/qemu.yaml', '--suite', 'brownout'], t.testdir({}), {}, 120_000);
    t.equal(run.status, 0, 'exit 0', { stderr: run.stderr.slice(-2000) });
    t.same(run.having('microbit', 'pass'), ['brownout/cut', 'brownout/cycles']);
    t.match(run.check('microbit', 'brownout/cut').evidence, { headline: '4/4 cuts recovered', bootMs: Number });
    t.match(run.check('microbit', 'brownout/cycles').evidence, { headline: '1/1 runs of 10 cycles recovered' });
    t.match(run.check('microbit', 'brownout/sag').reason, /power is a relay/, 'QEMU power is a process: no sag');
    t.match(run.check('microbit', 'brownout/every-write').reason, /offers nothing that writes flash on request/);
  },
);

t.test(
  'QEMU that cannot start: its own error is the reason, nothing passes, exit 2, no state left behind',
  async (t) => {
    const dir = t.testdir({});
    // A temporary folder of the run's own, short enough for QEMU's unix socket paths (108 bytes).
    const tmp = mkdtempSync(join(tmpdir(), 'hilq-'));
    t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'rig.yaml'),
      [
        'name: broken-qemu',
        'boards:',
        '  microbit:',
        '    profile: microbit-micropython',
        '    qemu:',
        '      machine: microbit',
        '      loader: /usr/share/firmware-microbit-micropython/firmware.hex',
        '      args: [-cpu, no-such-cpu]',
        '',
      ].join('\n'),
    );
    const run = hilRun(
      ['--rig', join(dir, 'rig.yaml'), '--suite', 'boot-log'],
      join(dir, 'out'),
      { TMPDIR: tmp },
      120_000,
    );
    t.equal(run.status, 2, 'exit 2: nothing could be tested');
    t.same(run.having('microbit', 'pass'), [], 'no check passes for a board that never ran');
    t.same(run.having('microbit', 'fail'), [], 'and none fails: it is not the firmware');
    t.match(run.check('microbit', 'boot-log/no-crash').reason, /unable to find CPU model/);
    t.same(
      readdirSync(tmp).filter((f) => f.startsWith('hil-rig-host-')),
      [],
      'no rig host state left behind',
    );
  },
);
