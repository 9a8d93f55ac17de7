/**
 * LCUS-type serial relay boards (a CH340 USB-UART and a small MCU; 1, 2, 4 or 8 channels), 9600 8N1:
 *
 *   power: { driver: lcus, port: /dev/ttyUSB3, channel: 1 }
 *
 * A command is four bytes, `A0 <channel> <state> <sum>` with state 01 on, 00 off and the sum of the
 * first three bytes (`A0 01 01 A2` closes relay 1, `A0 01 00 A1` opens it). The boards do not
 * answer commands; the multi-channel ones answer `FF` with one text line per channel
 * (`CH1: ON`). Commands are spaced by 50 ms: the board's MCU drops one that comes sooner.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '../../config/typebox.ts';
import { Baud, Channel, SerialPath } from '../../config/atoms.ts';
import { serialStream } from '../../util/serial-stream.ts';
import { type Relay, relayDriver } from '../driver.ts';
import { LineLink } from '../line-link.ts';

const BAUD = 9600;
const COMMAND_GAP_MS = 50;

/** The four bytes that set `channel` (1-8) to `closed`. */
export function lcusCommand(channel: number, closed: boolean): Buffer {
  const bytes = [0xa0, channel, closed ? 0x01 : 0x00];
  return Buffer.from([...bytes, bytes.reduce((a, b) => a + b, 0) & 0xff]);
}

export class LcusRelay implements Relay {
  constructor(
    private readonly link: LineLink,
    private readonly channel: number,
  ) {}

  get description(): string {
    return `LCUS relay ${this.link.description} #${this.channel}`;
  }

  on(): Promise<void> {
    return this.set(true);
  }

  off(): Promise<void> {
    return this.set(false);
  }

  /** The board's own report (`FF` query): boards that cannot report (LCUS-1) say nothing, and that is an error here. */
  async state(): Promise<boolean> {
    const reply = await this.link.query('\xff', { quietMs: 100, timeoutMs: 1000 }).catch((error: Error) => {
      throw new Error(
        `${this.description}: it does not report its state (the single-relay boards never do): ${error.message}`,
      );
    });
    const m = new RegExp(`CH${this.channel}:\\s*(ON|OFF)`, 'i').exec(reply);
    if (!m) throw new Error(`${this.description}: the FF query answered ${JSON.stringify(reply.slice(0, 80))}`);
    return m[1]!.toUpperCase() === 'ON';
  }

  close(): Promise<void> {
    return this.link.close();
  }

  private async set(closed: boolean): Promise<void> {
    await this.link.send(lcusCommand(this.channel, closed).toString('latin1'));
    await sleep(COMMAND_GAP_MS);
  }
}

export default relayDriver({
  name: 'lcus',
  description: 'an LCUS-type USB serial relay board (A0 channel state sum)',
  fields: {
    port: SerialPath,
    baud: Type.Optional(Baud),
    channel: Type.Optional({ ...Channel, description: 'the relay, from 1 (default 1)' }),
  },
  open: async (c) => new LcusRelay(new LineLink(await serialStream(c.port, c.baud ?? BAUD), c.port), c.channel ?? 1),

  /** The twin: a 4-channel board on a PTY; a frame with a wrong sum is ignored, as the board ignores it. */
  twin: async (c, host, contact) => {
    const channel = c.channel ?? 1;
    const relays = [false, false, false, false];
    let pending = Buffer.alloc(0);
    const path = await host.pty('lcus', (socket) => {
      socket.on('error', () => undefined);
      socket.on('data', async (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          if (pending[0] === 0xff) {
            pending = pending.subarray(1);
            socket.write(relays.map((on, i) => `CH${i + 1}: ${on ? 'ON' : 'OFF'}\r\n`).join(''));
            continue;
          }
          const start = pending.indexOf(0xa0);
          if (start === -1 || pending.length - start < 4) {
            pending = start === -1 ? Buffer.alloc(0) : pending.subarray(start);
            break;
          }
          const frame = pending.subarray(start, start + 4);
          pending = pending.subarray(start + 4);
          const [, n, state, sum] = frame;
          if (((0xa0 + n! + state!) & 0xff) !== sum || n! < 1 || n! > relays.length || state! > 1) continue;
          relays[n! - 1] = state === 1;
          if (n === channel) await contact(state === 1);
        }
      });
    });
    return { port: path };
  },
});
