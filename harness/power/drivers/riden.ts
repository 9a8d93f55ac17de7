/**
 * A Riden RD60xx bench supply (RD6006, RD6006P, RD6012, RD6018) over Modbus RTU on its USB serial
 * port, 115200 8N1, unit address 1 by default (both settable on the front panel):
 *
 *   power: { driver: riden, port: /dev/ttyUSB2, baud: 115200, address: 1, nominal: 3.3 }
 *
 * Holding registers (REFERENCE.md 7.1): 0 model id, 1-2 serial number, 3 firmware, 8 V_SET,
 * 10 V_OUT, 18 output enable. Voltages are in hundredths of a volt (thousandths on the RD6006P,
 * model id 60065). Every write is echoed by the supply and checked; an exception reply is an
 * error naming it. The twin answers as an RD6006 from the far side of a PTY.
 */
import type { Socket } from 'node:net';
import { Type } from '../../config/typebox.ts';
import { Baud, SerialPath, Voltage } from '../../config/atoms.ts';
import { serialStream } from '../../util/serial-stream.ts';
import {
  exceptionReply,
  parseReply,
  READ_HOLDING,
  readHoldingReply,
  readHoldingRequest,
  replyLength,
  type Request,
  takeRequest,
  WRITE_SINGLE,
  writeSingleRequest,
} from '../../wire/modbus.ts';
import { type Supply, supplyDriver } from '../driver.ts';
import { LineLink } from '../line-link.ts';

const REG = { id: 0, serialHigh: 1, serialLow: 2, firmware: 3, vSet: 8, vOut: 10, iOut: 11, vIn: 14, output: 18 };
const REPLY_TIMEOUT_MS = 1000;
const RD6006P = 60065;

export class RidenSupply implements Supply {
  private model: number | undefined;

  constructor(
    private readonly link: LineLink,
    private readonly unit: number,
    readonly nominal: number,
  ) {}

  get description(): string {
    return `Riden supply ${this.link.description} unit ${this.unit}`;
  }

  async identify(): Promise<string> {
    const [id, high, low, firmware] = await this.read(REG.id, 4);
    this.model = id!;
    const name = id === RD6006P ? 'RD6006P' : `RD${Math.floor(id! / 10)}`;
    return `Riden ${name} (model ${id}) SN ${(high! << 16) | low!} firmware ${(firmware! / 100).toFixed(2)}`;
  }

  async on(): Promise<void> {
    await this.setVoltage(this.nominal);
    await this.write(REG.output, 1);
  }

  async off(): Promise<void> {
    await this.write(REG.output, 0);
  }

  async setVoltage(volts: number): Promise<void> {
    await this.write(REG.vSet, Math.round(volts * (await this.scale())));
  }

  async measureVoltage(): Promise<number> {
    const [raw] = await this.read(REG.vOut, 1);
    return raw! / (await this.scale());
  }

  close(): Promise<void> {
    return this.link.close();
  }

  /** Volts to register units: the model says (read once). */
  private async scale(): Promise<number> {
    if (this.model === undefined) [this.model] = await this.read(REG.id, 1);
    return this.model === RD6006P ? 1000 : 100;
  }

  private read(address: number, count: number): Promise<number[]> {
    return this.exchange(readHoldingRequest(this.unit, address, count));
  }

  private async write(address: number, value: number): Promise<void> {
    await this.exchange(writeSingleRequest(this.unit, address, value));
  }

  private async exchange(request: Buffer): Promise<number[]> {
    const reply = await this.link.query(request.toString('latin1'), {
      lengthOf: (received) => replyLength(request, received),
      timeoutMs: REPLY_TIMEOUT_MS,
    });
    try {
      return parseReply(request, Buffer.from(reply, 'latin1'));
    } catch (error) {
      throw new Error(`${this.description}: ${request.toString('hex')} answered: ${(error as Error).message}`);
    }
  }
}

/** The twin: an RD6006's registers behind a Modbus RTU server. */
class VirtualRiden {
  private readonly registers = new Uint16Array(64);
  private input: Buffer = Buffer.alloc(0);

  constructor(
    private readonly unit: number,
    private readonly output: (volts: number) => void,
  ) {
    this.registers.set([60062, 0, 4242, 128], REG.id);
    this.registers[REG.vIn] = 2400;
  }

  handle(chunk: Buffer): Buffer {
    this.input = Buffer.concat([this.input, chunk]).subarray(-256);
    const replies: Buffer[] = [];
    for (;;) {
      const { request, rest } = takeRequest(this.input);
      if (rest.length === this.input.length && !request) break;
      this.input = rest;
      if (request && request.unit === this.unit) replies.push(this.answer(request));
    }
    return Buffer.concat(replies);
  }

  private answer(request: Request): Buffer {
    const r = this.registers;
    if ('unsupported' in request) return exceptionReply(this.unit, request.fn, 1);
    if (request.fn === READ_HOLDING) {
      if (request.address + request.count > r.length) return exceptionReply(this.unit, READ_HOLDING, 2);
      r[REG.vOut] = r[REG.output] ? r[REG.vSet]! : 0;
      r[REG.iOut] = r[REG.output] ? 120 : 0;
      return readHoldingReply(this.unit, [...r.subarray(request.address, request.address + request.count)]);
    }
    if (request.address >= r.length) return exceptionReply(this.unit, WRITE_SINGLE, 2);
    if (request.address === REG.vSet && request.value > 6000) return exceptionReply(this.unit, WRITE_SINGLE, 3);
    r[request.address] = request.value;
    if (request.address === REG.vSet || request.address === REG.output)
      this.output(r[REG.output] ? r[REG.vSet]! / 100 : 0);
    return writeSingleRequest(this.unit, request.address, request.value);
  }
}

export default supplyDriver({
  name: 'riden',
  description: 'a Riden RD60xx supply over Modbus RTU on its USB serial port',
  fields: {
    port: SerialPath,
    baud: Type.Optional(Baud),
    address: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 247, description: 'the Modbus unit address (default 1)' }),
    ),
    nominal: Type.Optional({ ...Voltage, description: 'the voltage the board runs at (default 3.3)' }),
  },
  open: async (c) => {
    const link = new LineLink(await serialStream(c.port, c.baud ?? 115200), c.port);
    return new RidenSupply(link, c.address ?? 1, c.nominal ?? 3.3);
  },
  twin: async (c, host, output) => {
    const riden = new VirtualRiden(c.address ?? 1, output);
    const port = await host.pty('riden', (socket: Socket) => {
      socket.on('data', (chunk: Buffer) => {
        const reply = riden.handle(chunk);
        if (reply.length > 0) socket.write(reply);
      });
      socket.on('error', () => undefined);
    });
    return { port };
  },
});
