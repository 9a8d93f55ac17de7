/**
 * Whether a board lives: the profile's liveness probe, a command whose answer must come within its
 * deadline. A board that does not answer is described by what was sent and seen, and, under QEMU, by
 * its CPU's state and program counter.
 */
import type { BoardProfile } from '../config/load.ts';
import type { Console } from '../console/console.ts';
import { HilError } from '../util/errors.ts';
import type { QemuControl } from '../qemu/control.ts';
import type { Shell } from './shell.ts';

export interface Liveness {
  alive: boolean;
  evidence: Record<string, unknown>;
  /** The console line that answered (see Console.mark()): the harness's own traffic, not the board's news. */
  answerIndex?: number;
}

export async function checkAlive(
  board: { profile: BoardProfile; console: Console; shell: Shell; qemu: QemuControl | undefined },
  step: string,
): Promise<Liveness> {
  const probe = board.profile.liveness;
  if (!probe)
    throw board.console.failure(step, 'a liveness probe in the profile', `profile ${board.profile.name} has none`);
  const started = Date.now();
  try {
    await board.shell.command(probe.send, step, probe.deadlineMs);
    const answer = await board.console.expect(probe.expect, {
      timeout: Math.max(1, probe.deadlineMs - (Date.now() - started)),
      step,
    });
    const evidence = { sent: probe.send, answer: answer.line, afterMs: Date.now() - started };
    return { alive: true, evidence, answerIndex: answer.index };
  } catch (error) {
    if (!(error instanceof HilError)) throw error;
    const evidence: Record<string, unknown> = {
      sent: probe.send,
      expected: probe.expect,
      deadlineMs: probe.deadlineMs,
      seen: error.detail.seen,
    };
    if (board.qemu) {
      const pc = await board.qemu.programCounter().catch(() => undefined);
      evidence.cpu = {
        state: await board.qemu.status().catch((e: Error) => `unknown (${e.message})`),
        pc: pc === undefined ? 'unknown' : `0x${pc.toString(16).padStart(8, '0')}`,
      };
    }
    return { alive: false, evidence };
  }
}
