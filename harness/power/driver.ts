/**
 * What a power driver is. Each is one file in power/drivers/ (or a folder on HIL_DRIVER_PATH) whose
 * default export is a driver, or a list of them: its name (the rig file's `driver:`), what it is (a
 * relay, a supply, or a boot strap), the fields of its config (shown in the file's opening
 * comment), `open()`, and its virtual twin (the far side of the same wire, for virtual rigs).
 * Any relay can power a board or hold a boot strap; supplies can also set and measure voltage.
 */
import type { Static, TObject, TProperties } from '../config/typebox.ts';
import type { Console } from '../console/console.ts';
import type { RelayTwin, SupplyTwin } from '../virtual/twin.ts';

export interface Relay {
  readonly description: string;
  on(): Promise<void>;
  off(): Promise<void>;
  /** Read back whether the contact is closed. */
  state(): Promise<boolean>;
  close(): Promise<void>;
}

export interface Supply {
  readonly description: string;
  /** The voltage `on()` sets. */
  readonly nominal: number;
  on(): Promise<void>;
  off(): Promise<void>;
  setVoltage(volts: number): Promise<void>;
  measureVoltage(): Promise<number>;
  /** The instrument's own name (`*IDN?`). */
  identify(): Promise<string>;
  close(): Promise<void>;
}

/** Whatever powers a board: a relay in its supply line, or a bench supply. */
export type Power = Relay | Supply;

export function isSupply(power: Power): power is Supply {
  return 'setVoltage' in power;
}

/** Switch power; an instrument that fails (no answer, a refusal) fails as `failure` says, naming what was asked. */
export async function switchPower(
  power: Power,
  on: boolean,
  failure: (expected: string, seen: string) => Error,
): Promise<void> {
  try {
    await (on ? power.on() : power.off());
  } catch (error) {
    throw failure(`${power.description} to switch ${on ? 'on' : 'off'}`, (error as Error).message);
  }
}

/** A power cut as achieved: where the next boot's output starts, and what the switches took. */
export interface PowerCut {
  mark: number;
  started: number;
  timing: {
    requestedOffMs: number;
    /** How long the driver took to switch off, and on (the instrument's latency is evidence). */
    offAnsweredMs: number;
    onAnsweredMs: number;
    /** Power was off for at least the first and at most the second (the switches' latency between). */
    offBetweenMs: [number, number];
  };
}

/** How long a board stays unpowered for a clean power-on reset, unless the rig says `off-time`. */
export const DEFAULT_OFF_MS = 500;

/**
 * What a boot strap may do to the board it straps (a Board is one): switch its power off and on, the
 * boot not followed (the ROM loader's), or power-cycle it and follow the boot to its ready line.
 */
export interface PowerCycling {
  powerOffOn(step: string): Promise<PowerCut>;
  powerCycle(step: string): Promise<unknown>;
}

/** Gets the chip into its ROM loader and back out (a strap pin held through a reset). */
export interface BootStrap {
  readonly description: string;
  enter(board: PowerCycling): Promise<void>;
  leave(board: PowerCycling): Promise<void>;
  /** Back at rest (the strap released) without a reset: the bench's safe state. */
  rest(): Promise<void>;
  close(): Promise<void>;
}

/** What a boot strap driver may use besides its config: the board's console (DTR/RTS live there). */
export interface BootStrapContext {
  console: Console;
}

export type ConfigOf<F extends TProperties> = Static<TObject<F>>;
type Untyped = Record<string, unknown>;

interface About<F extends TProperties> {
  name: string;
  description: string;
  fields: F;
}
export interface RelayDriver<C = Untyped> extends About<TProperties> {
  kind: 'relay';
  open(config: C): Promise<Relay>;
  twin?: RelayTwin<C>;
}
export interface SupplyDriver<C = Untyped> extends About<TProperties> {
  kind: 'supply';
  open(config: C): Promise<Supply>;
  twin?: SupplyTwin<C>;
}
export interface BootStrapDriver<C = Untyped> extends About<TProperties> {
  kind: 'boot-strap';
  open(config: C, context: BootStrapContext): BootStrap;
}
export type Driver = RelayDriver | SupplyDriver | BootStrapDriver;

/** A driver file's way to declare itself, with its config typed from its own fields. */
export function relayDriver<F extends TProperties>(
  driver: About<F> & { open(config: ConfigOf<F>): Promise<Relay>; twin?: RelayTwin<ConfigOf<F>> },
): Driver {
  return { kind: 'relay', ...driver } as unknown as Driver;
}
export function supplyDriver<F extends TProperties>(
  driver: About<F> & { open(config: ConfigOf<F>): Promise<Supply>; twin?: SupplyTwin<ConfigOf<F>> },
): Driver {
  return { kind: 'supply', ...driver } as unknown as Driver;
}
export function bootStrapDriver<F extends TProperties>(
  driver: About<F> & { open(config: ConfigOf<F>, context: BootStrapContext): BootStrap },
): Driver {
  return { kind: 'boot-strap', ...driver } as unknown as Driver;
}
/** @deprecated since issue 28: bootStrapDriver (a driver on HIL_DRIVER_PATH written before still loads). */
export const strapDriver = bootStrapDriver;
