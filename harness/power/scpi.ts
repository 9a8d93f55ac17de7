/**
 * A bench supply over SCPI-99, on a raw TCP socket (LAN supplies listen on 5025) or a serial port.
 *
 *   power: { driver: scpi-tcp, host: 192.168.1.50, port: 5025, channel: 1, nominal: 3.3 }
 *   power: { driver: scpi-serial, port: /dev/ttyUSB3, baud: 9600, channel: 2, nominal: 3.3 }
 *
 * Commands: INST:NSEL n, VOLT v, OUTP ON|OFF, MEAS:VOLT?, and SYST:ERR? after every setting so an
 * instrument that refused a command is an error here, not a silent wrong voltage.
 */
import { parseErrorReply } from '../wire/scpi.ts';
import type { LineLink } from './line-link.ts';
import { cycleWith, DEFAULT_OFF_MS, type Supply } from './power.ts';

const REPLY = { terminator: '\n', timeoutMs: 2000 };

export class ScpiSupply implements Supply {
  constructor(
    private readonly link: LineLink,
    private readonly channel: number,
    readonly nominal: number,
    readonly offMs = DEFAULT_OFF_MS,
  ) {}

  get description(): string {
    return `SCPI supply ${this.link.description} channel ${this.channel}`;
  }

  async identify(): Promise<string> {
    return this.link.query('*IDN?\n', REPLY);
  }

  async on(): Promise<void> {
    await this.set(`INST:NSEL ${this.channel};VOLT ${this.nominal.toFixed(3)};OUTP ON`);
  }

  async off(): Promise<void> {
    await this.set(`INST:NSEL ${this.channel};OUTP OFF`);
  }

  cycle(offMs = this.offMs): Promise<void> {
    return cycleWith(this, offMs);
  }

  async setVoltage(volts: number): Promise<void> {
    await this.set(`INST:NSEL ${this.channel};VOLT ${volts.toFixed(3)}`);
  }

  async measureVoltage(): Promise<number> {
    const reply = await this.link.query(`INST:NSEL ${this.channel};MEAS:VOLT?\n`, REPLY);
    const volts = Number(reply);
    if (!Number.isFinite(volts)) throw new Error(`${this.description}: MEAS:VOLT? answered ${JSON.stringify(reply)}`);
    return volts;
  }

  close(): Promise<void> {
    return this.link.close();
  }

  private async set(commands: string): Promise<void> {
    await this.link.send(`${commands}\n`);
    const { code, message } = parseErrorReply(await this.link.query('SYST:ERR?\n', REPLY));
    if (code !== 0) throw new Error(`${this.description} refused "${commands}": ${code},"${message}"`);
  }
}
