/**
 * How long each power driver takes to switch, against its twin on the virtual rig (a separate
 * process: SCPI over loopback TCP and a PTY, Korad and Riden on PTYs, LCUS on a PTY, Tasmota and
 * Shelly over HTTP): the time from asking for off to the driver's answer, and the same for on, over
 * many 30 ms cuts. This is the floor under any "cut at the marker" on that driver. Prints figures;
 * asserts nothing (machines here are shared and noisy).
 *
 *   node --import tsx perf/cut-latency.ts [cuts]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Board } from '../harness/board.ts';
import { loadRig } from '../harness/config/load.ts';
import { Rig } from '../harness/power/registry.ts';
import { startRigHost } from '../harness/runner/rig-host.ts';

const cuts = Number(process.argv[2] ?? 40);
const DRIVERS: Record<string, string> = {
  'scpi-tcp': '{ driver: scpi-tcp, host: 127.0.0.1, port: auto }',
  'scpi-serial': '{ driver: scpi-serial, port: auto, baud: 9600 }',
  korad: '{ driver: korad, port: auto }',
  riden: '{ driver: riden, port: auto }',
  lcus: '{ driver: lcus, port: auto, channel: 1 }',
  tasmota: '{ driver: tasmota, url: auto }',
  shelly: '{ driver: shelly, url: auto }',
};

const dir = mkdtempSync(join(tmpdir(), 'hil-cut-perf-'));
const file = join(dir, 'rig.yaml');
writeFileSync(
  file,
  [
    'name: cut-perf',
    'virtual: true',
    'boards:',
    ...Object.entries(DRIVERS).flatMap(([name, power]) => [
      `  ${name}:`,
      '    profile: virtual',
      '    console: { port: auto }',
      `    power: ${power}`,
    ]),
    '',
  ].join('\n'),
);
const rig = loadRig(file, Rig);
const host = await startRigHost(rig.file, join(dir, 'host'));
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
console.log(`${cuts} cuts of 30 ms per driver; milliseconds from the request to the driver's answer`);
console.log('driver        off p50  off p95  on p50   on p95   off for (max - min) p95');
try {
  for (const name of Object.keys(DRIVERS)) {
    const board = await Board.open({
      rig,
      name,
      logDir: join(dir, 'logs'),
      logName: name,
      endpoints: host.endpoints.boards[name],
    });
    const off: number[] = [];
    const on: number[] = [];
    const spread: number[] = [];
    try {
      for (let i = 0; i < cuts; i++) {
        const { timing } = await board.powerOffOn(`cut ${i}`, 30);
        off.push(timing.offAnsweredMs);
        on.push(timing.onAnsweredMs);
        spread.push(timing.offBetweenMs[1] - timing.offBetweenMs[0]);
      }
      await board.toSafeState('off');
    } finally {
      await board.close();
    }
    const row = [off, off, on, on, spread].map((v, i) => String(percentile(v, i % 2 === 0 && i < 4 ? 50 : 95)));
    console.log(`${name.padEnd(13)} ${row.map((v) => v.padEnd(8)).join(' ')}`);
  }
} finally {
  await host.stop();
}
