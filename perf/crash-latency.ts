/**
 * Crash latency: how long after the last byte of a panic line leaves the device side of a PTY the
 * Console reports the crash (its `crash` event, the signature matched), between ordinary log lines;
 * beside it, raw serialport with the same regex on each chunk. 500 panics each, alternating in
 * rounds of 100. Goal (issue 16): hil's p99 under 1 ms.
 * Run: npm run perf -- crash-latency
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialPort } from 'serialport';
import { Console } from '../harness/console/console.ts';
import { ConsoleLog } from '../harness/console/log.ts';
import { SerialTransport } from '../harness/console/serial-transport.ts';
import { ptyBridge } from '../harness/virtual/pty-bridge.ts';
import { warmLogThread } from '../harness/console/log-thread.ts';

// As a suite process does while it waits for its go: the log thread is up before any console opens.
await warmLogThread();
const ROUNDS = 5;
const PER_ROUND = 100;
const SIGNATURE = /Guru Meditation Error/;
const PANIC = "Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled.\r\n";
const dir = mkdtempSync(join(tmpdir(), 'hil-perf-crash-'));
const path = join(dir, 'panic.tty');

/** Ordinary lines, then a panic; resolves with the time its last byte was handed over. */
async function panicAfterNoise(device: Socket, i: number): Promise<number> {
  device.write(`I (${i}) app: working ${'.'.repeat(40)}\r\nI (${i}) app: still fine\r\n`);
  await sleep(2);
  const written = new Promise<number>((resolve) => device.write(PANIC, () => resolve(performance.now())));
  return written;
}

async function hilLatencies(device: () => Socket): Promise<number[]> {
  const console = new Console({
    board: 'bench',
    transport: new SerialTransport({ locate: () => path, baud: 115200, description: path }),
    log: new ConsoleLog(join(dir, 'hil'), 'console'),
    crash: [SIGNATURE, /^Backtrace:/, /abort\(\) was called/],
  });
  await console.open();
  const latencies: number[] = [];
  try {
    for (let i = 0; i < PER_ROUND; i++) {
      const seen = once(console, 'crash').then(() => performance.now());
      const sent = await panicAfterNoise(device(), i);
      latencies.push((await seen) - sent);
    }
  } finally {
    await console.close();
  }
  return latencies;
}

async function rawLatencies(device: () => Socket): Promise<number[]> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  let found: (() => void) | undefined;
  port.on('data', (chunk: Buffer) => {
    if (SIGNATURE.test(chunk.toString('latin1'))) found?.();
  });
  const latencies: number[] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    const seen = new Promise<number>((resolve) => (found = () => resolve(performance.now())));
    const sent = await panicAfterNoise(device(), i);
    latencies.push((await seen) - sent);
  }
  await new Promise<void>((resolve) => port.close(() => resolve()));
  return latencies;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
};

let device: Socket | undefined;
const bridge = await ptyBridge(path, (s) => {
  device = s;
  s.setNoDelay(true);
  s.on('error', () => undefined);
});
try {
  const hil: number[] = [];
  const raw: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    raw.push(...(await rawLatencies(() => device!)));
    hil.push(...(await hilLatencies(() => device!)));
  }
  console.log(
    `raw serialport + regex ms: median ${quantile(raw, 0.5).toFixed(3)}, p99 ${quantile(raw, 0.99).toFixed(3)}`,
  );
  console.log(
    `hil Console crash event ms: median ${quantile(hil, 0.5).toFixed(3)}, p99 ${quantile(hil, 0.99).toFixed(3)}`,
  );
  console.log(`hil crash seen after its last byte, p99: ${quantile(hil, 0.99).toFixed(3)} ms (goal < 1 ms)`);
} finally {
  await bridge.close();
  rmSync(dir, { recursive: true, force: true });
}
