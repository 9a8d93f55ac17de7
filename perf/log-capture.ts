/**
 * Log capture at wire speed: 64 MiB of text (ESP-IDF style lines) and of random binary pushed
 * through a PTY (socat, as the virtual rig makes them) into a raw `serialport` reader, and into a
 * hil Console with its .log and .bin on; alternating, three rounds each. Every byte is checked: the
 * raw reader counts and hashes what it read, the Console's .bin is decoded and hashed against what
 * was sent. The headline is hil's throughput as a fraction of raw serialport's (goal >= 0.8).
 * Run: npm run perf -- log-capture   (HIL_PERF_MIB=16 for a shorter one)
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SerialPort } from 'serialport';
import { Console } from '../harness/console/console.ts';
import { ConsoleLog } from '../harness/console/log.ts';
import { LogText } from '../harness/console/log-text.ts';
import { decodeRecords } from '../harness/console/records.ts';
import { SerialTransport } from '../harness/console/serial-transport.ts';
import { ptyBridge } from '../harness/virtual/pty-bridge.ts';
import { warmLogThread } from '../harness/console/log-thread.ts';

// As a suite process does while it waits for its go: the log thread is up before any console opens.
await warmLogThread();
const MIB = 1024 * 1024;
const size = Number(process.env.HIL_PERF_MIB ?? 64) * MIB;
const ROUNDS = 3;
const dir = mkdtempSync(join(tmpdir(), 'hil-perf-capture-'));

function textPayload(): Buffer {
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < size; i++) {
    const line = `I (${i}) wifi: sta ${i % 97} rssi -${i % 90} channel ${i % 13} bytes ${bytes}\r\n`;
    lines.push(line);
    bytes += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

/** Push `data` into the device side as fast as the PTY takes it. */
async function push(socket: Socket, data: Buffer): Promise<void> {
  const CHUNK = 64 * 1024;
  for (let at = 0; at < data.length; at += CHUNK) {
    if (!socket.write(data.subarray(at, at + CHUNK))) await once(socket, 'drain');
  }
}

async function withPty<T>(run: (path: string, device: () => Socket) => Promise<T>): Promise<T> {
  const path = join(dir, 'bench.tty');
  let device: Socket | undefined;
  const bridge = await ptyBridge(path, (s) => {
    device = s;
    s.on('error', () => undefined);
  });
  try {
    return await run(path, () => device!);
  } finally {
    await bridge.close();
  }
}

async function rawRound(data: Buffer): Promise<{ seconds: number; ok: boolean }> {
  return withPty(async (path, device) => {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    const hash = createHash('sha256');
    let received = 0;
    const done = new Promise<void>((resolve) =>
      port.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        received += chunk.length;
        if (received >= data.length) resolve();
      }),
    );
    const started = performance.now();
    await push(device(), data);
    await done;
    const seconds = (performance.now() - started) / 1000;
    await new Promise<void>((resolve) => port.close(() => resolve()));
    return { seconds, ok: hash.digest('hex') === createHash('sha256').update(data).digest('hex') };
  });
}

async function hilRound(data: Buffer, round: number): Promise<{ seconds: number; ok: boolean }> {
  return withPty(async (path, device) => {
    const logDir = join(dir, `hil-${round}`);
    const console = new Console({
      board: 'bench',
      transport: new SerialTransport({ locate: () => path, baud: 115200, description: path }),
      log: new ConsoleLog(logDir, 'console'),
      crash: [/Guru Meditation Error/, /^Backtrace:/],
    });
    await console.open();
    let received = 0;
    const done = new Promise<void>((resolve) =>
      console.onBytes((chunk) => {
        received += chunk.length;
        if (received >= data.length) resolve();
      }),
    );
    const started = performance.now();
    await push(device(), data);
    await done;
    await console.close(); // the log on disk, whole
    const seconds = (performance.now() - started) / 1000;
    const bin = readFileSync(join(logDir, 'console.bin'));
    const rx = decodeRecords(bin).filter((r) => r.direction === '<');
    const hash = createHash('sha256');
    for (const record of rx) hash.update(record.bytes);
    // The readable log, written by its own thread, must be the .bin's rendering, byte for byte.
    const renderer = new LogText();
    const rendered = Buffer.concat([renderer.render(bin), renderer.end()]);
    const logWhole = rendered.equals(readFileSync(join(logDir, 'console.log')));
    rmSync(logDir, { recursive: true, force: true });
    return { seconds, ok: logWhole && hash.digest('hex') === createHash('sha256').update(data).digest('hex') };
  });
}

const mbps = (seconds: number) => size / MIB / seconds;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ratios: number[] = [];
try {
  for (const [kind, data] of [
    ['text', textPayload()],
    ['binary', randomBytes(size)],
  ] as const) {
    const raw: number[] = [];
    const hil: number[] = [];
    let intact = true;
    for (let round = 0; round < ROUNDS; round++) {
      const r = await rawRound(data);
      const h = await hilRound(data, round);
      raw.push(mbps(r.seconds));
      hil.push(mbps(h.seconds));
      intact &&= r.ok && h.ok;
    }
    const ratio = median(hil) / median(raw);
    ratios.push(ratio);
    console.log(`${kind} MiB: ${size / MIB}`);
    console.log(
      `${kind} raw serialport MB/s: ${raw.map((v) => v.toFixed(1)).join(' ')} (median ${median(raw).toFixed(1)})`,
    );
    console.log(
      `${kind} hil console, log on, MB/s: ${hil.map((v) => v.toFixed(1)).join(' ')} (median ${median(hil).toFixed(1)})`,
    );
    console.log(`${kind} every byte in the .bin and read, the .log its rendering: ${intact ? 'yes' : 'NO'}`);
    console.log(`${kind} hil / raw: ${ratio.toFixed(2)}`);
  }
  console.log(`hil / raw serialport, worst of text and binary: ${Math.min(...ratios).toFixed(2)} (goal >= 0.8)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
