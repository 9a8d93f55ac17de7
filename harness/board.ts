/**
 * A Board: a profile and its rig wiring in one handle — console, power, and the boot sequence
 * the profile describes. Suites talk to boards only through this.
 */
import { join } from 'node:path';
import type { BoardProfile, LoadedRig } from './config/load.ts';
import { hostEndpoint, resolveAuto, type BoardEndpoints } from './config/endpoints.ts';
import type { BoardWiringConfig, PowerWiringConfig } from './config/schema.ts';
import { Console, type CrashSeen } from './console/console.ts';
import { matchableText as visible } from './console/escape.ts';
import { ConsoleLog } from './console/log.ts';
import { SerialTransport } from './console/serial-transport.ts';
import { resolveUsbTty } from './console/usb-identity.ts';
import { HilError } from './errors.ts';
import { openPower } from './power/open.ts';
import { DEFAULT_OFF_MS, type Power } from './power/power.ts';
import { TasmotaRelay } from './power/tasmota.ts';
import { QemuControl } from './qemu/control.ts';
import { parseDuration } from './config/duration.ts';

export interface BootRecord {
  /** Every line from the power cycle (or reset) to the ready line or the deadline. */
  lines: string[];
  bannerSeen: boolean;
  ready: boolean;
  /** Milliseconds from power-on to the ready line. */
  readyAfterMs?: number;
  /** The reset code of the last boot before ready (a crash-reboot shows here, not the power-on). */
  resetCode?: number;
  resetKind?: string;
  version?: string;
  crashes: CrashSeen[];
  deadlineMs: number;
  failure?: HilError;
}

export interface Liveness {
  alive: boolean;
  evidence: Record<string, unknown>;
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

export class Board {
  private constructor(
    readonly name: string,
    readonly profile: BoardProfile,
    readonly wiring: BoardWiringConfig,
    readonly console: Console,
    readonly power: Power | undefined,
    /** QEMU boards only: reset, halt, resume, program counter. */
    readonly qemu: QemuControl | undefined,
  ) {}

  static async open(setup: BoardSetup): Promise<Board> {
    const wiring = setup.rig.config.boards[setup.name];
    if (!wiring) throw new Error(`rig ${setup.rig.file} has no board "${setup.name}"`);
    const profile = setup.rig.profiles.get(wiring.profile)!;
    const qemu = wiring.qemu
      ? new QemuControl(hostEndpoint(setup.endpoints?.qmp, `${setup.name} QMP socket`))
      : undefined;
    const consolePath = wiring.qemu
      ? hostEndpoint(setup.endpoints?.console, `${setup.name} console`)
      : resolveAuto(wiring.console?.port, setup.endpoints?.console, `${setup.name} console.port`);
    const usb = wiring.console?.usb;
    const transport = new SerialTransport({
      locate: () => (usb ? resolveUsbTty(usb) : consolePath),
      baud: wiring.console?.baud ?? profile.baud ?? 115200,
      description: usb ? `USB ${usb.vendor}:${usb.product}${usb.serial ? ` (${usb.serial})` : ''}` : consolePath!,
    });
    const log = new ConsoleLog(setup.logDir, setup.logName, setup.rig.redactor);
    const console = new Console({
      board: setup.name,
      transport,
      log,
      crash: profile.crash,
      lineEnding: profile.lineEnding,
    });
    let power: Power | undefined;
    try {
      await console.open();
      if (wiring.qemu) {
        // The rig host puts a relay in front of the QEMU process: on starts it, off ends it.
        const offMs = wiring.qemu['off-time'] !== undefined ? parseDuration(wiring.qemu['off-time']) : DEFAULT_OFF_MS;
        power = new TasmotaRelay(hostEndpoint(setup.endpoints?.power?.url, `${setup.name} power`), 1, undefined, offMs);
      } else if (wiring.power) {
        power = await openPower(resolvePowerWiring(wiring.power, setup.endpoints, setup.name));
      }
    } catch (error) {
      await console.close().catch(() => undefined);
      throw new HilError({
        board: setup.name,
        step: 'connect',
        expected: 'console and power to open',
        seen: (error as Error).message,
        log: join(setup.logDir, `${setup.logName}.log`),
      });
    }
    return new Board(setup.name, profile, wiring, console, power, qemu);
  }

  /**
   * Send one command line. Where the profile names a prompt, wait for it first: boards with no flow
   * control lose input sent before they are ready for it. Returns the console mark taken just
   * before sending, from which the answer can be read.
   */
  async command(text: string, step: string, timeout = 5000): Promise<number> {
    const prompt = this.profile.prompt;
    if (prompt && !prompt.test(this.console.pendingText())) {
      try {
        await this.console.expect(prompt, { timeout: timeout / 2, step: `${step}: prompt` });
      } catch (error) {
        if (!(error instanceof HilError)) throw error;
        // The prompt went by before we listened (a board that was already up): press Enter for a new one.
        await this.console.write(Buffer.from(this.profile.lineEnding, 'latin1'));
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
      return { alive: true, evidence: { sent: probe.send, answer: answer.line, afterMs: Date.now() - started } };
    } catch (error) {
      if (!(error instanceof HilError)) throw error;
      const evidence: Record<string, unknown> = {
        sent: probe.send,
        expected: String(probe.expect),
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
    if (!this.qemu)
      throw this.failure(
        step,
        'a reset line the harness controls',
        'this board has none wired; power-cycle it instead',
      );
    const from = { mark: this.console.mark(), started: Date.now() };
    await this.qemu.reset();
    return this.recordBoot(step, from);
  }

  /** Power off, wait the rig's off-time, power on, and record the boot. */
  async powerCycle(step = 'power cycle'): Promise<BootRecord> {
    return this.recordBoot(step, await this.powerOffOn(step));
  }

  /**
   * Off, the rig's off-time, on; returns where the new boot's output starts. For boots that are not
   * followed to a ready line (a ROM loader); powerCycle() records the boot as well.
   */
  async powerOffOn(step: string): Promise<{ mark: number; started: number }> {
    if (!this.power) {
      throw new HilError({
        board: this.name,
        step,
        expected: 'power control in the rig file',
        seen: 'no power driver wired',
      });
    }
    await this.power.off();
    await new Promise((resolve) => setTimeout(resolve, this.power!.offMs));
    // Lines still in flight from before the cut must not count as this boot's.
    const from = { mark: this.console.mark(), started: Date.now() };
    await this.power.on();
    return from;
  }

  /**
   * Follow a boot from the banner to the ready line within the profile's deadline, surviving a
   * crash and reboot on the way (it is recorded, and the later boot's reset reason is the one kept).
   */
  async recordBoot(step: string, from = { mark: this.console.mark(), started: Date.now() }): Promise<BootRecord> {
    const boot = this.profile.boot;
    const { mark, started } = from;
    const record: BootRecord = { lines: [], bannerSeen: false, ready: false, crashes: [], deadlineMs: boot.deadlineMs };
    const remaining = () => Math.max(1, boot.deadlineMs - (Date.now() - started));
    const crashesBefore = this.console.crashes.length;
    try {
      await this.console.expect(boot.banner, { timeout: remaining(), step: `${step}: boot banner`, allowCrash: true });
      record.bannerSeen = true;
      await this.console.expect(boot.ready, { timeout: remaining(), step: `${step}: ready line`, allowCrash: true });
      record.ready = true;
      record.readyAfterMs = Date.now() - started;
    } catch (error) {
      if (!(error instanceof HilError)) throw error;
      record.failure = error;
    }
    record.lines = this.console.linesSince(mark).map(visible);
    record.crashes = this.console.crashes.slice(crashesBefore);
    this.readIdentity(record);
    return record;
  }

  async close(): Promise<void> {
    await this.power?.close().catch(() => undefined);
    await this.console.close();
  }

  failure(step: string, expected: string, seen: string): HilError {
    return this.console.failure(step, expected, seen);
  }

  private readIdentity(record: BootRecord): void {
    const boot = this.profile.boot;
    for (const line of record.lines) {
      const reset = boot.resetReason?.exec(line);
      // The profile's reset-reason group 1 is the code in hexadecimal, as ROMs print it.
      if (reset?.[1]) record.resetCode = parseInt(reset[1].replace(/^0x/i, ''), 16);
      const version = boot.version?.exec(line);
      if (version) record.version = version[1] ?? version[0];
    }
    if (record.resetCode !== undefined) {
      const kinds = Object.entries(this.profile.resetReasons);
      record.resetKind = kinds.find(([, codes]) => codes?.includes(record.resetCode!))?.[0] ?? 'unknown';
    }
  }
}

export function resolvePowerWiring(
  wiring: PowerWiringConfig,
  endpoints: BoardEndpoints | undefined,
  board: string,
): PowerWiringConfig {
  const power = endpoints?.power;
  const what = `${board} power`;
  switch (wiring.driver) {
    case 'scpi-tcp':
      return { ...wiring, port: resolveAuto(wiring.port, power?.port as number | undefined, `${what}.port`) };
    case 'scpi-serial':
    case 'korad':
      return { ...wiring, port: resolveAuto(wiring.port, power?.port as string | undefined, `${what}.port`) };
    case 'tasmota':
      return { ...wiring, url: resolveAuto(wiring.url, power?.url, `${what}.url`) };
  }
}
