/**
 * A Board: a profile and its connections in one handle: console, power, debug port, boot strap,
 * boot UART, trust material and the profile's actions. Suites talk to boards only through this.
 * It hands each job to the module that does it: connecting the parts (board/connect.ts), the shell
 * dialogue (board/shell.ts), liveness (board/liveness.ts), restarts, power timing and the boots that
 * follow (board/restarts.ts), what is known of its state (board/knowledge.ts, known-state.ts).
 */
import type { ActionAnswer, AnswerWait } from './action-answer.ts';
import type { BootRecord } from './boot-record.ts';
import { type BoardSetup, connect } from './board/connect.ts';
import { Knowledge } from './board/knowledge.ts';
import { checkAlive, type Liveness } from './board/liveness.ts';
import { Restarts } from './board/restarts.ts';
import { Shell } from './board/shell.ts';
import type { BoardProfile } from './config/load.ts';
import type { Console } from './console/console.ts';
import type { HilError } from './util/errors.ts';
import { type Arrival, type BoardState, type KnownState, reach } from './known-state.ts';
import type { BootStrap, Power, PowerCut } from './power/driver.ts';
import type { QemuControl } from './qemu/control.ts';
import { loadTrust, type Trust } from './tls/trust.ts';
import { rollbackFiles } from './update/rollback-files.ts';
import { SmpClient } from './update/smp-client.ts';
import type { BoardConnections } from './connections.ts';

export type { ActionAnswer } from './action-answer.ts';
export type { BoardSetup } from './board/connect.ts';
export type { Liveness } from './board/liveness.ts';
export type { BootRecord } from './boot-record.ts';
export type { Arrival, BoardState, KnownState } from './known-state.ts';
export type { PowerCut } from './power/driver.ts';

export class Board {
  private trustLoaded: Trust | undefined;
  private smpClient: SmpClient | undefined;
  private readonly shell: Shell;
  /** What the harness knows of the board's state (see ensure()). */
  private readonly knowledge: Knowledge;
  private readonly restarts: Restarts;

  private constructor(
    readonly name: string,
    readonly profile: BoardProfile,
    readonly connections: BoardConnections,
    readonly console: Console,
    readonly power: Power | undefined,
    /** How the chip is put into its ROM loader, where the rig wires a boot strap. */
    readonly bootStrap: BootStrap | undefined,
    /** QEMU boards only: reset, halt, resume, program counter. */
    readonly qemu: QemuControl | undefined,
  ) {
    this.shell = new Shell(console, profile);
    this.knowledge = new Knowledge(console);
    const { shell, knowledge } = this;
    this.restarts = new Restarts({ name, profile, connections, console, power, bootStrap, qemu, shell, knowledge });
  }

  static async open(setup: BoardSetup): Promise<Board> {
    const { profile, connections, console, power, bootStrap, qemu } = await connect(setup);
    return new Board(setup.name, profile, connections, console, power, bootStrap, qemu);
  }

  /** Where the debug port is: a gdbserver address or an OpenOCD to start; undefined when none is wired. */
  get debugPort() {
    return this.connections.debugPort;
  }

  /** The STM32 system bootloader's UART, when the rig names one. */
  get bootUart() {
    return this.connections.bootUart;
  }

  /** A QEMU board's firmware file, its flash: what is written there runs at the next power-on. */
  get qemuImage() {
    return this.connections.qemuImage;
  }

  /** The board's own USB identity (native USB), when the rig names one. */
  get usbIdentity() {
    return this.connections.usb;
  }

  /** What the firmware trusts (read from the rig's PEM files on first use); undefined when the rig gives none. */
  get trust(): Trust | undefined {
    if (!this.connections.trust) return undefined;
    try {
      this.trustLoaded ??= loadTrust(this.connections.trust);
    } catch (error) {
      throw this.failure('trust material', 'the PEM files the rig names', (error as Error).message);
    }
    return this.trustLoaded;
  }

  /** The rollback suite's update path and the team's images, when the rig names them. */
  get rollback() {
    return rollbackFiles(this.connections);
  }

  /** mcumgr on this board's console (made on first use, sharing the console with its log lines). */
  get smp(): SmpClient {
    this.smpClient ??= new SmpClient(this.console);
    return this.smpClient;
  }

  /**
   * Get the board into `state` and prove it (labgrid's strategy), from whatever it was left in: off,
   * on, a firmware a fuzz campaign or a brown-out left, a bootloader prompt. A board known ready and
   * undisturbed since is reused once its prompt (or liveness probe) answers; otherwise it is restarted
   * and its boot followed to the ready line. Fails with a HilError naming the step that failed.
   */
  ensure(state: BoardState, step = `known state: ${state}`): Promise<Arrival> {
    return reach(this, state, step);
  }

  /** Which firmware the board's last boot to its ready line said it runs (version, build id, identity). */
  get firmware() {
    return this.knowledge.firmware;
  }

  /** What is known of the board's state now: ready (and undisturbed since), off, or unknown. */
  get knownState(): KnownState {
    return this.knowledge.state;
  }

  /**
   * Tell the board what is known of it: what the suite before this one left it in (the runner hands
   * it on), or that something this suite did may have disturbed it (`unknown`).
   */
  learn(state: KnownState): void {
    this.knowledge.learn(state);
  }

  hasAction(name: string): boolean {
    return this.shell.hasAction(name);
  }

  /**
   * Run one of the profile's actions: fill its template (`tlsprobe {host} {port}`), send it paced,
   * and collect the answer up to the next prompt.
   */
  action(
    name: string,
    values: Record<string, string | number>,
    options: Partial<Omit<AnswerWait, 'step'>> = {},
  ): Promise<ActionAnswer> {
    return this.shell.action(name, values, options);
  }

  /**
   * Send one line, paced (see command()), and collect the answer up to the next prompt, or until
   * the board goes quiet where the profile names no prompt; a boot in between interrupts it (see
   * action-answer.ts). For lines that are not one of the profile's actions (a `help`).
   */
  ask(sent: string, wait: AnswerWait): Promise<ActionAnswer> {
    return this.shell.ask(sent, wait);
  }

  /**
   * Send one command line. Where the profile names a prompt, wait for it first: boards with no flow
   * control lose input sent before they are ready for it. Returns the console mark taken just
   * before sending, from which the answer can be read.
   */
  command(text: string, step: string, timeout = 5000): Promise<number> {
    return this.shell.command(text, step, timeout);
  }

  /** The profile's liveness probe: a command whose answer must come within its deadline. */
  checkAlive(step = 'liveness probe'): Promise<Liveness> {
    return checkAlive({ profile: this.profile, console: this.console, shell: this.shell, qemu: this.qemu }, step);
  }

  /** Reset the board (QEMU: QMP system_reset) and record the boot that follows. */
  reset(step = 'reset'): Promise<BootRecord> {
    return this.restarts.reset(step);
  }

  /**
   * Restart the board and record the boot: QEMU's reset, a power cycle where power is wired, else
   * the profile's `reboot` action (the firmware's own restart, as esp_restart() after an OTA).
   */
  restart(step: string): Promise<BootRecord> {
    return this.restarts.restart(step);
  }

  /** Power off, wait the rig's off-time, power on, and record the boot. */
  powerCycle(step = 'power cycle'): Promise<BootRecord> {
    return this.restarts.powerCycle(step);
  }

  /**
   * Off, the rig's off-time (or `offMs`), on; returns where the new boot's output starts, and the
   * timing achieved: how long each switch took to answer and the bounds on how long power was off.
   * For boots that are not followed to a ready line (a ROM loader); powerCycle() records the boot.
   */
  powerOffOn(step: string, offMs = this.connections.offMs): Promise<PowerCut> {
    return this.restarts.powerOffOn(step, offMs);
  }

  /**
   * Follow a boot from the banner to the ready line within the profile's deadline, surviving a
   * crash and reboot on the way (it is recorded, and the later boot's reset reason is the one kept).
   */
  recordBoot(step: string, from = { mark: this.console.mark(), started: Date.now() }): Promise<BootRecord> {
    return this.restarts.recordBoot(step, from);
  }

  /**
   * The bench at rest: the strap released, the supply off (or at its nominal voltage, as the rig
   * says). `forGood` (the run is gone): no power cycle still under way turns it back on.
   */
  toSafeState(state: 'off' | 'nominal', forGood = false): Promise<void> {
    return this.restarts.toSafeState(state, forGood);
  }

  async close(): Promise<void> {
    this.smpClient?.close();
    await this.bootStrap?.close().catch(() => undefined);
    await this.power?.close().catch(() => undefined);
    await this.console.close();
  }

  failure(step: string, expected: string, seen: string): HilError {
    return this.console.failure(step, expected, seen);
  }
}
