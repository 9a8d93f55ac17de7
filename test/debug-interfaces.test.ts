// debug-interfaces through `hil run`: the hardened board passes, each flaw fails exactly its check
// with the bytes as evidence, a board with nothing wired skips with reasons, a board with a wire
// disconnected is inconclusive where it would otherwise pass on silence, and the micro:bit's open gdbstub
// and Python REPL fail.
import t from 'tap';
import './helpers/children.ts';
import { startOpenOcd, targetPresence } from '../harness/probes/openocd.ts';
import { tryDebugPort } from '../harness/probes/swd-jtag.ts';
import { createServer } from 'node:net';
import { listenLoopback } from '../harness/virtual/listen.ts';
import { hilRun } from './helpers/run.ts';

/** A port nothing listens on now, for OpenOCD to bind itself (it takes no port 0). */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  const port = await listenLoopback(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const BOOT = 'debug-interfaces/boot-window';
const SWD = 'debug-interfaces/swd-jtag';
const CONSOLE = 'debug-interfaces/console';
const ROM = 'debug-interfaces/rom-loader';
const USB = 'debug-interfaces/usb';

t.test('virtual boards: each flaw fails exactly its check, each disconnected path is inconclusive', async (t) => {
  const run = hilRun(['--rig', 'test/fixtures/rigs/debug-flaws.yaml', '--suite', 'debug-interfaces'], t.testdir({}));
  t.equal(run.status, 1, 'exit 1: a check failed', { stderr: run.stderr.slice(-1500) });
  const expected: Record<string, { fail?: string[]; inconclusive?: string[]; skip?: string[] }> = {
    // Its USB identity names a device this host cannot see (no USB subsystem here): could not test.
    hardened: { inconclusive: [USB], skip: [] },
    'rom-disabled': {},
    'jtag-open': { fail: [SWD] },
    'debug-command': { fail: [CONSOLE] },
    'rom-open': { fail: [ROM] },
    'stm32-rdp1': {},
    'stm32-rdp2': { skip: [USB] },
    'stm32-rdp2-no-debug': { inconclusive: [ROM] },
    'stm32-rdp2-debug-disconnected': { inconclusive: [ROM, SWD], skip: [USB] },
    'stm32-strap-disconnected': { fail: [SWD], inconclusive: [ROM], skip: [USB] },
    'stm32-rdp0': { fail: [ROM] },
    'strap-disconnected': { inconclusive: [ROM, SWD] },
    'stm32-uart-disconnected': { inconclusive: [ROM] },
    'boot-countdown': { fail: [BOOT] },
    // Ready at its countdown, deaf once booted, no strap, no USB identity: the console probe acts within
    // the countdown (it reaches the bootloader's prompt), and rom-loader and usb keep their own reasons.
    'autoboot-deaf': { fail: [BOOT, CONSOLE], skip: [ROM, SWD, USB] },
    // The boot-window's control cut: a countdown seen, keys sent, none reached the board.
    'countdown-rx-disconnected': { inconclusive: [BOOT, CONSOLE], skip: [ROM, SWD, USB] },
  };
  for (const [board, want] of Object.entries(expected)) {
    t.notOk(run.result(board).error, `${board}: ran to its end`);
    t.same(run.having(board, 'fail'), want.fail ?? [], `${board} fails ${want.fail?.join(', ') ?? 'nothing'}`);
    t.same(
      run.having(board, 'inconclusive'),
      want.inconclusive ?? [],
      `${board}: inconclusive ${want.inconclusive?.join(', ') ?? 'nothing'}`,
    );
    const skipped = want.skip ?? (board.startsWith('stm32') ? [SWD, USB] : [USB]);
    t.same(run.having(board, 'skip'), skipped.sort(), `${board}: skipped only ${skipped.join(', ')}`);
  }
  const check = run.check;
  t.match(
    check('jtag-open', SWD).evidence.reads,
    [
      { region: 'app descriptor in flash', read: '3254cdab000000000000000000000000' },
      { region: 'device key in RAM', ascii: 'hil-virtual-devi' },
    ],
    'the bytes read are the evidence',
  );
  t.match(
    check('hardened', SWD).evidence,
    { haltReason: 'S05', reads: [{ refused: 'E01' }, { refused: 'E01' }] },
    'refusals from a halted target are the evidence of a locked port',
  );
  t.match(check('debug-command', CONSOLE).evidence.obeyed, [
    { sent: 'debug mem 0x3ffb0000 16', obeyed: /a memory dump: 3ffb0000: 68 69 6c/ },
  ]);
  t.match(check('rom-open', ROM).evidence, { verdict: 'open', readReg: '0x40001000 read as 0x00f01d83' });
  t.match(check('hardened', ROM).evidence, {
    verdict: 'secure',
    readReg: 'refused (status 1, error 0x05)',
    security: { set: ['SECURE_BOOT_EN', 'SECURE_DOWNLOAD_ENABLE', 'SOFT_DIS_JTAG'] },
  });
  t.match(check('rom-disabled', ROM).evidence, {
    verdict: 'disabled',
    sync: 'no answer to 7 SYNC packets',
    positiveControl: /boot:0x3 \(DOWNLOAD_BOOT/,
  });
  t.match(check('stm32-rdp1', ROM).evidence, {
    verdict: 'protected',
    reads: [{ region: 'flash', refused: 'NACK' }],
    bootloader: { version: '3.1' },
  });
  t.match(check('stm32-rdp2', ROM).evidence, {
    verdict: 'no-loader',
    sync: /no answer to 0x7F/,
    positiveControl: /the application booted with BOOT0 held: rst:0x1/,
    secondSign: /debug port has a target and refuses every read/,
    debugPort: { verdict: 'pass', evidence: { haltReason: 'S05', reads: [{ refused: 'E01' }] } },
  });
  t.match(check('stm32-rdp2-no-debug', ROM).reason, /BOOT0 wire that does not reach the pin .*no debug port/);
  t.match(
    check('stm32-rdp2-debug-disconnected', ROM).reason,
    /no second sign: the gdbserver reported no halted target/,
  );
  t.match(check('stm32-strap-disconnected', ROM), {
    reason: /debug port reads memory, so readout protection is not at level 2: the BOOT0 strap/,
    evidence: { positiveControl: /BOOT0 held/, debugPort: { verdict: 'fail' } },
  });
  t.match(check('stm32-strap-disconnected', SWD).evidence.reads, [
    { region: 'flash', read: '0050002019030008b1020008b3020008' },
  ]);
  t.match(check('stm32-rdp0', ROM).evidence, {
    verdict: 'readable',
    reads: [{ region: 'flash', read: '0050002019030008b1020008b3020008' }],
  });
  for (const board of ['stm32-rdp0', 'stm32-rdp1']) {
    t.notOk(
      (check(board, ROM).evidence.sent as string[]).some((bytes) => bytes.startsWith('926d')),
      `${board}: Readout Unprotect (92 6D) was never sent`,
    );
  }
  t.match(check('boot-countdown', BOOT).evidence, { countdown: /Hit any key to stop autoboot/, stoppedAt: '=> ' });
  t.match(
    check('autoboot-deaf', CONSOLE).evidence,
    { window: /into the countdown/, obeyed: [{ obeyed: /a U-Boot prompt/ }] },
    'the first probe went into the countdown and stopped it at the bootloader',
  );
  t.match(check('autoboot-deaf', ROM).reason, /names no ROM serial loader/, 'rom-loader: skipped for its own reason');
  t.match(
    check('hardened', BOOT).evidence,
    { keysSent: Number, countdown: 'none seen', keysReachIt: { sent: 'Enter', prompt: 'esp32> ' } },
    'keys pressed, no countdown, and an Enter after the boot brought the prompt back',
  );
  t.match(check('countdown-rx-disconnected', BOOT), {
    reason: /did not show that it reads its console .*no prompt .*keys that never reached it look the same/,
    evidence: { countdown: /Hit any key to stop autoboot/ },
  });
  t.match(
    check('countdown-rx-disconnected', CONSOLE).reason,
    /answered none of the probes/,
    'the prompt on screen before the probes is no answer to them',
  );
  t.match(check('strap-disconnected', ROM).reason, /sampled a flash boot .*the strap did not reach GPIO0/);
  t.match(check('strap-disconnected', SWD).reason, /no halted target .*not be connected to the board/);
  t.match(check('stm32-uart-disconnected', ROM).reason, /nothing answered 0x7F .*is the boot UART wired/);
  t.same(run.having('unwired', 'skip'), [ROM, SWD, USB].sort(), 'no debug probe, no strap, no USB: skipped');
  t.match(
    check('hardened', USB).reason,
    /no USB subsystem|no USB device 303a:1001/,
    'a USB identity on a host without USB: could not test, not skipped',
  );
  t.match(check('jtag-open', USB).reason, /names no USB identity/);
  t.match(check('unwired', SWD).reason, /wires no debug probe/);
  t.match(check('hardened', SWD).provisions, ['5.6-4', '5.4-1'], 'each check has its own provisions');
  t.match(check('hardened', USB).provisions, ['5.6-1', '5.6-4']);
});

t.test('the micro:bit under QEMU: its gdbstub reads memory and its REPL runs code', async (t) => {
  const run = hilRun(['--rig', 'rigs/qemu.yaml', '--suite', 'debug-interfaces'], t.testdir({}));
  const swd = run.check('microbit', SWD);
  t.equal(swd.verdict, 'fail', 'the gdbstub answered', { reason: swd.reason });
  t.match(
    swd.evidence.reads,
    [{ region: 'vector table in flash', read: /^[0-9a-f]{32}$/ }],
    'the bytes read from flash are the evidence',
  );
  const console = run.check('microbit', CONSOLE);
  t.equal(console.verdict, 'fail', 'the REPL obeyed', { reason: console.reason });
  t.match(console.evidence.obeyed, [{ sent: 'print(6*7)', obeyed: /evaluated/ }]);
  t.match(run.check('microbit', ROM).reason, /names no ROM serial loader/);
});

t.test('U-Boot under QEMU (Debian u-boot-qemu): a key during its countdown opens its console', async (t) => {
  const run = hilRun(['--rig', 'rigs/uboot.yaml', '--suite', 'debug-interfaces', '--suite', 'boot-log'], t.testdir({}));
  const boot = run.check('uboot', BOOT);
  t.equal(boot.verdict, 'fail', 'the countdown was interrupted');
  t.match(boot.evidence, { countdown: /Hit any key to stop autoboot/, stoppedAt: /^=>/ });
  const console = run.check('uboot', CONSOLE);
  t.equal(console.verdict, 'fail');
  t.match(console.evidence.obeyed, [{ obeyed: /a U-Boot prompt/ }]);
  t.same(run.having('uboot', 'fail'), [BOOT, CONSOLE].sort(), 'and nothing else fails');
  t.equal(run.check('uboot', 'boot-log/boots-to-ready').verdict, 'pass', 'it boots to its countdown');
  t.match(run.check('uboot', 'boot-log/version-reported').evidence, { version: /^2023\.01/ });
});

t.test('OpenOCD: a refusal counts only with the target present; a missing probe is not evidence', async (t) => {
  // OpenOCD's dummy adapter reads all-zero bits from the scan chain: what a chip with JTAG fused
  // off gives, and what a probe whose cable is not on the board gives. It reports no voltage.
  const cut = await tryDebugPort(
    {
      openocd: {
        args: [
          '-c',
          'adapter driver dummy',
          '-c',
          'adapter speed 1000',
          '-c',
          'jtag newtap chip cpu -irlen 4 -expected-id 0x4ba00477',
          '-c',
          'dap create chip.dap -chain-position chip.cpu',
          '-c',
          'target create chip.cpu cortex_m -dap chip.dap',
        ],
        'gdb-port': await freeLoopbackPort(),
      },
    },
    [{ name: 'flash', address: 0x08000000, length: 16 }],
  );
  t.equal(cut.verdict, 'inconclusive');
  t.match(cut, { reason: /no target voltage or IDCODE/, evidence: { signs: ['/IR capture error/'], presence: [] } });
  const missing = await startOpenOcd(['-f', 'interface/cmsis-dap.cfg', '-f', 'target/stm32f4x.cfg'], {
    gdbPort: await freeLoopbackPort(),
  });
  t.equal(missing.kind, 'probe-missing');
  t.match(missing.stderr, /unable to find a matching CMSIS-DAP device/);
  const absent = await startOpenOcd([], { binary: '/nonexistent/openocd' });
  t.match(absent, { kind: 'failed', stderr: /cannot start OpenOCD/ });
});

t.test('target presence: what a probe on a powered board says, and what a cut cable says', async (t) => {
  // ST-Link on an STM32F4 at RDP level 2 (OpenOCD 0.12 wording).
  const stlink = [
    'Info : STLINK V2J29S7 (API v2) VID:PID 0483:3748',
    'Info : Target voltage: 3.244882',
    'Error: init mode failed (unable to connect to the target)',
  ].join('\n');
  t.same(targetPresence(stlink), ['Target voltage: 3.244882']);
  t.same(targetPresence('Info : Target voltage: 0.004210\nError: init mode failed'), [], 'no voltage: no target');
  t.same(targetPresence('Info : SWD DPIDR 0x2ba01477\nError: Failed to read memory'), ['SWD DPIDR 0x2ba01477']);
  t.same(targetPresence('Info : JTAG tap: chip.cpu tap/device found: 0x00000000'), [], 'an all-zero IDCODE is no chip');
  t.same(targetPresence('Info : VTarget = 3.300V\nError: Error connecting DP: cannot read IDR'), ['VTarget = 3.300V']);
});
