/**
 * One power interface for every way a board gets power. A relay can switch; a supply can also set
 * and measure its voltage (brown-out tests need that).
 */
export interface Power {
  readonly description: string;
  /** How long the board must stay unpowered for a clean power-on reset (the rig's off-time). */
  readonly offMs: number;
  on(): Promise<void>;
  off(): Promise<void>;
  /** Off, wait `offMs` (default: the rig's off-time), on. */
  cycle(offMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface Supply extends Power {
  readonly nominal: number;
  setVoltage(volts: number): Promise<void>;
  measureVoltage(): Promise<number>;
}

export function isSupply(power: Power): power is Supply {
  return 'setVoltage' in power;
}

export const DEFAULT_OFF_MS = 500;

export async function cycleWith(power: Power, offMs: number): Promise<void> {
  await power.off();
  await new Promise((resolve) => setTimeout(resolve, offMs));
  await power.on();
}
