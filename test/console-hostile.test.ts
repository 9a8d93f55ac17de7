import t from 'tap';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeRecords } from '../harness/console/records.ts';
import { openConsole } from './helpers/console.ts';

const MB = 1024 * 1024;
// A 100 MB flood through a PTY: about 40 s here, over 180 s (the file default) beside two busy processes.
t.setTimeout(600_000);
// Live memory is what is bounded; garbage not yet collected is not. A full GC before each sample
// measures the former.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

t.test('100 MB without a newline: the heap stays under a fixed cap and every byte is logged', async (t) => {
  const { dir, device, console } = await openConsole(t);
  const total = 100 * MB;
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  gc();
  const baseline = process.memoryUsage();
  let peakHeap = 0;
  let peakExternal = 0;
  let received = 0;
  console.on('line', () => undefined);
  const sampler = setInterval(() => {
    gc();
    const now = process.memoryUsage();
    peakHeap = Math.max(peakHeap, now.heapUsed - baseline.heapUsed);
    peakExternal = Math.max(peakExternal, now.arrayBuffers - baseline.arrayBuffers);
  }, 100);
  const counted = new Promise<void>((resolve) => {
    (console as unknown as { transport: { on(e: 'data', l: (c: Buffer) => void): void } }).transport.on('data', (c) => {
      received += c.length;
      if (received >= total) resolve();
    });
  });
  const socket = device.socket();
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!socket.write(chunk)) await once(socket, 'drain');
  }
  await counted;
  clearInterval(sampler);
  await console.close();
  t.equal(received, total, 'all 100 MB crossed the PTY');
  // Cap: the console holds at most a 16 KiB partial line and 4 MiB of history;
  // the log pauses the port while the disk catches up.
  t.ok(peakHeap < 32 * MB, `live heap grew by at most 32 MiB (peak ${(peakHeap / MB).toFixed(1)} MiB)`);
  t.ok(peakExternal < 64 * MB, `buffers grew by at most 64 MiB (peak ${(peakExternal / MB).toFixed(1)} MiB)`);
  const rx = decodeRecords(readFileSync(join(dir, 'console.bin'))).filter((r) => r.direction === '<');
  t.equal(
    rx.reduce((sum, r) => sum + r.bytes.length, 0),
    total,
    '.bin holds every byte received',
  );
  t.ok(statSync(join(dir, 'console.log')).size > total, 'the readable log has it too (broken into lines)');
});

t.test('the port disappears and returns mid-stream: the log goes on and says what happened', async (t) => {
  const { dir, device, console } = await openConsole(t);
  const writeLines = async (from: number, to: number) => {
    for (let i = from; i <= to; i++) device.socket().write(`seq ${i}\r\n`);
  };
  await writeLines(1, 200);
  await console.expect(/^seq 200$/, { timeout: 5000, step: 'first half' });
  const gone = once(console, 'gone');
  const back = once(console, 'back');
  await device.unplug();
  t.match(String((await gone)[0]), /gone/, 'the console noticed the port went away');
  t.notOk(console.isConnected);
  await device.replug();
  t.match(String((await back)[0]), /reopened at/, 'and reopened it when it came back');
  t.ok(console.isConnected);
  await writeLines(201, 400);
  await console.expect(/^seq 400$/, { timeout: 5000, step: 'second half' });
  await console.close();

  const log = readFileSync(join(dir, 'console.log'), 'utf8');
  const seqs = [...log.matchAll(/< seq (\d+)$/gm)].map((m) => Number(m[1]));
  t.same(
    seqs,
    Array.from({ length: 400 }, (_, i) => i + 1),
    'every line before and after the gap is in the log, in order',
  );
  const events = [...log.matchAll(/ ! (.*)$/gm)].map((m) => m[1]!);
  t.match(events.join('\n'), /opened .*\n.*gone.*\n.*reopened at/, 'the log says when the port went and came back');
  const rx = decodeRecords(readFileSync(join(dir, 'console.bin'))).filter((r) => r.direction === '<');
  t.equal(
    Buffer.concat(rx.map((r) => r.bytes))
      .toString()
      .split('\r\n')
      .filter(Boolean).length,
    400,
    '.bin has every line too',
  );
});
