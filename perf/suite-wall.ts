/**
 * A whole virtual run against its floor: `hil run --rig rigs/virtual.yaml` with the suites named
 * (boot-log, debug-interfaces and tls-pinning unless HIL_PERF_SUITES says otherwise, or `all`), in
 * rounds. The floor is what the boards impose (perf/lib/floor.ts: power-off times, boots to the
 * ready line, the board's other bytes at the baud), per board from its console records; boards run side by
 * side, so the run's floor is the largest board's. Goal (issue 16): wall <= 1.5x the floor.
 * Run: npm run perf -- suite-wall   (HIL_PERF_ROUNDS=3, HIL_PERF_SUITES="boot-log tls-pinning")
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadRig } from '../harness/config/load.ts';
import { Rig } from '../harness/power/registry.ts';
import { decodeRecords } from '../harness/console/records.ts';
import type { RunSummary } from '../harness/runner/summary.ts';
import { PROJECT_ROOT } from '../harness/util/root.ts';
import { boardFloor, type Floor, floorMs } from './lib/floor.ts';

const RIG = join(PROJECT_ROOT, 'rigs', 'virtual.yaml');
const rounds = Number(process.env.HIL_PERF_ROUNDS ?? 3);
const named = (process.env.HIL_PERF_SUITES ?? 'boot-log debug-interfaces tls-pinning').split(/\s+/).filter(Boolean);
const suiteArgs = named.includes('all') ? [] : named.flatMap((s) => ['--suite', s]);
const rig = loadRig(RIG, Rig);
const s = (ms: number) => (ms / 1000).toFixed(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Round {
  wallMs: number;
  /** From the run's start to its end, reports excluded (summary.json). */
  runMs: number;
  floorMs: number;
  boards: { board: string; floor: Floor; suitesMs: number; startupMs: number[]; each: string }[];
}

function oneRound(): Round {
  const out = mkdtempSync(join(tmpdir(), 'hil-perf-wall-'));
  const started = performance.now();
  const run = spawnSync(process.execPath, ['bin/hil.js', 'run', '--rig', RIG, ...suiteArgs, '--out', out], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  const wallMs = performance.now() - started;
  // Exit 1 is the legacy board's findings; 2 is a run that could not be done.
  if (run.status !== 0 && run.status !== 1)
    throw new Error(`hil run exited ${run.status}:\n${run.stdout}${run.stderr}`);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
  const boards = [...new Set(summary.results.map((r) => r.board))].map((board) => {
    const results = summary.results.filter((r) => r.board === board);
    const files = results.map((r) => decodeRecords(readFileSync(join(out, r.console.replace(/\.log$/, '.bin')))));
    const wiring = rig.config.boards[board]!;
    const profile = rig.profiles.get(wiring.profile)!;
    const console = wiring.console;
    // The console's baud as the wiring resolves it (rig, then profile, then 115200).
    const baud = (console && 'baud' in console ? console.baud : undefined) ?? profile.console.baud ?? 115200;
    const floor = boardFloor(files, profile.boot, baud);
    // Start-up: from the suite's process start to its console opening.
    const startupMs = results.map((r, i) => (files[i]![0]?.time ?? Number.NaN) - Date.parse(r.started!));
    // Each suite's time beside its own floor, to show which suite is far from it.
    const each = results
      .map((r, i) => `${r.suite} ${s(r.ms ?? 0)} (floor ${s(floorMs(boardFloor([files[i]!], profile.boot, baud)))})`)
      .join(', ');
    return { board, floor, suitesMs: results.reduce((sum, r) => sum + (r.ms ?? 0), 0), startupMs, each };
  });
  rmSync(out, { recursive: true, force: true });
  const runMs = Date.parse(summary.run.finished!) - Date.parse(summary.run.started);
  return { wallMs, runMs, floorMs: Math.max(...boards.map((b) => floorMs(b.floor))), boards };
}

console.log(`suites: ${named.join(' ')} on ${Object.keys(rig.config.boards).join(', ')}; ${rounds} rounds`);
const all: Round[] = [];
for (let i = 0; i < rounds; i++) {
  const round = oneRound();
  all.push(round);
  console.log(`round ${i + 1} wall: ${s(round.wallMs)} s, run ${s(round.runMs)} s, floor ${s(round.floorMs)} s`);
  for (const b of round.boards) console.log(`round ${i + 1} ${b.board}: ${b.each}`);
}
for (const { board } of all[0]!.boards) {
  const mine = all.map((r) => r.boards.find((b) => b.board === board)!);
  const f = mine[0]!.floor;
  console.log(
    `${board} floor: ${s(floorMs(f))} s (off ${s(f.offMs)}, boots ${s(f.bootMs)} in ${f.boots} boots, ${f.cycles} power cycles, wire ${s(f.wireMs)})`,
  );
  console.log(
    `${board} suites: ${s(median(mine.map((b) => b.suitesMs)))} s (median of the suites' process times, summed)`,
  );
  const startup = mine.flatMap((b) => b.startupMs);
  console.log(
    `${board} suite start-up to console open: median ${s(median(startup))} s each (${startup.length / rounds} suites)`,
  );
}
const wall = median(all.map((r) => r.wallMs));
const run = median(all.map((r) => r.runMs));
const floor = median(all.map((r) => r.floorMs));
console.log(`reports after the run: ${s(wall - run)} s (median wall minus run; start-up of hil included)`);
console.log(`floor: ${s(floor)} s`);
console.log(`wall: ${s(wall)} s (median)`);
console.log(`wall / floor: ${(wall / floor).toFixed(2)}x (goal <= 1.5x)`);
