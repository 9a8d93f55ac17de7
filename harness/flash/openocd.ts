/**
 * Flashing through OpenOCD on the board's debug probe: the rig's own OpenOCD arguments (interface
 * and target scripts) and `program FILE ADDRESS preverify verify reset exit`, OpenOCD's own proc
 * (src/flash/startup.tcl): init, reset init, write_image erase, verify_image, reset run. Its result
 * is read from the lines that proc prints; a build the flash already holds is not written again.
 * OpenOCD that cannot reach the core (a locked chip, a probe not found) is no way to the board, with
 * OpenOCD's own words as reason. The image goes to a file of hil's own naming: OpenOCD reads `-c`
 * as Tcl, so nothing of the user's or the board's reaches that line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Board } from '../board.ts';
import { unreachedWhy } from '../probes/openocd.ts';
import { stopChild } from '../util/child.ts';
import { STM32_FLASH_BASE } from '../wire/stm32-parts.ts';
import type { FlashOutcome, Progress } from './outcome.ts';

/** OpenOCD's start and reset, then flash writes at an ST-Link's slowest (about 20 KiB/s) and a verify. */
const START_MS = 20_000;
const MS_PER_MIB = 90_000;
const MAX_OUTPUT = 64 * 1024;

/** The lines OpenOCD's `program` proc prints, in the order it prints them. */
export const PROGRAM_SAYS = {
  alreadyThere: '**Verified OK - No flashing**',
  finished: '** Programming Finished **',
  verified: '** Verified OK **',
  verifyFailed: '** Verify Failed **',
  programmingFailed: '** Programming Failed **',
  initFailed: '** OpenOCD init failed **',
  resetFailed: '** Unable to reset target **',
} as const;

export type ProgramResult =
  | { kind: 'verified' | 'already-there' }
  | { kind: 'not-reached'; why: string }
  | { kind: 'failed'; step: string; seen: string };

/** What one `program ... exit` run did, from its exit code and what it printed. */
export function programResult(code: number | null, output: string): ProgramResult {
  const tail = output.trim().split('\n').slice(-6).join(' | ');
  if (output.includes(PROGRAM_SAYS.alreadyThere) && code === 0) return { kind: 'already-there' };
  if (output.includes(PROGRAM_SAYS.verified) && code === 0) return { kind: 'verified' };
  if (output.includes(PROGRAM_SAYS.verifyFailed)) return { kind: 'failed', step: 'verify', seen: tail };
  if (output.includes(PROGRAM_SAYS.programmingFailed)) return { kind: 'failed', step: 'write', seen: tail };
  if (output.includes(PROGRAM_SAYS.initFailed) || output.includes(PROGRAM_SAYS.resetFailed)) {
    const why = unreachedWhy(output);
    const said = why
      ? `${why.kind === 'target-refused' ? 'the target refused' : 'the probe was not found'} (${why.signs.join(', ')})`
      : tail;
    return { kind: 'not-reached', why: `OpenOCD could not reach the core: ${said}` };
  }
  if (output.includes(PROGRAM_SAYS.finished) && code === 0)
    return { kind: 'failed', step: 'verify', seen: 'programmed, but OpenOCD printed no verify result' };
  return { kind: 'failed', step: 'program', seen: `exit ${code ?? 'by signal'}: ${tail}` };
}

export async function flashOpenOcd(
  board: Board,
  image: Buffer,
  offset: number,
  progress: Progress,
): Promise<FlashOutcome> {
  const port = board.debugPort;
  const openocd = port && 'openocd' in port ? port.openocd : undefined;
  if (!openocd) return { unavailable: 'the rig starts no OpenOCD for this board (debug.openocd)' };
  // A raw image needs its load address: the STM32's flash is the one part whose base hil knows.
  if (board.profile.debug.romLoader !== 'stm32')
    return { unavailable: 'a raw image needs its load address, and hil knows the flash base of STM32 parts only' };
  const address = `0x${(STM32_FLASH_BASE + offset).toString(16)}`;
  const folder = mkdtempSync(join(tmpdir(), 'hil-openocd-'));
  const file = join(folder, 'image.bin');
  const step = 'flash: OpenOCD';
  // One Tcl word: `program` braces the name itself, but the -c line is read as Tcl first.
  if (!/^[\w./-]+$/.test(file)) {
    rmSync(folder, { recursive: true, force: true });
    throw board.failure(step, 'a temporary path OpenOCD reads as one Tcl word', file);
  }
  writeFileSync(file, image);
  const deadlineMs = START_MS + Math.ceil((MS_PER_MIB * image.length) / (1024 * 1024));
  progress(`${step}: program ${image.length} bytes at ${address}, verify, reset (deadline ${deadlineMs} ms)`);
  try {
    const { code, output } = await runProgram(
      openocd.binary ?? 'openocd',
      [
        ...openocd.args,
        ...['-c', 'gdb_port disabled', '-c', 'tcl_port disabled', '-c', 'telnet_port disabled'],
        ...['-c', `program ${file} ${address} preverify verify reset exit`],
      ],
      deadlineMs,
      (line) => progress(`${step}: ${line}`),
    );
    if (code === 'not-started') return { unavailable: output };
    const result = programResult(code, output);
    if (result.kind === 'not-reached') return { unavailable: result.why };
    if (result.kind === 'failed')
      throw board.failure(
        `${step}: ${result.step}`,
        `OpenOCD's program to end with ${PROGRAM_SAYS.verified}`,
        result.seen,
      );
    return {
      written: {
        path: result.kind === 'already-there' ? 'already-running' : 'openocd',
        verifiedBy:
          result.kind === 'already-there'
            ? `OpenOCD's verify_image before writing: the flash at ${address} already holds the build`
            : `OpenOCD's verify_image over ${image.length} bytes at ${address}`,
        offset,
      },
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Runs OpenOCD to its exit (or the deadline), passing on the `program` proc's `** ... **` lines. */
function runProgram(
  binary: string,
  args: string[],
  deadlineMs: number,
  onMilestone: (line: string) => void,
): Promise<{ code: number | null | 'not-started'; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let partial = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (output.length < MAX_OUTPUT) output += text;
      const lines = (partial + text).split('\n');
      partial = lines.pop()!.slice(-256);
      for (const line of lines) if (/^\*\*.*\*\*$/.test(line.trim())) onMilestone(line.trim());
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const timer = setTimeout(() => {
      output += `\n(no exit within ${deadlineMs} ms: stopped)`;
      void stopChild(child);
    }, deadlineMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 'not-started', output: `cannot start OpenOCD (${binary}): ${error.message}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
