/**
 * The ESP32 ROM serial loader check: put the boot strap in the download position, reset, and speak
 * the loader's protocol on the console port. Download mode disabled (no SYNC answer) or Secure
 * Download Mode (READ_REG refused with error 0x05) pass; a loader that reads registers fails.
 */
import type { Board } from '../board.ts';
import {
  CHIP_MAGIC_REG,
  decodeResponse,
  decodeSecurityInfo,
  encodeCommand,
  OP,
  readRegCommand,
  ROM_INVALID_RECV_MSG,
  SYNC_DATA,
  type RomResponse,
} from '../wire/esp-rom.ts';
import { SlipDecoder, slipEncode } from '../wire/slip.ts';
import { sleep, type DownloadEntry } from './boot-strap.ts';
import { Arrivals } from './arrivals.ts';

const SYNC_ATTEMPTS = 7;
const REPLY_MS = 300;
const MAX_FRAMES = 32;

export type RomVerdict = 'disabled' | 'secure' | 'open' | 'cannot-tell';

export async function probeEspRom(
  board: Board,
  entry: DownloadEntry,
): Promise<{ verdict: RomVerdict; evidence: Record<string, unknown> }> {
  const mark = board.console.mark();
  await entry.enter(board);
  const decoder = new SlipDecoder();
  const responses: RomResponse[] = [];
  const exchanges: { sent: string; received: string[] }[] = [];
  const arrivals = new Arrivals();
  const unsubscribe = board.console.onBytes((chunk) => {
    for (const packet of decoder.push(chunk)) {
      // Bounded: a board that floods frames must not grow memory.
      const response = decodeResponse(packet);
      if (response && responses.length < MAX_FRAMES) responses.push(response);
      const received = exchanges.at(-1)?.received;
      if (received && received.length < MAX_FRAMES) received.push(packet.subarray(0, 64).toString('hex'));
    }
    arrivals.notify();
  });
  const ask = async (op: number, packet: Buffer): Promise<RomResponse | undefined> => {
    exchanges.push({ sent: packet.toString('hex'), received: [] });
    responses.length = 0;
    await board.console.write(slipEncode(packet));
    return arrivals.until(() => responses.find((r) => r.op === op), REPLY_MS);
  };
  try {
    let synced: RomResponse | undefined;
    for (let attempt = 0; attempt < SYNC_ATTEMPTS && !synced; attempt++)
      synced = await ask(OP.SYNC, encodeCommand(OP.SYNC, SYNC_DATA));
    const boot = board.console.linesSince(mark).slice(-6);
    if (!synced) {
      return {
        verdict: 'disabled',
        evidence: { entry: entry.description, sync: `no answer to ${SYNC_ATTEMPTS} SYNC packets`, boot },
      };
    }
    await sleep(100); // the ROM answers SYNC eight times; let the rest arrive before the next command
    const info = await ask(OP.GET_SECURITY_INFO, encodeCommand(OP.GET_SECURITY_INFO));
    const security = info && info.status === 0 ? decodeSecurityInfo(info.data) : undefined;
    const reg = await ask(OP.READ_REG, readRegCommand(CHIP_MAGIC_REG));
    const evidence = {
      entry: entry.description,
      boot,
      security:
        security ?? (info ? `refused (status ${info.status}, error 0x${info.error.toString(16)})` : 'no answer'),
      readReg: reg
        ? reg.status === 0
          ? `0x${CHIP_MAGIC_REG.toString(16)} read as 0x${reg.value.toString(16).padStart(8, '0')}`
          : `refused (status ${reg.status}, error 0x${reg.error.toString(16).padStart(2, '0')})`
        : 'no answer',
      exchanges: exchanges.slice(-4),
    };
    if (!reg) return { verdict: 'cannot-tell', evidence };
    if (reg.status === 0) return { verdict: 'open', evidence };
    return { verdict: reg.error === ROM_INVALID_RECV_MSG ? 'secure' : 'cannot-tell', evidence };
  } finally {
    unsubscribe();
    await entry.leave(board);
  }
}
