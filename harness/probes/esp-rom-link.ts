/**
 * Talking to an Espressif ROM loader on the board's console: SLIP frames out, responses in, each
 * command waited on until the response with its opcode arrives or its deadline passes. The console
 * keeps capturing everything (boot chatter between frames stays in the log); what the link keeps is
 * bounded, since a board may flood frames.
 */
import type { Board } from '../board.ts';
import { HilError } from '../util/errors.ts';
import { decodeResponse, encodeCommand, OP, ROM_BANNER, type RomResponse, SYNC_DATA } from '../wire/esp-rom.ts';
import { SlipDecoder, slipEncode } from '../wire/slip.ts';
import { Arrivals } from './arrivals.ts';

const MAX_FRAMES = 32;
/** SYNCs sent before the loader is taken to be silent (esptool's connect tries as many), each waited on this long. */
export const SYNC_ATTEMPTS = 7;
const SYNC_REPLY_MS = 300;
/** A gap this long after the first SYNC reply means the other seven have arrived. */
const SYNC_QUIET_MS = 15;
/** How long the ROM gets to print its banner and `waiting for download` after the strap reset. */
const LISTENING_MS = 500;
/** The largest frame the ROM sends (a status, an MD5); a flash data block from the host is 1 KiB. */
const MAX_PACKET = 4096;

export interface RomExchange {
  sent: string;
  received: string[];
}

export class RomLink {
  /** The last exchanges, hex and cut to 64 bytes a frame, for evidence. */
  readonly exchanges: RomExchange[] = [];
  private readonly responses: RomResponse[] = [];
  private readonly arrivals = new Arrivals();
  private readonly unsubscribe: () => void;

  constructor(private readonly board: Board) {
    const decoder = new SlipDecoder(MAX_PACKET);
    this.unsubscribe = board.console.onBytes((chunk) => {
      for (const packet of decoder.push(chunk)) {
        const response = decodeResponse(packet);
        if (response && this.responses.length < MAX_FRAMES) this.responses.push(response);
        const received = this.exchanges.at(-1)?.received;
        if (received && received.length < MAX_FRAMES) received.push(packet.subarray(0, 64).toString('hex'));
      }
      this.arrivals.notify();
    });
  }

  /** Send one command packet; the response to `op`, or undefined once `timeoutMs` has passed. */
  async ask(op: number, packet: Buffer, timeoutMs: number): Promise<RomResponse | undefined> {
    this.exchanges.push({ sent: packet.subarray(0, 64).toString('hex'), received: [] });
    if (this.exchanges.length > MAX_FRAMES) this.exchanges.shift();
    this.responses.length = 0;
    await this.board.console.write(slipEncode(packet));
    return this.arrivals.until(() => this.responses.find((r) => r.op === op), timeoutMs);
  }

  /**
   * After the strap reset at `mark`: wait for the ROM to be listening, then SYNC until it answers;
   * whether it did. The ROM answers SYNC eight times: the rest arrive before the next command.
   */
  async sync(mark: number): Promise<boolean> {
    await romListening(this.board, mark);
    let synced: RomResponse | undefined;
    for (let attempt = 0; attempt < SYNC_ATTEMPTS && !synced; attempt++)
      synced = await this.ask(OP.SYNC, encodeCommand(OP.SYNC, SYNC_DATA), SYNC_REPLY_MS);
    if (synced) await this.board.console.waitQuiet(SYNC_QUIET_MS, 100);
    return synced !== undefined;
  }

  close(): void {
    this.unsubscribe();
  }
}

/**
 * A SYNC sent while the ROM still prints (its banner, `waiting for download`) is lost, and costs a
 * reply window: wait for the banner and for the whole line after it, which is `waiting for download`
 * when the loader listens. Whatever the line (a ROM with download disabled goes on to boot), or none
 * in time, the SYNCs find out the rest.
 */
async function romListening(board: Board, mark: number): Promise<void> {
  const banner = await board.console
    .expect(ROM_BANNER, { timeout: LISTENING_MS, step: 'ROM loader: banner', since: mark, allowCrash: true })
    .catch((error: unknown) => {
      if (!(error instanceof HilError)) throw error;
      return undefined;
    });
  if (!banner) return;
  const ended = () => board.console.lineCount > banner.index + 1;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, LISTENING_MS);
    // The console splits each chunk into lines before this listener runs (it listened first).
    const off = board.console.onBytes(() => ended() && done());
    if (ended()) done();
  });
}
