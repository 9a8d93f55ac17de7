/**
 * Restarting a board and following its boot: QEMU's reset, a power cycle with the rig's off-time and
 * the timing it achieved, or the profile's `reboot` action; and the bench at rest (the strap released,
 * the supply off or nominal), which a power cycle still under way does not undo once the run is gone.
 */
import { type BootRecord, followBoot } from '../boot-record.ts';
import { HilError } from '../util/errors.ts';
import { type PowerCut, switchPower } from '../power/driver.ts';
import { powerAtRest } from '../safe-state.ts';
import type { BoardParts } from './connect.ts';
import type { Knowledge } from './knowledge.ts';
import type { Shell } from './shell.ts';

/**
 * Before a reset, the board is let finish what it is printing: a reset cuts the line it is on, and the
 * new boot's banner then runs on after the cut text (`  File "<stdin>", line 1\x00MicroPython v1.9.2`),
 * where an anchored banner pattern does not see it. MicroPython under QEMU answers a line within a few
 * ms and ends a traceback with its prompt about 100 ms later; a board that never goes quiet is reset
 * after the deadline all the same.
 */
const QUIET_BEFORE_RESET_MS = 150;
const QUIET_BEFORE_RESET_DEADLINE_MS = 1000;

export class Restarts {
  /** Set once the board was put at rest for good (the run is gone): nothing powers it on again. */
  private atRest = false;

  constructor(private readonly board: BoardParts & { name: string; shell: Shell; knowledge: Knowledge }) {}

  /** Reset the board (QEMU: QMP system_reset) and record the boot that follows. */
  async reset(step: string): Promise<BootRecord> {
    const { console, qemu, knowledge, shell } = this.board;
    if (!qemu) {
      throw this.failure(
        step,
        'a reset line the harness controls',
        'this board has none wired; power-cycle it instead',
      );
    }
    await console.waitQuiet(QUIET_BEFORE_RESET_MS, QUIET_BEFORE_RESET_DEADLINE_MS);
    const from = { mark: console.mark(), started: Date.now() };
    knowledge.lost();
    shell.interrupt(`the harness reset the board (${step})`);
    await qemu.reset();
    return this.recordBoot(step, from);
  }

  /**
   * Restart the board and record the boot: QEMU's reset, a power cycle where power is wired, else
   * the profile's `reboot` action (the firmware's own restart, as esp_restart() after an OTA).
   */
  async restart(step: string): Promise<BootRecord> {
    const { qemu, power, profile, shell, knowledge } = this.board;
    // QEMU resets in place while it runs; when it does not (the board is off), power starts it.
    if (qemu && (await qemu.status().catch(() => undefined)) !== undefined) return this.reset(step);
    if (power) return this.powerCycle(step);
    const template = profile.actions.reboot;
    if (template === undefined)
      throw this.failure(step, 'power control in the rig or a reboot action in the profile', 'neither');
    const started = Date.now();
    const mark = await shell.command(template, step);
    knowledge.lost();
    return this.recordBoot(step, { mark, started });
  }

  /** Power off, wait the rig's off-time, power on, and record the boot. */
  async powerCycle(step: string): Promise<BootRecord> {
    return this.recordBoot(step, await this.powerOffOn(step));
  }

  /**
   * Off, the rig's off-time (or `offMs`), on; returns where the new boot's output starts, and the
   * timing achieved: how long each switch took to answer and the bounds on how long power was off.
   * For boots that are not followed to a ready line (a ROM loader); powerCycle() records the boot.
   */
  async powerOffOn(step: string, offMs = this.board.connections.offMs): Promise<PowerCut> {
    const { name, power, console, knowledge, shell } = this.board;
    if (!power) {
      throw new HilError({
        board: name,
        step,
        expected: 'power control in the rig file',
        seen: 'no power driver wired',
      });
    }
    const asked = Date.now();
    // In the log, so that its reader (and perf/suite-wall's floor) sees where power was cut.
    console.note(`power off (${step})`);
    knowledge.lost();
    shell.interrupt(`the harness switched the power off (${step})`);
    await switchPower(power, false, (expected, seen) => this.failure(`${step}: power off`, expected, seen));
    const off = Date.now();
    await new Promise((resolve) => setTimeout(resolve, offMs));
    // A safe state taken during the off-time (the run was killed) is not undone by this power cycle.
    if (this.atRest)
      throw this.failure(step, 'to power the board on again', 'the board was put at rest: the run is gone');
    // Lines still in flight from before the cut must not count as this boot's.
    const from = { mark: console.mark(), started: Date.now() };
    // Noted before the switch: a board's first bytes can come before the switch has answered, and a
    // note between them would split its first line in the .log.
    console.note('power on');
    await switchPower(power, true, (expected, seen) => this.failure(`${step}: power on`, expected, seen));
    const on = Date.now();
    return {
      ...from,
      timing: {
        requestedOffMs: offMs,
        offAnsweredMs: off - asked,
        onAnsweredMs: on - from.started,
        offBetweenMs: [from.started - off, on - asked],
      },
    };
  }

  /**
   * Follow a boot from the banner to the ready line within the profile's deadline, surviving a
   * crash and reboot on the way (it is recorded, and the later boot's reset reason is the one kept).
   */
  async recordBoot(step: string, from: { mark: number; started: number }): Promise<BootRecord> {
    const record = await followBoot(this.board.console, this.board.profile, step, from);
    this.board.knowledge.booted(record);
    return record;
  }

  /**
   * The bench at rest: the strap released, the supply off (or at its nominal voltage, as the rig
   * says). `forGood` (the run is gone): no power cycle still under way turns it back on.
   */
  async toSafeState(state: 'off' | 'nominal', forGood: boolean): Promise<void> {
    const { bootStrap, power, knowledge } = this.board;
    if (forGood) this.atRest = true;
    await bootStrap?.rest();
    if (!power) return;
    knowledge.lost();
    await powerAtRest(power, state);
    if (state === 'off') knowledge.off();
  }

  private failure(step: string, expected: string, seen: string): HilError {
    return this.board.console.failure(step, expected, seen);
  }
}
