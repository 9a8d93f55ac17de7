/**
 * A bench supply over SCPI-99, on a raw TCP socket (LAN supplies listen on 5025) or a serial port:
 *
 *   power: { driver: scpi-tcp, host: 192.168.1.50, port: 5025, channel: 1, nominal: 3.3 }
 *   power: { driver: scpi-serial, port: /dev/ttyUSB3, baud: 9600, channel: 2, nominal: 3.3 }
 *
 * Commands: INST:NSEL n, VOLT v, OUTP ON|OFF, MEAS:VOLT?, and SYST:ERR? after every setting so an
 * instrument that refused a command is an error here, not a silent wrong voltage. The twin is a
 * two-channel supply speaking the same SCPI from the far side of the socket or PTY.
 */
import type { Socket } from 'node:net';
import { Type } from '../../config/typebox.ts';
import { Baud, Channel, SerialPath, TcpPort, Voltage } from '../../config/atoms.ts';
import { serialStream } from '../../util/serial-stream.ts';
import { tcpStream } from '../../util/tcp.ts';
import { lineReader } from '../../wire/lines.ts';
import {
  formatErrorReply,
  matchHeader,
  parseBoolean,
  parseErrorReply,
  parseIdentification,
  parseUnit,
  parseVolts,
  splitMessage,
} from '../../wire/scpi.ts';
import type { SupplyTwin, TwinHost } from '../../virtual/twin.ts';
import { type Supply, supplyDriver } from '../driver.ts';
import { LineLink } from '../line-link.ts';

const REPLY = { terminator: '\n', timeoutMs: 2000 };

export class ScpiSupply implements Supply {
  constructor(
    private readonly link: LineLink,
    private readonly channel: number,
    readonly nominal: number,
  ) {}

  get description(): string {
    return `SCPI supply ${this.link.description} channel ${this.channel}`;
  }

  async identify(): Promise<string> {
    const reply = await this.link.query('*IDN?\n', REPLY);
    parseIdentification(reply);
    return reply;
  }

  async on(): Promise<void> {
    await this.set(`INST:NSEL ${this.channel};VOLT ${this.nominal.toFixed(3)};OUTP ON`);
  }

  async off(): Promise<void> {
    await this.set(`INST:NSEL ${this.channel};OUTP OFF`);
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

interface SupplyChannel {
  volts: number;
  on: boolean;
}

const MAX_VOLTS = 30;
const MAX_INPUT_LINE = 1024;

class VirtualScpiSupply {
  readonly channels: SupplyChannel[];
  private selected = 0;
  private readonly errors: { code: number; message: string }[] = [];

  constructor(
    channelCount: number,
    private readonly onChange: (channel: number, output: number) => void,
    private readonly identity = 'HIL,Virtual Supply VS-3005,0001,1.0',
  ) {
    this.channels = Array.from({ length: channelCount }, () => ({ volts: 0, on: false }));
  }

  /** One line from the host; returns the reply lines for queries. */
  handle(line: string): string[] {
    if (line.length > MAX_INPUT_LINE) {
      this.error(-223, 'Too much data');
      return [];
    }
    const replies: string[] = [];
    for (const text of splitMessage(line)) {
      const unit = parseUnit(text);
      const reply = this.execute(unit);
      if (reply !== undefined) replies.push(reply);
    }
    return replies;
  }

  private execute(unit: ReturnType<typeof parseUnit>): string | undefined {
    const channel = this.channels[this.selected]!;
    let suffix: number[] | undefined;
    if (matchHeader('*IDN?', unit)) return this.identity;
    if (matchHeader('*RST', unit)) {
      this.channels.forEach((c, i) => {
        c.volts = 0;
        c.on = false;
        this.onChange(i + 1, 0);
      });
      return undefined;
    }
    if (matchHeader('SYSTem:ERRor[:NEXT]?', unit)) {
      const next = this.errors.shift();
      return next ? formatErrorReply(next.code, next.message) : formatErrorReply(0, 'No error');
    }
    if ((suffix = matchHeader('INSTrument[:NSELect]', unit))) {
      const n = Number(unit.params[0]);
      if (!Number.isInteger(n) || n < 1 || n > this.channels.length) return this.error(-222, 'Data out of range');
      this.selected = n - 1;
      return undefined;
    }
    if (matchHeader('INSTrument[:NSELect]?', unit)) return String(this.selected + 1);
    if (matchHeader('[SOURce]:VOLTage[:LEVel][:IMMediate][:AMPLitude]', unit)) {
      const volts = parseVolts(unit.params[0]);
      if (volts === undefined) return this.error(-104, 'Data type error');
      if (volts < 0 || volts > MAX_VOLTS) return this.error(-222, 'Data out of range');
      channel.volts = volts;
      this.apply();
      return undefined;
    }
    if (matchHeader('[SOURce]:VOLTage[:LEVel][:IMMediate][:AMPLitude]?', unit)) return channel.volts.toFixed(3);
    if (matchHeader('OUTPut[:STATe]', unit)) {
      const on = parseBoolean(unit.params[0]);
      if (on === undefined) return this.error(-104, 'Data type error');
      channel.on = on;
      this.apply();
      return undefined;
    }
    if (matchHeader('OUTPut[:STATe]?', unit)) return channel.on ? '1' : '0';
    if (matchHeader('MEASure[:SCALar]:VOLTage[:DC]?', unit)) return (channel.on ? channel.volts : 0).toFixed(3);
    return this.error(-113, 'Undefined header');
  }

  private apply(): void {
    const channel = this.channels[this.selected]!;
    this.onChange(this.selected + 1, channel.on ? channel.volts : 0);
  }

  private error(code: number, message: string): undefined {
    if (this.errors.length < 20) this.errors.push({ code, message });
    return undefined;
  }
}

const DEFAULT_NOMINAL = 3.3;
const supplyFields = {
  channel: Type.Optional(Channel),
  nominal: Type.Optional({ ...Voltage, description: 'the voltage the board runs at (default 3.3)' }),
};

/** The twin: one supply whose selected channel drives the board's supply pin. */
const twin = (
  serve: (host: TwinHost, name: string, handler: (socket: Socket) => void) => Promise<Record<string, unknown>>,
) =>
  (async (config, host, output) => {
    const channel = config.channel ?? 1;
    const supply = new VirtualScpiSupply(Math.max(channel, 2), (ch, volts) => {
      if (ch === channel) output(volts);
    });
    return serve(host, 'supply', (socket) => {
      socket.on(
        'data',
        lineReader((line) => {
          for (const reply of supply.handle(line)) socket.write(`${reply}\n`);
        }),
      );
      socket.on('error', () => undefined);
    });
  }) satisfies SupplyTwin<{ channel?: number }>;

export default [
  supplyDriver({
    name: 'scpi-tcp',
    description: 'a SCPI bench supply on a raw TCP socket (LAN supplies: port 5025)',
    fields: { host: Type.String({ minLength: 1 }), port: TcpPort, ...supplyFields },
    open: async (c) => {
      if (typeof c.port !== 'number') throw new Error('scpi-tcp power needs a port number');
      const link = new LineLink(await tcpStream(c.host, c.port), `${c.host}:${c.port}`);
      return new ScpiSupply(link, c.channel ?? 1, c.nominal ?? DEFAULT_NOMINAL);
    },
    twin: twin(async (host, _name, handler) => ({ port: await host.tcp(handler) })),
  }),
  supplyDriver({
    name: 'scpi-serial',
    description: 'a SCPI bench supply on a serial port',
    fields: { port: SerialPath, baud: Type.Optional(Baud), ...supplyFields },
    open: async (c) => {
      const link = new LineLink(await serialStream(c.port, c.baud ?? 9600), c.port);
      return new ScpiSupply(link, c.channel ?? 1, c.nominal ?? DEFAULT_NOMINAL);
    },
    twin: twin(async (host, name, handler) => ({ port: await host.pty(name, handler) })),
  }),
];
