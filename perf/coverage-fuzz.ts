/**
 * Coverage-guided against black-box fuzzing on hil-target (our own firmware under QEMU's netduino2):
 * blocks reached after 1, 5 and 15 minutes (as far as the budget goes), cases a second with the
 * breakpoints and without, and whether the deep bug (dump 8 after key HiL!) was found, per seed, at
 * which case and second. Three modes: coverage-guided; black-box with its coverage recorded
 * (fuzz.coverage.guide: false); black-box with no debugger attached (for the cases a second). A
 * budget in cases (HIL_PERF_CASES) compares modes on a shared machine, where seconds are not
 * comparable. Prints figures; asserts nothing.
 *
 *   HIL_PERF_SECONDS=900 HIL_PERF_SEEDS=1,2,3 npm run perf -- coverage-fuzz
 *   HIL_PERF_MODES='black-box, recorded' HIL_PERF_CASES=100000 HIL_PERF_SECONDS=1800 npm run perf -- coverage-fuzz
 *   HIL_PERF_FIRMWARE=microbit HIL_PERF_SECONDS=300 npm run perf -- coverage-fuzz
 *
 * HIL_PERF_FIRMWARE=microbit fuzzes MicroPython for the micro:bit (Debian's hex: no symbols, blocks by
 * address; it has no deep bug of ours); HIL_PERF_BREAKPOINTS=N rotates N breakpoints as a probe would.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const seconds = Number(process.env.HIL_PERF_SECONDS ?? 60);
const seeds = (process.env.HIL_PERF_SEEDS ?? '1,2').split(',').map(Number);
/** The campaign's case budget (its default otherwise). */
const cases = process.env.HIL_PERF_CASES;
/** hil-target (our ELF, with symbols), or MicroPython for the micro:bit (Debian's hex, no symbols). */
const FIRMWARE = {
  'hil-target': {
    profile: 'hil-target',
    qemu: `{ machine: netduino2, kernel: ${resolve('build/firmware/hil-target.elf')}, gdbstub: true, off-time: 100ms }`,
    build: `elf: ${resolve('build/firmware/hil-target.elf')}`,
  },
  microbit: {
    profile: 'microbit-micropython',
    qemu: '{ machine: microbit, loader: /usr/share/firmware-microbit-micropython/firmware.hex, gdbstub: true, off-time: 100ms }',
    build: 'image: /usr/share/firmware-microbit-micropython/firmware.hex',
  },
} as const;
const firmware = FIRMWARE[(process.env.HIL_PERF_FIRMWARE ?? 'hil-target') as keyof typeof FIRMWARE];
if (!firmware) throw new Error(`HIL_PERF_FIRMWARE: one of ${Object.keys(FIRMWARE).join(', ')}`);
/** A probe's few hardware breakpoints rotated, rather than as many as wanted (HIL_PERF_BREAKPOINTS). */
const limit = process.env.HIL_PERF_BREAKPOINTS ? `, breakpoints: ${Number(process.env.HIL_PERF_BREAKPOINTS)}` : '';
const MODES = {
  guided: `{ coverage: { ${firmware.build}${limit} } }`,
  'black-box, recorded': `{ coverage: { ${firmware.build}${limit}, guide: false } }`,
  'black-box, no debugger': '{}',
} as const;

interface Point {
  case: number;
  seconds: number;
  blocks: number;
}

const at = (timeline: Point[], s: number) => timeline.filter((p) => p.seconds <= s).at(-1)?.blocks ?? 0;

/** Modes by name, separated by semicolons (their names have commas). */
const modes = process.env.HIL_PERF_MODES?.split(';') ?? Object.keys(MODES);
for (const [mode, fuzz] of Object.entries(MODES).filter(([m]) => modes.includes(m))) {
  for (const seed of seeds) {
    const dir = mkdtempSync(join(tmpdir(), 'hil-coverage-perf-'));
    const rig = join(dir, 'rig.yaml');
    writeFileSync(
      rig,
      [
        'name: coverage-perf',
        'boards:',
        '  board:',
        `    profile: ${firmware.profile}`,
        `    qemu: ${firmware.qemu}`,
        `    fuzz: ${fuzz}`,
        '',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    spawnSync(
      process.execPath,
      ['bin/hil.js', 'run', '--rig', rig, '--suite', 'fuzz', '--seed', String(seed), '--out', out],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          HIL_FUZZ_SECONDS: String(seconds),
          HIL_NO_PDF: '1',
          ...(cases ? { HIL_FUZZ_CASES: cases } : {}),
        },
      },
    );
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const check = summary.results[0].checks.find((c: { id: string }) => c.id === 'fuzz/console');
    const e = check.evidence as {
      cases: number;
      seconds: number;
      casesPerSecond: number;
      failures: { signature: string; caseIndex: number; seconds?: number }[];
      coverage?: { blocks: number; reached: number; file: string };
    };
    const deep = e.failures.find((f) => f.signature.includes('undefined-instruction'));
    // The coverage file's whole timeline (the evidence's is thinned for the report).
    const timeline: Point[] = e.coverage ? JSON.parse(readFileSync(join(out, e.coverage.file), 'utf8')).timeline : [];
    const blocks = e.coverage
      ? [60, 300, 900]
          .filter((s) => s <= seconds)
          .map((s) => `${at(timeline, s)}@${s / 60}min`)
          .join(' ')
      : 'not recorded';
    console.log(
      `${mode}, seed ${seed}: ${e.cases} cases, ${e.casesPerSecond}/s; blocks ${blocks} of ${e.coverage?.blocks ?? '?'}; ${firmware.profile === 'hil-target' ? `deep bug ${deep ? `found at case ${deep.caseIndex} (${deep.seconds} s)` : `not found in ${e.cases} cases, ${e.seconds} s`}` : `failures: ${e.failures.map((f) => f.signature).join(', ') || 'none'}`}`,
    );
  }
}
