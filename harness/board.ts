/**
 * A Board: a profile and its resolved wiring in one handle: console, power, debug port, ROM-loader
 * entry, boot UART, trust material and the profile's actions. Suites talk to boards only through this.
 */
import { join } from 'node:path';
import { type ActionAnswer, type AnswerWait, awaitAnswer } from './action-answer.ts';
import { type BootRecord, followBoot } from './boot-record.ts';
import type { BoardEndpoints } from './config/endpoints.ts';
import type { BoardProfile, LoadedRig } from './config/load.ts';
import { Console } from './console/console.ts';
import { ConsoleLog } from './console/log.ts';
import { consoleTransport } from './console/reach.ts';
import { HilError } from './errors.ts';
import { type DownloadEntry, type Power, type PowerCut, switchPower } from './power/driver.ts';
import { openPower, openStrap } from './power/registry.ts';
import { QemuControl } from './qemu/control.ts';
import { powerAtRest } from './safe-state.ts';
import { loadTrust, type Trust } from './tls/trust.ts';
import { rollbackFiles } from './update/rollback-files.ts';
import { SmpClient } from './update/smp-client.ts';
import { type ResolvedWiring, resolveWiring } from './wiring.ts';

import { type Arrival, type BoardState, type KnownState, reach } from './known-state.ts';

export type { ActionAnswer } from './action-answer.ts';
export type { BootRecord } from './boot-record.ts';
export type { Arrival, BoardState, KnownState } from './known-state.ts';
export type { PowerCut } from './power/driver.ts';

export interface Liveness {
  alive: boolean;
  evidence: Record<string, unknown>;
  /** The console line that answered (see Console.mark()): the harness's own traffic, not the board's news. */
  answerIndex?: number;
}

export interface BoardSetup {
  rig: LoadedRig;
  name: string;
  /** Where this board's console logs go. */
  logDir: string;
  /** The log files' base name (the suite name, so each suite's console is its own file). */
  logName: string;
  endpoints?: BoardEndpoints;
}

const ACTION_DEADLINE_MS = 5000;

export class Board {
  private trustLoaded: Trust | undefined;
  private smpClient: SmpClient | undefined;
  /** Set once the board was put at rest for good (the run is gone): nothing powers it on again. */
  private atRest = false;
  /** What the harness knows of the board's state (see ensure()). */
  private known: KnownState = 'unknown';
  /** The console's crash count when the board was last known ready: a crash since unsettles it. */
  private crashesWhenReady = 0;
  /** Aborted (and renewed) as the harness switches the power or resets: an answer awaited then is not coming. */
  private switched = new AbortController();

  private constructor(
    readonly name: string,
    readonly profile: BoardProfile,
    readonly wiring: ResolvedWiring,
    readonly console: Console,
    readonly power: Power | undefined,
    /** How the chip is put into its ROM loader, where the rig wires a boot strap. */
    readonly romEntry: DownloadEntry | undefined,
    /** QEMU boards only: reset, halt, resume, program counter. */
    readonly qemu: QemuControl | undefined,
  ) {}

  static async open(setup: BoardSetup): Promise<Board> {
    const wiring = resolveWiring(setup.rig, setup.name, setup.endpoints);
    const profile = setup.rig.profiles.get(setup.rig.config.boards[setup.name]!.profile)!;
    const transport = consoleTransport(wiring.console);
    const log = new ConsoleLog(setup.logDir, setup.logName, setup.rig.redactor);
    const console = new Console({
      board: setup.name,
      transport,
      log,
      crash: profile.crash,
      lineEnding: profile.console.lineEnding,
    });
    let power: Power | undefined;
    let romEntry: DownloadEntry | undefined;
    try {
      await console.open();
      if (wiring.power) power = await openPower(wiring.power);
      romEntry = wiring.strap ? await openStrap(wiring.strap, { console }) : undefined;
      // A strap left pulled by an earlier run would hold the board in its ROM loader.
      await romEntry?.rest();
      const qemu = wiring.qmp ? new QemuControl(wiring.qmp) : undefined;
      return new Board(setup.name, profile, wiring, console, power, romEntry, qemu);
    } catch (error) {
      await romEntry?.close().catch(() => undefined);
      await power?.close().catch(() => undefined);
      await console.close().catch(() => undefined);
      throw new HilError({
        board: setup.name,
        step: 'connect',
        expected: 'console, power and boot strap to open',
        seen: (error as Error).message,
        log: join(setup.logDir, `${setup.logName}.log`),
      });
    }
  }

  /** Where the debug port is: a gdbserver address or an OpenOCD to start; undefined when none is wired. */
  get debugPort() {
    return this.wiring.debugPort;
  }

  /** The STM32 system bootloader's UART, when the rig names one. */
  get bootUart() {
    return this.wiring.bootUart;
  }

  /** The board's own USB identity (native USB), when the rig names one. */
  get usbIdentity() {
    return this.wiring.usb;
  }

  /** What the firmware trusts (read from the rig's PEM files on first use); undefined when the rig gives none. */
  get trust(): Trust | undefined {
    if (!this.wiring.trust) return undefined;
    try {
      this.trustLoaded ??= loadTrust(this.wiring.trust);
    } catch (error) {
      throw this.failure('trust material', 'the PEM files the rig names', (error as Error).message);
    }
    return this.trustLoaded;
  }

  /** The rollback suite's update path and the team's images, when the rig names them. */
  get rollback() {
    return rollbackFiles(this.wiring);
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

  /** What is known of the board's state now: ready (and undisturbed since), off, or unknown. */
  get knownState(): KnownState {
    if (this.known === 'ready' && this.console.crashes.length !== this.crashesWhenReady) return 'unknown';
    return this.known;
  }

  /**
   * Tell the board what is known of it: what the suite before this one left it in (the runner hands
   * it on), or that something this suite did may have disturbed it (`unknown`).
   */
  learn(state: KnownState): void {
    this.known = state;
    this.crashesWhenReady = this.console.crashes.length;
  }

  hasAction(name: string): boolean {
    return this.profile.actions[name] !== undefined;
  }

  /**
   * Run one of the profile's actions: fill its template (`tlsprobe {host} {port}`), send it paced,
   * and collect the answer up to the next prompt.
   */
  async action(
    name: string,
    values: Record<string, string | number>,
    options: Partial<Omit<AnswerWait, 'step'>> = {},
  ): Promise<ActionAnswer> {
    const template = this.profile.actions[name];
    const step = `action ${name}`;
    if (template === undefined) throw this.failure(step, `an action "${name}" in the profile`, 'none');
    const sent = template.replace(/\{([a-z][a-z0-9-]*)\}/g, (_whole, key: string) => {
      const value = values[key];
      if (value === undefined)
        throw this.failure(step, `a value for {${key}}`, `only ${Object.keys(values).join(', ')}`);
      if (/[\r\n]/.test(String(value))) throw this.failure(step, `{${key}} on one line`, JSON.stringify(value));
      return String(value);
    });
    return this.ask(sent, { ...options, step, timeout: options.timeout ?? ACTION_DEADLINE_MS });
  }

  /**
   * Send one line, paced (see command()), and collect the answer up to the next prompt, or until
   * the board goes quiet where the profile names no prompt; a boot in between interrupts it (see
   * action-answer.ts). For lines that are not one of the profile's actions (a `help`).
   */
  async ask(sent: string, wait: AnswerWait): Promise<ActionAnswer> {
    const mark = await this.command(sent, wait.step, wait.timeout);
    return awaitAnswer(this.console, this.profile, { text: sent, mark }, wait, this.switched.signal);
  }

  /** A power switch or reset of the harness's own: answers still awaited will not come. */
  private interruptWaits(why: string): void {
    this.switched.abort(why);
    this.switched = new AbortController();
  }

  /**
   * Send one command line. Where the profile names a prompt, wait for it first: boards with no flow
   * control lose input sent before they are ready for it. Returns the console mark taken just
   * before sending, from which the answer can be read.
   */
  async command(text: string, step: string, timeout = 5000): Promise<number> {
    const prompt = this.profile.console.prompt;
    const pending = this.console.pendingText();
    if (prompt && !prompt.test(pending) && !(pending === '' && this.smpClient?.atPrompt(prompt))) {
      try {
        await this.console.expect(prompt, { timeout: timeout / 2, step: `${step}: prompt` });
      } catch (error) {
        if (!(error instanceof HilError)) throw error;
        // The prompt went by before we listened (a board that was already up): press Enter for a new one.
        await this.console.write(Buffer.from(this.profile.console.lineEnding, 'latin1'));
        await this.console.expect(prompt, { timeout: timeout / 2, step: `${step}: prompt after Enter` });
      }
    }
    const mark = this.console.mark();
    await this.console.send(text);
    return mark;
  }

  /** The profile's liveness probe: a command whose answer must come within its deadline. */
  async checkAlive(step = 'liveness probe'): Promise<Liveness> {
    const probe = this.profile.liveness;
    if (!probe) throw this.failure(step, 'a liveness probe in the profile', `profile ${this.profile.name} has none`);
    const started = Date.now();
    try {
      await this.command(probe.send, step, probe.deadlineMs);
      const answer = await this.console.expect(probe.expect, {
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
      if (this.qemu) {
        const pc = await this.qemu.programCounter().catch(() => undefined);
        evidence.cpu = {
          state: await this.qemu.status().catch((e: Error) => `unknown (${e.message})`),
          pc: pc === undefined ? 'unknown' : `0x${pc.toString(16).padStart(8, '0')}`,
        };
      }
      return { alive: false, evidence };
    }
  }

  /** Reset the board (QEMU: QMP system_reset) and record the boot that follows. */
  async reset(step = 'reset'): Promise<BootRecord> {
    if (!this.qemu) {
      throw this.failure(
        step,
        'a reset line the harness controls',
        'this board has none wired; power-cycle it instead',
      );
    }
    const from = { mark: this.console.mark(), started: Date.now() };
    this.known = 'unknown';
    this.interruptWaits(`the harness reset the board (${step})`);
    await this.qemu.reset();
    return this.recordBoot(step, from);
  }

  /**
   * Restart the board and record the boot: QEMU's reset, a power cycle where power is wired, else
   * the profile's `reboot` action (the firmware's own restart, as esp_restart() after an OTA).
   */
  async restart(step: string): Promise<BootRecord> {
    // QEMU resets in place while it runs; when it does not (the board is off), power starts it.
    if (this.qemu && (await this.qemu.status().catch(() => undefined)) !== undefined) return this.reset(step);
    if (this.power) return this.powerCycle(step);
    const template = this.profile.actions.reboot;
    if (template === undefined)
      throw this.failure(step, 'power control in the rig or a reboot action in the profile', 'neither');
    const started = Date.now();
    const mark = await this.command(template, step);
    this.known = 'unknown';
    return this.recordBoot(step, { mark, started });
  }

  /** Power off, wait the rig's off-time, power on, and record the boot. */
  async powerCycle(step = 'power cycle'): Promise<BootRecord> {
    return this.recordBoot(step, await this.powerOffOn(step));
  }

  /**
   * Off, the rig's off-time (or `offMs`), on; returns where the new boot's output starts, and the
   * timing achieved: how long each switch took to answer and the bounds on how long power was off.
   * For boots that are not followed to a ready line (a ROM loader); powerCycle() records the boot.
   */
  async powerOffOn(step: string, offMs = this.wiring.offMs): Promise<PowerCut> {
    if (!this.power) {
      throw new HilError({
        board: this.name,
        step,
        expected: 'power control in the rig file',
        seen: 'no power driver wired',
      });
    }
    const asked = Date.now();
    // In the log, so that its reader (and perf/suite-wall's floor) sees where power was cut.
    this.console.note(`power off (${step})`);
    this.known = 'unknown';
    this.interruptWaits(`the harness switched the power off (${step})`);
    await switchPower(this.power, false, (expected, seen) => this.failure(`${step}: power off`, expected, seen));
    const off = Date.now();
    await new Promise((resolve) => setTimeout(resolve, offMs));
    // A safe state taken during the off-time (the run was killed) is not undone by this power cycle.
    if (this.atRest)
      throw this.failure(step, 'to power the board on again', 'the board was put at rest: the run is gone');
    // Lines still in flight from before the cut must not count as this boot's.
    const from = { mark: this.console.mark(), started: Date.now() };
    // Noted before the switch: a board's first bytes can come before the switch has answered, and a
    // note between them would split its first line in the .log.
    this.console.note('power on');
    await switchPower(this.power, true, (expected, seen) => this.failure(`${step}: power on`, expected, seen));
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
  async recordBoot(step: string, from = { mark: this.console.mark(), started: Date.now() }): Promise<BootRecord> {
    const record = await followBoot(this.console, this.profile, step, from);
    // A boot that reached its ready line with no crash on the way is a known state; anything else is not.
    this.known = record.ready && record.crashes.length === 0 ? 'ready' : 'unknown';
    this.crashesWhenReady = this.console.crashes.length;
    return record;
  }

  /**
   * The bench at rest: the strap released, the supply off (or at its nominal voltage, as the rig
   * says). `forGood` (the run is gone): no power cycle still under way turns it back on.
   */
  async toSafeState(state: 'off' | 'nominal', forGood = false): Promise<void> {
    if (forGood) this.atRest = true;
    await this.romEntry?.rest();
    if (!this.power) return;
    this.known = 'unknown';
    await powerAtRest(this.power, state);
    if (state === 'off') this.known = 'off';
  }

  async close(): Promise<void> {
    this.smpClient?.close();
    await this.romEntry?.close().catch(() => undefined);
    await this.power?.close().catch(() => undefined);
    await this.console.close();
  }

  failure(step: string, expected: string, seen: string): HilError {
    return this.console.failure(step, expected, seen);
  }
}
