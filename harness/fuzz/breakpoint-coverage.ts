/**
 * Coverage from a debug port's breakpoints, as GDBFuzz (Eisele et al., ISSTA 2023) takes it from
 * unmodified firmware: a breakpoint on each basic block not yet reached; a hit records the block and
 * removes its breakpoint, so a block costs one halt, once. A probe with few hardware breakpoints
 * (`limit`) has them rotated over the blocks not yet reached: each one hit is replaced by the next in
 * line, and `rotate()` moves them all on when they have been quiet. QEMU's gdbstub takes as many as
 * there are blocks, up to MAX_ARMED. The target halts only for the moment a hit is recorded: the console keeps its
 * pacing (the UART's bytes wait in QEMU, or in the chip's FIFO, for that moment).
 *
 * One loop owns the connection: it waits for each stop, records, re-arms and resumes. A lost
 * connection (the board powered off) is made again, and the blocks still uncovered armed again.
 * `probe()` arms blocks already reached, for one run, to see whether a shorter input reaches them
 * too (the campaign trims its corpus with it); what a probe hits is not coverage.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GdbRemote } from '../probes/gdb-remote.ts';
import type { BasicBlock } from './basic-blocks.ts';

export interface CoverageOptions {
  /** Hardware breakpoints the probe has (Cortex-M3/M4: 6, M0: 4); none: as many as the stub takes. */
  limit?: number;
}

export interface BlockHit {
  address: number;
  where: string;
  /** The case it was first reached in (-1: before the first case, booting or reading help). */
  case: number;
  ms: number;
}

/** The thumb-state breakpoint kind: 2 bytes. Z1 asks for a hardware breakpoint, Z0 for any. */
const KIND = 2;
const RECONNECT_EVERY_MS = 250;
/** The loop looks at its stop flag this often while the target runs. */
const WAIT_SLICE_MS = 500;
/** An interrupt is answered within milliseconds; a port that does not answer in this is lost. */
const HALT_DEADLINE_MS = 3000;
/**
 * With no probe limit, at most this many armed at once (rotated as a probe's are). QEMU's TCG looks
 * through its breakpoint list for each guest instruction it translates, and translates again after
 * each one removed: MicroPython's 23265 blocks armed at once slowed the micro:bit to a few hundred
 * blocks in four seconds, so that its REPL did not echo a case (a false hang).
 */
const MAX_ARMED = 1024;

export class BreakpointCoverage {
  private readonly covered = new Map<number, BlockHit>();
  private readonly armed = new Set<number>();
  private readonly waiting: number[];
  private readonly where: Map<number, string>;
  private fresh: number[] = [];
  private currentCase = -1;
  private readonly started = Date.now();
  private rotateAsked = false;
  /** Work asked of the loop for the next stop (an interrupt brings one): arming a probe, removing it. */
  private whileHalted: { work: () => Promise<void>; done: (error?: Error) => void }[] = [];
  /** The loop is handling a stop: the target is halted, and an interrupt now would be lost. */
  private inStop = false;
  /** Blocks armed by a probe (already reached), and those of them hit since. */
  private readonly probing = new Set<number>();
  private readonly probeHits = new Set<number>();
  /** The loop left the target halted (it stopped as the coverage was stopping). */
  private halted = false;
  private stopping = false;
  private loop?: Promise<void>;
  private remote?: GdbRemote;
  /** Z1 unless the stub refused it: then Z0 (QEMU's gdbstub takes both). */
  private type: 1 | 0 = 1;
  /** Why the port could not be used, once it could not (the campaign then goes on black-box). */
  lost?: string;
  /**
   * How long the core stood halted for the coverage: a watchdog that runs on while the core is halted
   * (an STM32's IWDG, unless DBGMCU freezes it) and is shorter than the longest would reset the board.
   */
  readonly halts = { count: 0, totalMs: 0, longestMs: 0 };
  private haltedAt = 0;

  private constructor(
    private readonly connect: () => Promise<GdbRemote>,
    blocks: BasicBlock[],
    private limit: number | undefined,
  ) {
    this.waiting = blocks.map((b) => b.address);
    this.where = new Map(blocks.map((b) => [b.address, b.where]));
  }

  /** Attached, armed and running; throws when the port cannot be reached or will not take a breakpoint. */
  static async attach(
    connect: () => Promise<GdbRemote>,
    blocks: BasicBlock[],
    options: CoverageOptions = {},
  ): Promise<BreakpointCoverage> {
    const limit = options.limit ?? (blocks.length > MAX_ARMED ? MAX_ARMED : undefined);
    const coverage = new BreakpointCoverage(connect, blocks, limit);
    // A port that refuses is let go: left open, its socket would keep the suite's process alive.
    await coverage.session().catch((error: Error) => {
      coverage.remote?.close();
      throw error;
    });
    coverage.loop = coverage.follow();
    return coverage;
  }

  get total(): number {
    return this.where.size;
  }

  get reachedCount(): number {
    return this.covered.size;
  }

  get reached(): BlockHit[] {
    return [...this.covered.values()];
  }

  /** Blocks reached from now on count for case `index`. */
  markCase(index: number): void {
    this.currentCase = index;
  }

  /** The blocks first reached since the last call. */
  takeNew(): BlockHit[] {
    const fresh = this.fresh.map((a) => this.covered.get(a)!);
    this.fresh = [];
    return fresh;
  }

  /** Move the breakpoints on to the next blocks in line (a limited probe whose armed blocks stay quiet). */
  rotate(): void {
    if (this.limit === undefined || this.waiting.length === 0 || !this.remote) return;
    this.rotateAsked = true;
    this.remote.interrupt();
  }

  /**
   * Which of `addresses` (blocks reached before) `run` reaches: they are armed for the run and removed
   * after it. With a limited probe, breakpoints on blocks not yet reached make room and wait in line.
   */
  async probe<T>(addresses: number[], run: () => Promise<T>): Promise<{ hit: Set<number>; result: T }> {
    await this.halt(async () => {
      this.probeHits.clear();
      const room = this.limit === undefined ? Number.POSITIVE_INFINITY : this.limit - addresses.length;
      for (const address of [...this.armed].slice(Math.max(0, room))) {
        await this.disarm(address);
        this.waiting.unshift(address);
      }
      for (const address of addresses.slice(0, this.limit)) {
        if ((await this.remote!.request(`Z${this.type},${address.toString(16)},${KIND}`)) === 'OK')
          this.probing.add(address);
      }
    });
    try {
      const result = await run();
      return { hit: new Set(this.probeHits), result };
    } finally {
      await this.halt(async () => {
        for (const address of this.probing) await this.remote!.request(`z${this.type},${address.toString(16)},${KIND}`);
        this.probing.clear();
      }).catch(() => undefined); // a lost port forgets its breakpoints: the session re-arms only blocks not reached
    }
  }

  /** `work` done by the loop at the target's next stop, which an interrupt brings now. */
  private halt(work: () => Promise<void>): Promise<void> {
    if (!this.remote || this.stopping) return Promise.reject(new Error('the coverage is not attached'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error('the target did not halt')), HALT_DEADLINE_MS);
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.whileHalted = this.whileHalted.filter((w) => w !== asked);
        if (error) reject(error);
        else resolve();
      };
      const asked = { work, done };
      this.whileHalted.push(asked);
      // Halted already: the loop does it before it resumes the target.
      if (!this.inStop) this.remote!.interrupt();
    });
  }

  /** Breakpoints removed and the target left running. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  /** Connect (QEMU's gdbstub halts the target as a debugger attaches; a probe is asked to), arm, run. */
  private async session(): Promise<void> {
    const remote = await this.connect();
    this.remote = remote;
    const halted = await remote.request('?', 3000).catch(() => undefined);
    if (!halted || !/^[ST]/.test(halted)) {
      remote.interrupt();
      if (!(await remote.nextStop(3000))) throw new Error(`${remote.address}: the target did not halt`);
    }
    this.haltedAt = Date.now();
    this.armed.clear();
    await this.arm();
    this.resume();
  }

  /** Arm the next blocks in line, up to the limit; a stub out of breakpoints sets the limit. */
  private async arm(): Promise<void> {
    const remote = this.remote!;
    while (this.waiting.length > 0 && (this.limit === undefined || this.armed.size + this.probing.size < this.limit)) {
      const address = this.waiting[0]!;
      let reply = await remote.request(`Z${this.type},${address.toString(16)},${KIND}`);
      if (reply === '' && this.type === 1) {
        this.type = 0;
        reply = await remote.request(`Z0,${address.toString(16)},${KIND}`);
      }
      if (reply !== 'OK') {
        if (this.armed.size === 0)
          throw new Error(`${remote.address}: no breakpoint taken (${reply || 'not supported'})`);
        this.limit = this.armed.size; // the probe's hardware breakpoints are all in use
        return;
      }
      this.waiting.shift();
      this.armed.add(address);
    }
  }

  private async disarm(address: number): Promise<void> {
    await this.remote!.request(`z${this.type},${address.toString(16)},${KIND}`);
    this.armed.delete(address);
  }

  /** r15 from `g` (QEMU's gdbstub answers `p f` with nothing): the 16th 32-bit little-endian register. */
  private async pc(): Promise<number> {
    const reply = await this.remote!.request('g');
    if (!/^[0-9a-fA-F]{128}/.test(reply))
      throw new Error(`${this.remote!.address}: no registers in ${JSON.stringify(reply.slice(0, 40))}`);
    return Buffer.from(reply.slice(120, 128), 'hex').readUInt32LE(0);
  }

  /** The loop: each stop recorded, the breakpoints re-armed, the target resumed; a lost port made again. */
  private async follow(): Promise<void> {
    while (!this.stopping) {
      try {
        const stop = await this.remote!.nextStop(WAIT_SLICE_MS);
        if (stop === undefined) continue;
        this.inStop = true;
        this.haltedAt = Date.now();
        await this.stopped();
      } catch (error) {
        if (this.stopping) break;
        this.inStop = false;
        for (const asked of [...this.whileHalted]) asked.done(error as Error);
        this.probing.clear();
        this.remote?.close();
        await this.again((error as Error).message);
      }
    }
    await this.leave();
  }

  private async stopped(): Promise<void> {
    const pc = await this.pc();
    if (this.probing.has(pc)) {
      await this.remote!.request(`z${this.type},${pc.toString(16)},${KIND}`);
      this.probing.delete(pc);
      this.probeHits.add(pc);
    }
    if (this.armed.has(pc)) {
      await this.disarm(pc);
      this.covered.set(pc, {
        address: pc,
        where: this.where.get(pc)!,
        case: this.currentCase,
        ms: Date.now() - this.started,
      });
      this.fresh.push(pc);
    }
    if (this.rotateAsked) {
      this.rotateAsked = false;
      // The armed ones go to the back of the line, still uncovered.
      for (const address of [...this.armed]) {
        await this.disarm(address);
        this.waiting.push(address);
      }
    }
    if (this.stopping) {
      this.halted = true;
      return;
    }
    await this.arm();
    // Work asked while this stop was handled too; then the target runs (no await between: any asked
    // later sees inStop false and interrupts).
    for (let asked = this.whileHalted[0]; asked; asked = this.whileHalted[0]) {
      await asked.work().then(() => asked.done(), asked.done);
    }
    this.inStop = false;
    this.resume();
  }

  /** The target runs again; the halt since `haltedAt` is counted (a reconnection's arming too). */
  private resume(): void {
    const halted = Date.now() - this.haltedAt;
    this.halts.count++;
    this.halts.totalMs += halted;
    this.halts.longestMs = Math.max(this.halts.longestMs, halted);
    this.remote!.resume();
  }

  /** The port went away (a power cycle): connect again until it answers, or the coverage stops. */
  private async again(why: string): Promise<void> {
    for (const address of this.armed) this.waiting.unshift(address);
    this.armed.clear();
    while (!this.stopping) {
      await sleep(RECONNECT_EVERY_MS);
      try {
        await this.session();
        this.lost = undefined;
        return;
      } catch (error) {
        this.lost = `${why}; then: ${(error as Error).message}`;
      }
    }
  }

  private async leave(): Promise<void> {
    const remote = this.remote;
    if (!remote) return;
    try {
      if (!this.halted) {
        remote.interrupt();
        if (!(await remote.nextStop(3000))) return remote.close();
      }
      for (const address of [...this.armed]) await this.disarm(address);
      await remote.detach();
    } catch {
      remote.close();
    }
  }
}
