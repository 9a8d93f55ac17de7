/**
 * Console round trip: a line written to an echo PTY (socat running `cat`, a separate process) and its
 * echo awaited, through hil's Console (write, then expect), raw serialport (write, then the data
 * event with the newline; and the same with the write's callback awaited first, which is when hil's
 * write() resolves: the OS has the bytes), and, where Debian's packages are installed, pyserial
 * (write, readline), pexpect over pyserial and labgrid's SerialDriver (write, expect) with
 * /usr/bin/python3. Tools
 * alternate, three rounds of 300 round trips each; median and p99 over all rounds.
 * Goals (issue 16): hil's median <= 0.5x labgrid's and pyserial's and <= 1.2x raw serialport's;
 * hil's p99 <= pyserial's.
 * Run: npm run perf -- console-rtt
 * The Python tools: npm run setup -- --perf (Debian python3-serial, python3-pexpect, python3-labgrid)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialPort } from 'serialport';
import { stopChild } from '../harness/util/child.ts';
import { Console } from '../harness/console/console.ts';
import { ConsoleLog } from '../harness/console/log.ts';
import { SerialTransport } from '../harness/console/serial-transport.ts';
import { warmLogThread } from '../harness/console/log-thread.ts';

// As a suite process does while it waits for its go: the log thread is up before any console opens.
await warmLogThread();
const COUNT = 300;
const ROUNDS = 3;
const PYTHON = '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'hil-perf-rtt-'));
const path = join(dir, 'echo.tty');

async function hilRtts(): Promise<number[]> {
  const console = new Console({
    board: 'bench',
    transport: new SerialTransport({ locate: () => path, baud: 115200, description: path }),
    log: new ConsoleLog(join(dir, 'hil'), 'console'),
  });
  await console.open();
  const rtts: number[] = [];
  try {
    for (let i = 0; i < COUNT; i++) {
      const line = Buffer.from(`ping ${i}\n`);
      const echo = new RegExp(`^ping ${i}$`);
      const started = performance.now();
      await console.write(line);
      await console.expect(echo, { timeout: 2000, step: 'echo' });
      rtts.push(performance.now() - started);
    }
  } finally {
    await console.close();
  }
  return rtts;
}

/** `awaitWrite`: as hil's write() does, the echo is awaited only once the write has called back. */
async function rawRtts(awaitWrite: boolean): Promise<number[]> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  let waiting: (() => void) | undefined;
  let seen = '';
  port.on('data', (chunk: Buffer) => {
    seen += chunk.toString('latin1');
    if (seen.includes('\n')) {
      seen = '';
      waiting?.();
    }
  });
  const rtts: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const echoed = new Promise<void>((resolve) => (waiting = resolve));
    const started = performance.now();
    if (awaitWrite) await new Promise<void>((resolve) => port.write(`ping ${i}\n`, () => resolve()));
    else port.write(`ping ${i}\n`);
    await echoed;
    rtts.push(performance.now() - started);
  }
  await new Promise<void>((resolve) => port.close(() => resolve()));
  return rtts;
}

function pythonRtts(tool: string): number[] {
  const run = spawnSync(PYTHON, [join('perf', 'python', 'console_rtt.py'), tool, path, String(COUNT)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`${tool}: ${run.stderr.trim().split('\n').at(-1)}`);
  return run.stdout.trim().split('\n').map(Number);
}

function pythonHas(module: string): boolean {
  return spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
};

const echo = spawn('socat', [`PTY,link=${path},rawer`, 'SYSTEM:cat'], { stdio: 'ignore' });
try {
  for (let i = 0; i < 50; i++) {
    try {
      (await import('node:fs')).statSync(path);
      break;
    } catch {
      await sleep(50);
    }
  }
  const tools: Record<string, () => Promise<number[]> | number[]> = {
    hil: hilRtts,
    'raw serialport': () => rawRtts(false),
    'raw serialport, write awaited': () => rawRtts(true),
  };
  const missing: string[] = [];
  for (const [tool, module] of [
    ['pyserial', 'serial'],
    ['pexpect', 'pexpect'],
    ['labgrid', 'labgrid'],
  ] as const) {
    if (pythonHas(module)) tools[tool] = () => pythonRtts(tool);
    else missing.push(`python3-${module === 'serial' ? 'serial' : module}`);
  }
  if (missing.length) console.log(`not measured (install them with: npm run setup -- --perf): ${missing.join(' ')}`);
  const all: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [tool, measure] of Object.entries(tools)) (all[tool] ??= []).push(...(await measure()));
  }
  const median: Record<string, number> = {};
  for (const [tool, rtts] of Object.entries(all)) {
    median[tool] = quantile(rtts, 0.5);
    console.log(
      `${tool} round trip ms: median ${median[tool]!.toFixed(3)}, p99 ${quantile(rtts, 0.99).toFixed(3)} (${rtts.length})`,
    );
  }
  const vs = (other: string) => (median[other] ? `${(median.hil! / median[other]!).toFixed(2)}x ${other}` : undefined);
  const others = ['raw serialport, write awaited', 'pyserial', 'labgrid', 'raw serialport'];
  console.log(`hil median: ${others.map(vs).filter(Boolean).join(', ')}`);
} finally {
  await stopChild(echo, 1000);
  rmSync(dir, { recursive: true, force: true });
}
