/**
 * A console campaign's coverage, where the rig asks for it (`fuzz.coverage`): the build's basic blocks
 * (its ELF), breakpoints through the board's debug port, and after the campaign a coverage file
 * beside the reproducers. Where the debug port is missing or locked (a hardened board), coverage is
 * unavailable, said why, and the campaign runs black-box: never an error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Board } from '../board.ts';
import { GdbRemote } from '../probes/gdb-remote.ts';
import { MAX_ITEMS } from '../evidence.ts';
import { withDeadline } from '../util/deadline.ts';
import { elfBasicBlocks, imageBasicBlocks } from './basic-blocks.ts';
import { BreakpointCoverage } from './breakpoint-coverage.ts';
import type { CorpusEntry } from './cases.ts';
import type { CoveragePoint } from './corpus-keeper.ts';

/** Reading the ELF and arming every breakpoint: thousands of packets on a large build. */
const ATTACH_DEADLINE_MS = 60_000;

/** `build`: the ELF or image the blocks were read from. */
export type CoverageStart =
  | { coverage: BreakpointCoverage; build: string; compared: number[] }
  | { unavailable: string };

export async function startCoverage(board: Board, rigFile: string): Promise<CoverageStart | undefined> {
  const wanted = board.connections.config.fuzz?.coverage;
  if (!wanted) return undefined;
  const port = board.debugPort;
  if (!port || !('gdb' in port))
    return { unavailable: 'the board has no GDB debug port in the rig (debug.gdb, or qemu.gdbstub)' };
  // The rig's checks let through exactly one of elf and image.
  const build = resolve(dirname(resolve(rigFile)), wanted.elf ?? wanted.image ?? '');
  try {
    const { blocks, compared } =
      wanted.elf !== undefined ? await elfBasicBlocks(build) : await imageBasicBlocks(build, wanted.address);
    const { host, port: tcp } = port.gdb;
    const coverage = await withDeadline(
      BreakpointCoverage.attach(() => GdbRemote.connect(host, tcp), blocks, {
        ...(wanted.breakpoints ? { limit: wanted.breakpoints } : {}),
      }),
      ATTACH_DEADLINE_MS,
      'attached',
    );
    return { coverage, build, compared };
  } catch (error) {
    return { unavailable: `the debug port gave no coverage: ${(error as Error).message.split('\n')[0]}` };
  }
}

export interface CoverageSummary {
  build: string;
  blocks: number;
  reached: number;
  /** Relative to the run folder. */
  file: string;
  timeline: CoveragePoint[];
  /** The port was lost part way and not regained: the coverage stops there. */
  lost?: string;
  /** The core's halts for the coverage, and what they mean for a watchdog. */
  halts: { count: number; totalMs: number; longestMs: number; watchdog: string };
}

/**
 * A timeline of thousands of points, thinned (the first and last kept) to what evidence keeps of a
 * list: cut to its last items instead, the report's plot began half way through the campaign.
 */
export function thinned(points: CoveragePoint[]): CoveragePoint[] {
  if (points.length <= MAX_ITEMS) return points;
  const step = (points.length - 1) / (MAX_ITEMS - 1);
  return Array.from({ length: MAX_ITEMS }, (_, i) => points[Math.round(i * step)]!);
}

/**
 * The coverage file: every block reached (address, function+offset, the case and time it was first
 * reached), the timeline, and the corpus as it grew (each entry's trimmed line, and the earlier cases
 * it needs sent first), so that case N is made again from (seed, N, corpus).
 */
export function writeCoverage(
  board: Board,
  target: string,
  started: { coverage: BreakpointCoverage; build: string },
  seed: number,
  timeline: CoveragePoint[],
  corpus: CorpusEntry[],
): CoverageSummary {
  const runBoardDir = dirname(board.console.logPath);
  const dir = join(runBoardDir, 'fuzz');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `coverage-${target}.json`);
  const { coverage, build } = started;
  const reached = coverage.reached.sort((a, b) => a.address - b.address);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        build,
        seed,
        blocks: coverage.total,
        reached: reached.map((h) => ({
          address: `0x${h.address.toString(16)}`,
          where: h.where,
          case: h.case,
          ms: h.ms,
        })),
        timeline,
        corpus: corpus.map((e) => ({
          addedAt: e.addedAt,
          found: e.found,
          bytes: e.bytes.toString('base64'),
          ...(e.context.length > 0 ? { context: e.context } : {}),
        })),
      },
      null,
      1,
    )}\n`,
  );
  return {
    build,
    blocks: coverage.total,
    reached: reached.length,
    file: relative(dirname(runBoardDir), file),
    timeline: thinned(timeline),
    ...(coverage.lost ? { lost: coverage.lost } : {}),
    halts: {
      ...coverage.halts,
      watchdog: `the core stood halted up to ${coverage.halts.longestMs} ms at a time: a watchdog that runs on while it is halted and is shorter resets the board (an STM32's IWDG and WWDG stop with DBG_IWDG_STOP and DBG_WWDG_STOP in DBGMCU_APB1_FZ)`,
    },
  };
}
