// debug-interfaces through `hil run`: the hardened board passes, each flaw fails exactly its check
// with the bytes as evidence, a board with nothing wired skips with reasons, and the micro:bit's
// open gdbstub and Python REPL fail.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../harness/runner/summary.ts';
import { startOpenOcd } from '../harness/probes/openocd.ts';
import { tryDebugPort } from '../harness/probes/swd-jtag.ts';

const SWD = 'SWD/JTAG: the core cannot be halted and read through the debug port';
const CONSOLE = 'console: no unauthenticated shell, interpreter, memory dump or bootloader prompt';
const ROM =
  'ROM serial loader: disabled or locked (ESP32 Secure Download Mode, STM32 readout protection): no memory reads';
const USB = 'USB: no DFU interface and no interface the profile does not allow';

function run(rig: string, out: string): { status: number | null; summary: RunSummary } {
  const result = spawnSync(
    process.execPath,
    ['bin/hil.js', 'run', '--rig', rig, '--suite', 'debug-interfaces', '--out', out],
    { encoding: 'utf8', timeout: 180_000 },
  );
  return { status: result.status, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary };
}

t.test('virtual boards: each flaw fails exactly its check', async (t) => {
  const { status, summary } = run('test/fixtures/rigs/debug-flaws.yaml', t.testdir({}));
  t.equal(status, 1);
  const expected: Record<string, string[]> = {
    hardened: [],
    'rom-disabled': [],
    'jtag-open': [SWD],
    'debug-command': [CONSOLE],
    'rom-open': [ROM],
    'stm32-rdp1': [],
    'stm32-rdp2': [],
    'stm32-rdp0': [ROM],
  };
  const result = (board: string) => summary.results.find((r) => r.board === board)!;
  for (const [board, failures] of Object.entries(expected)) {
    const r = result(board);
    t.notOk(r.error, `${board}: ran to its end`);
    t.same(
      r.checks
        .filter((c) => !c.ok && !c.skip)
        .map((c) => c.name)
        .sort(),
      [...failures].sort(),
      `${board} fails ${failures.join(', ') || 'nothing'}`,
    );
    const skipped = board.startsWith('stm32') ? [SWD, USB] : [USB];
    t.same(
      r.checks.filter((c) => c.skip).map((c) => c.name),
      skipped,
      `${board}: skipped only ${skipped.length === 1 ? 'USB (no USB here)' : 'SWD/JTAG (not wired) and USB'}`,
    );
  }
  const check = (board: string, name: string) => result(board).checks.find((c) => c.name === name)!;
  t.match(
    check('jtag-open', SWD).evidence.reads,
    [
      { region: 'app descriptor in flash', read: '3254cdab000000000000000000000000' },
      { region: 'device key in RAM', ascii: 'hil-virtual-devi' },
    ],
    'the bytes read are the evidence',
  );
  t.match(
    check('hardened', SWD).evidence.reads,
    [{ refused: 'E01' }, { refused: 'E01' }],
    'refusals are the evidence of a locked port',
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
  t.match(check('rom-disabled', ROM).evidence, { verdict: 'disabled', sync: 'no answer to 7 SYNC packets' });
  t.match(check('stm32-rdp1', ROM).evidence, {
    verdict: 'protected',
    reads: [{ region: 'flash', refused: 'NACK' }],
    bootloader: { version: '3.1' },
  });
  t.match(check('stm32-rdp2', ROM).evidence, { verdict: 'no-loader', sync: /no answer to 0x7F/ });
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
  const unwired = result('unwired');
  t.same(
    unwired.checks
      .filter((c) => c.skip)
      .map((c) => c.name)
      .sort(),
    [ROM, SWD, USB].sort(),
    'no debug probe, no strap, no USB: skipped, not passed',
  );
  t.match(
    result('hardened').checks.find((c) => c.name === USB)!.skip,
    /no USB subsystem/,
    'a USB identity on a host without USB: skipped with the reason',
  );
  t.match(result('jtag-open').checks.find((c) => c.name === USB)!.skip, /names no USB identity/);
  t.match(unwired.checks.find((c) => c.name === SWD)!.skip, /wires no debug probe/);
});

t.test('the micro:bit under QEMU: its gdbstub reads memory and its REPL runs code', async (t) => {
  const { summary } = run('rigs/qemu.yaml', t.testdir({}));
  const checks = summary.results[0]!.checks;
  const swd = checks.find((c) => c.name === SWD)!;
  t.equal(swd.ok, false);
  t.match(
    swd.evidence.reads,
    [{ region: 'vector table in flash', read: /^[0-9a-f]{32}$/ }],
    'the bytes read from flash are the evidence',
  );
  const console = checks.find((c) => c.name === CONSOLE)!;
  t.equal(console.ok, false);
  t.match(console.evidence.obeyed, [{ sent: 'print(6*7)', obeyed: /evaluated/ }]);
  t.match(checks.find((c) => c.name === ROM)!.skip, /names no ROM serial loader/);
});

t.test('OpenOCD: a target that will not answer is evidence; a missing probe is not', async (t) => {
  // OpenOCD's dummy adapter reads all-zero bits from the scan chain, as a chip with JTAG fused off does.
  const locked = await tryDebugPort(
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
        'gdb-port': 50333,
      },
    },
    [{ name: 'flash', address: 0x08000000, length: 16 }],
  );
  t.equal(locked.verdict, 'closed');
  t.match(locked.evidence.signs, ['/IR capture error/']);
  const missing = await startOpenOcd(['-f', 'interface/cmsis-dap.cfg', '-f', 'target/stm32f4x.cfg'], {
    gdbPort: 50334,
  });
  t.equal(missing.kind, 'probe-missing');
  t.match(missing.stderr, /unable to find a matching CMSIS-DAP device/);
  const absent = await startOpenOcd([], { binary: '/nonexistent/openocd' });
  t.match(absent, { kind: 'failed', stderr: /cannot start OpenOCD/ });
});
