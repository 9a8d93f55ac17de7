/**
 * Fuzz throughput on the virtual board: cases a second at 115200 and 921600 emulated baud, beside
 * the line bound (baud/10 bytes a second over the bytes each case moved, both ways, counted in the
 * console's .bin record). Prints the figures; asserts nothing (machines here are shared and noisy).
 *
 *   node --import tsx perf/fuzz-throughput.ts [seconds]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecords } from '../harness/console/records.ts';

const seconds = Number(process.argv[2] ?? 15);

for (const baud of [115200, 921600]) {
  const dir = mkdtempSync(join(tmpdir(), 'hil-fuzz-perf-'));
  const rig = join(dir, 'rig.yaml');
  writeFileSync(
    rig,
    [
      'name: fuzz-perf',
      'virtual: true',
      'boards:',
      '  board:',
      '    profile: virtual',
      `    console: { port: auto, baud: ${baud} }`,
      '    power: { driver: tasmota, url: auto, off-time: 50ms }',
      '',
    ].join('\n'),
  );
  const out = join(dir, 'out');
  const run = spawnSync(
    process.execPath,
    [
      'bin/hil.js',
      'run',
      '--rig',
      rig,
      '--suite',
      'fuzz',
      '--seed',
      '3',
      '--out',
      out,
      '--fuzz-seconds',
      String(seconds),
    ],
    { encoding: 'utf8' },
  );
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const check = summary.results[0].checks.find((c: { id: string }) => c.id === 'fuzz/console');
  const { cases, seconds: took, failures } = check.evidence as { cases: number; seconds: number; failures: unknown[] };
  const records = decodeRecords(readFileSync(join(out, 'board', 'fuzz.bin')));
  // From the first case to the end: the boots before it are not the campaign's.
  const start = records.findIndex((r) => r.direction === '>' && r.bytes.length > 2);
  const bytes = (direction: string) =>
    records
      .slice(start)
      .filter((r) => r.direction === direction)
      .reduce((n, r) => n + r.bytes.length, 0) / Math.max(cases, 1);
  const [sent, received] = [bytes('>'), bytes('<')];
  const rate = cases / took;
  // The bound as the issue states it (both ways over one line), and for a full-duplex UART (the busier way).
  const bound = baud / 10 / (sent + received);
  const duplex = baud / 10 / Math.max(sent, received);
  console.log(
    `${baud} baud: ${cases} cases in ${took.toFixed(1)} s = ${rate.toFixed(1)} cases/s; a case moves ${sent.toFixed(0)} bytes out, ` +
      `${received.toFixed(0)} back; bound ${bound.toFixed(1)} cases/s both ways (${((100 * rate) / bound).toFixed(0)}%), ` +
      `${duplex.toFixed(1)} full duplex (${((100 * rate) / duplex).toFixed(0)}%); ${failures.length} failures; exit ${run.status}`,
  );
}
