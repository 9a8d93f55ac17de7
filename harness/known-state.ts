/**
 * A board in a known state, proved by evidence (labgrid's Strategy.transition()): every suite starts
 * here, so no verdict rests on what the suite before left. From any state (off, on, a firmware a fuzz
 * campaign or a brown-out left, a bootloader prompt, unknown) the board is brought to `ready` (its
 * boot followed to the ready line, or, known ready and undisturbed since, its prompt answering) or
 * `off` (the supply switched off and read back). Where that cannot be done, a HilError names the step.
 */
import type { BootRecord } from './boot-record.ts';
import type { BoardProfile } from './config/load.ts';
import type { Console } from './console/console.ts';
import { HilError } from './util/errors.ts';
import type { Power } from './power/driver.ts';
import type { QemuControl } from './qemu/control.ts';

export type BoardState = 'ready' | 'off';
/** `ready` means at its ready line and undisturbed since: nothing that may have changed its state ran. */
export type KnownState = BoardState | 'unknown';

/** What reaching a state asks of a board (a Board is one). */
export interface StatefulBoard {
  readonly name: string;
  readonly profile: BoardProfile;
  readonly console: Console;
  readonly power: Power | undefined;
  readonly qemu: QemuControl | undefined;
  readonly knownState: KnownState;
  hasAction(name: string): boolean;
  checkAlive(step: string): Promise<{ alive: boolean; evidence: Record<string, unknown> }>;
  restart(step: string): Promise<BootRecord>;
  toSafeState(state: 'off'): Promise<void>;
  failure(step: string, expected: string, seen: string): HilError;
}

export interface Arrival {
  state: BoardState;
  /**
   * reused: known ready, undisturbed, and it answered; restarted: restarted and booted to ready;
   * answered: no way to restart it (no power, reset or reboot action), but it answered at once;
   * off: switched off.
   */
  how: 'reused' | 'restarted' | 'answered' | 'off';
  /** The boot that led to ready, where the board was restarted. */
  boot?: BootRecord;
  /** What showed the state: the answer to the prompt check, or the boot's ready line and timing. */
  evidence: Record<string, unknown>;
}

/**
 * How long a board known to be at its prompt has to answer an Enter. An answer is a few ms on any
 * console; the bound is generous for a loaded machine, and a board that misses it is restarted.
 */
const ANSWER_DEADLINE_MS = 2000;

export async function reach(board: StatefulBoard, state: BoardState, step: string): Promise<Arrival> {
  if (state === 'off') {
    if (!board.power)
      throw board.failure(step, 'power control in the rig to switch the board off', 'no power driver wired');
    await board.toSafeState('off');
    return { state, how: 'off', evidence: { power: 'off, read back by the driver' } };
  }
  const canRestart = board.qemu !== undefined || board.power !== undefined || board.hasAction('reboot');
  if (board.knownState === 'ready' || !canRestart) {
    const answered = await answers(board, `${step}: is it at its prompt`);
    if (answered) {
      const how = canRestart ? 'reused' : 'answered';
      board.console.note(`${step}: ${how}, it answered at its prompt`);
      return { state, how, evidence: answered };
    }
    if (!canRestart)
      throw board.failure(
        step,
        'the board to answer at its prompt (the rig wires no power, reset or reboot action to restart it)',
        describeNoAnswer(board),
      );
  }
  const boot = await board.restart(`${step}: restart`);
  if (!boot.ready) {
    throw new HilError({
      ...(boot.failure?.detail ?? { board: board.name, expected: 'the ready line', seen: 'no ready line' }),
      step: `${step}: ${boot.failure?.detail.step ?? 'boot'}`,
      ...(boot.portLost ? { seen: `the console's port went away: ${boot.portLost}` } : {}),
    });
  }
  board.console.note(`${step}: restarted, at its ready line after ${boot.readyAfterMs} ms`);
  return {
    state,
    how: 'restarted',
    boot,
    evidence: { readyAfterMs: boot.readyAfterMs, readyLine: boot.lines.at(-1) },
  };
}

/**
 * Whether the board answers now, with what showed it: an Enter brings its prompt back, or else its
 * liveness probe answers. Undefined when it does not, or when the profile gives neither to ask with.
 * Also the boot-window check's proof that keys reach the board.
 */
export async function answers(board: StatefulBoard, step: string): Promise<Record<string, unknown> | undefined> {
  const { prompt, lineEnding } = board.profile.console;
  const { liveness } = board.profile;
  if (prompt) {
    // A prompt already on screen ends with the Enter; only a prompt printed after it is an answer.
    const since = board.console.mark() + (board.console.pendingText() ? 1 : 0);
    await board.console.write(Buffer.from(lineEnding, 'latin1'));
    return board.console
      .expect(prompt, { timeout: ANSWER_DEADLINE_MS, step, since })
      .then((seen) => ({ sent: 'Enter', prompt: seen.line }))
      .catch((error: unknown) => {
        if (!(error instanceof HilError)) throw error;
        return undefined;
      });
  }
  if (liveness) {
    const alive = await board.checkAlive(step);
    return alive.alive ? alive.evidence : undefined;
  }
  return undefined;
}

export function describeNoAnswer(board: StatefulBoard): string {
  const { prompt } = board.profile.console;
  const { liveness } = board.profile;
  if (prompt) return `no prompt (${prompt}) within ${ANSWER_DEADLINE_MS} ms of an Enter`;
  if (liveness) return `no answer to the liveness probe "${liveness.send}"`;
  return `the profile ${board.profile.name} gives neither a prompt nor a liveness probe to ask it with`;
}
