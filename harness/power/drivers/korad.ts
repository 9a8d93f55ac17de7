/**
 * Korad KA3005P (and its RND/Tenma clones) over its USB virtual COM port, 9600 8N1:
 *
 *   power: { driver: korad, port: /dev/ttyACM0, nominal: 3.3 }
 *
 * The protocol has no terminators: `VSET1:3.30`, `OUT1`/`OUT0`, `VOUT1?` answers five characters
 * (`03.30`). The instrument drops a command that arrives within about 50 ms of the previous one,
 * so settings are spaced by that much (protocol notes in REFERENCE.md 7.1). The twin recognises
 * commands as they complete in the byte stream, the way the instrument does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '../../config/typebox.ts';
import { Baud, SerialPath, Voltage } from '../../config/atoms.ts';
import { serialStream } from '../../util/serial-stream.ts';
import { type Supply, supplyDriver } from '../driver.ts';
import { LineLink } from '../line-link.ts';

export const KORAD_BAUD = 9600;
const COMMAND_GAP_MS = 50;

export class KoradSupply implements Supply {
  constructor(
    private readonly link: LineLink,
    readonly nominal: number,
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
    await sleep(COMMAND_GAP_MS);
  }
}

/** The twin: the instrument's command parser and output. */
const COMMANDS: { pattern: RegExp; run: (k: VirtualKorad, m: RegExpExecArray) => string | undefined }[] = [
  { pattern: /^\*IDN\?/, run: () => 'KORAD KA3005P V5.8 SN:HIL00001' },
  { pattern: /^VSET1:(\d{1,2}\.\d{2})/, run: (k, m) => k.setVolts(Number(m[1])) },
  { pattern: /^VSET1\?/, run: (k) => k.volts.toFixed(2).padStart(5, '0') },
  { pattern: /^VOUT1\?/, run: (k) => (k.on ? k.volts : 0).toFixed(2).padStart(5, '0') },
  { pattern: /^ISET1:(\d\.\d{3})/, run: () => undefined },
  { pattern: /^IOUT1\?/, run: (k) => (k.on ? '0.120' : '0.000') },
  { pattern: /^OUT([01])/, run: (k, m) => k.setOutput(m[1] === '1') },
  // STATUS? is one binary byte: bit0 CV, bit6 output on (KA3005P protocol notes).
  { pattern: /^STATUS\?/, run: (k) => String.fromCharCode(0x01 | (k.on ? 0x40 : 0)) },
];

class VirtualKorad {
  volts = 0;
  on = false;
  private pending = '';

  constructor(private readonly onChange: (output: number) => void) {}

  /** Bytes from the host; returns reply bytes. */
  handle(chunk: Buffer): string {
    this.pending += chunk.toString('latin1').replace(/[\r\n]/g, '');
    let reply = '';
    for (;;) {
      const hit = COMMANDS.map((c) => ({ c, m: c.pattern.exec(this.pending) })).find((x) => x.m);
      if (!hit?.m) break;
      this.pending = this.pending.slice(hit.m[0].length);
      reply += hit.c.run(this, hit.m) ?? '';
    }
    // Garbage that can never start a command is discarded, as the instrument's parser does.
    if (this.pending.length > 32) this.pending = '';
    return reply;
  }

  setVolts(volts: number): undefined {
    this.volts = Math.min(volts, 31);
    this.onChange(this.on ? this.volts : 0);
    return undefined;
  }

  setOutput(on: boolean): undefined {
    this.on = on;
    this.onChange(this.on ? this.volts : 0);
    return undefined;
  }
}

export default supplyDriver({
  name: 'korad',
  description: 'a Korad KA3005P supply (or a clone) on its USB serial port',
  fields: {
    port: SerialPath,
    baud: Type.Optional(Baud),
    nominal: Type.Optional({ ...Voltage, description: 'the voltage the board runs at (default 3.3)' }),
  },
  open: async (c) => {
    const link = new LineLink(await serialStream(c.port, c.baud ?? KORAD_BAUD), c.port);
    return new KoradSupply(link, c.nominal ?? 3.3);
  },
  twin: async (_config, host, output) => {
    const korad = new VirtualKorad(output);
    const port = await host.pty('korad', (socket) => {
      socket.on('data', (chunk: Buffer) => {
        const reply = korad.handle(chunk);
        if (reply) socket.write(Buffer.from(reply, 'latin1'));
      });
      socket.on('error', () => undefined);
    });
    return { port };
  },
});
