/**
 * Korad KA3005P (and its RND/Tenma clones) over its USB virtual COM port, 9600 8N1:
 *
 *   power: { driver: korad, port: /dev/ttyACM0, nominal: 3.3 }
 *
 * The protocol has no terminators: `VSET1:3.30`, `OUT1`/`OUT0`, `VOUT1?` answers five characters
 * (`03.30`). The instrument drops a command that arrives within about 50 ms of the previous one,
 * so settings are spaced by that much (protocol notes in REFERENCE.md 7.1).
 */
import type { LineLink } from './line-link.ts';
import { cycleWith, DEFAULT_OFF_MS, type Supply } from './power.ts';

export const KORAD_BAUD = 9600;
const COMMAND_GAP_MS = 50;

export class KoradSupply implements Supply {
  constructor(
    private readonly link: LineLink,
    readonly nominal: number,
    readonly offMs = DEFAULT_OFF_MS,
  ) {}

  get description(): string {
    return `Korad supply ${this.link.description}`;
  }

  async identify(): Promise<string> {
    return this.link.query('*IDN?', { quietMs: 100, timeoutMs: 2000 });
  }

  async on(): Promise<void> {
    await this.command(`VSET1:${this.nominal.toFixed(2)}`);
    await this.command('OUT1');
  }

  async off(): Promise<void> {
    await this.command('OUT0');
  }

  cycle(offMs = this.offMs): Promise<void> {
    return cycleWith(this, offMs);
  }

  async setVoltage(volts: number): Promise<void> {
    await this.command(`VSET1:${volts.toFixed(2)}`);
  }

  async measureVoltage(): Promise<number> {
    const reply = await this.link.query('VOUT1?', { length: 5, timeoutMs: 2000 });
    const volts = Number(reply);
    if (!Number.isFinite(volts)) throw new Error(`${this.description}: VOUT1? answered ${JSON.stringify(reply)}`);
    return volts;
  }

  close(): Promise<void> {
    return this.link.close();
  }

  private async command(text: string): Promise<void> {
    await this.link.send(text);
    await new Promise((resolve) => setTimeout(resolve, COMMAND_GAP_MS));
  }
}
