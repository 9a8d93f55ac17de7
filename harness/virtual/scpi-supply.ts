/**
 * A virtual bench supply that speaks SCPI-99 over a raw TCP socket (as LAN supplies do on port
 * 5025) or, through a PTY, over serial. Channels drive virtual boards' supply pins.
 */
import {
  formatErrorReply,
  matchHeader,
  parseBoolean,
  parseUnit,
  parseVolts,
  splitMessage,
} from '../wire/scpi.ts';

export interface SupplyChannel {
  volts: number;
  on: boolean;
}

const MAX_VOLTS = 30;
const MAX_INPUT_LINE = 1024;

export class VirtualScpiSupply {
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

/** A line-at-a-time text protocol on a byte stream, bounded so a noisy host cannot grow memory. */
export function lineReader(onLine: (line: string) => void, max = MAX_INPUT_LINE * 4): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('latin1');
    let newline: number;
    while ((newline = pending.search(/\r?\n/)) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(pending[newline] === '\r' ? newline + 2 : newline + 1);
      onLine(line);
    }
    if (pending.length > max) pending = '';
  };
}
