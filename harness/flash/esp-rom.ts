/**
 * Flashing through the Espressif ROM loader, as esptool does with no stub: the boot strap in the
 * download position and a reset, SYNC, SPI_ATTACH, FLASH_DEFL_BEGIN (the ROM erases the region
 * before it answers: 40 s/MB), the zlib stream in 1 KiB blocks (each written before its answer),
 * then SPI_FLASH_MD5 over the region, compared with the MD5 of the file. FLASH_DEFL_END is not
 * sent (it would make the ROM run the application at once); the strap is released and the board
 * power-cycled into what was written. A ROM in Secure Download Mode takes no compressed write and
 * gives no hash to verify by: this path is then not offered, with the ROM's own refusal as reason.
 */
import { createHash } from 'node:crypto';
import type { Board } from '../board.ts';
import { RomLink, SYNC_ATTEMPTS } from '../probes/esp-rom-link.ts';
import {
  type BeginWords,
  dataCommand,
  deadlinePerMb,
  deflatedBlocks,
  deflBeginCommand,
  ERASE_WRITE_MS_PER_MB,
  MD5_MS_PER_MB,
  md5Command,
  md5FromReply,
  ROM_BLOCK,
  ROM_ERRORS,
  spiAttachCommand,
} from '../wire/esp-flash.ts';
import { OP, ROM_INVALID_RECV_MSG, type RomResponse } from '../wire/esp-rom.ts';
import type { FlashOutcome, Progress } from './outcome.ts';

/** esptool's default for a command that does no flash work. */
const COMMAND_MS = 3000;
/** The ESP32's ROM takes four words in FLASH_DEFL_BEGIN (later ROMs five). */
const ESP32_BEGIN_WORDS: BeginWords = 4;

const said = (r: RomResponse) =>
  `status ${r.status}, error 0x${r.error.toString(16).padStart(2, '0')} (${ROM_ERRORS.get(r.error) ?? 'unknown'})`;

export async function flashEspRom(
  board: Board,
  image: Buffer,
  offset: number,
  progress: Progress,
): Promise<FlashOutcome> {
  const bootStrap = board.bootStrap;
  if (!bootStrap) return { unavailable: 'the rig wires no boot strap to put the ESP32 in download mode' };
  const step = 'flash: ESP ROM loader';
  const mark = board.console.mark();
  progress(`${step}: boot strap (${bootStrap.description}), reset into download mode`);
  await bootStrap.enter(board);
  const link = new RomLink(board);
  let left = false;
  const leave = async () => {
    left = true;
    link.close();
    await bootStrap.leave(board);
  };
  try {
    if (!(await link.sync(mark))) {
      await leave();
      return { unavailable: `no answer to ${SYNC_ATTEMPTS} SYNC packets: download mode is disabled or not reached` };
    }
    const fail = (what: string, expected: string, seen: string) =>
      board.failure(
        `${step}: ${what}`,
        expected,
        `${seen}; the board is left in its ROM loader until the bench is put at rest`,
      );
    const ask = async (op: number, packet: Buffer, ms: number, what: string) => {
      const answer = await link.ask(op, packet, ms);
      if (!answer) throw fail(what, `an answer within ${ms} ms`, 'none');
      return answer;
    };
    const attach = await ask(OP.SPI_ATTACH, spiAttachCommand(), COMMAND_MS, 'SPI_ATTACH');
    if (attach.status !== 0) throw fail('SPI_ATTACH', 'the flash attached', said(attach));
    const { compressedSize, blocks } = deflatedBlocks(image);
    const eraseMs = deadlinePerMb(ERASE_WRITE_MS_PER_MB, image.length);
    progress(`${step}: erase ${image.length} bytes at 0x${offset.toString(16)} (deadline ${eraseMs} ms)`);
    const begin = await ask(
      OP.FLASH_DEFL_BEGIN,
      deflBeginCommand(image.length, compressedSize, offset, ESP32_BEGIN_WORDS),
      eraseMs,
      'FLASH_DEFL_BEGIN',
    );
    if (begin.status !== 0 && begin.error === ROM_INVALID_RECV_MSG) {
      await leave();
      return {
        unavailable: `the ROM refused a compressed write (${said(begin)}): Secure Download Mode, which gives no hash to verify a write by`,
      };
    }
    if (begin.status !== 0) throw fail('FLASH_DEFL_BEGIN', 'the region erased', said(begin));
    // Each block is written before the ROM answers: the deadline follows what it inflates to.
    const blockMs = deadlinePerMb(ERASE_WRITE_MS_PER_MB, Math.ceil((image.length * ROM_BLOCK) / compressedSize));
    for (const [seq, block] of blocks.entries()) {
      const answer = await ask(
        OP.FLASH_DEFL_DATA,
        dataCommand(OP.FLASH_DEFL_DATA, seq, block),
        blockMs,
        `block ${seq + 1}/${blocks.length}`,
      );
      if (answer.status !== 0) throw fail(`block ${seq + 1}/${blocks.length}`, 'the block written', said(answer));
      if ((seq + 1) % 16 === 0 || seq === blocks.length - 1)
        progress(`${step}: ${seq + 1}/${blocks.length} blocks written`);
    }
    const md5Ms = deadlinePerMb(MD5_MS_PER_MB, image.length);
    const md5 = await ask(OP.SPI_FLASH_MD5, md5Command(offset, image.length), md5Ms, 'SPI_FLASH_MD5');
    const expected = createHash('md5').update(image).digest('hex');
    const seen = md5.status === 0 ? md5FromReply(md5.data) : undefined;
    if (seen !== expected)
      throw fail(
        'verify',
        `the flash's MD5 over ${image.length} bytes at 0x${offset.toString(16)} to be ${expected}`,
        seen ?? said(md5),
      );
    progress(`${step}: verified (MD5 ${expected})`);
    await leave();
    return { written: { path: 'esp-rom', verifiedBy: `the ROM's SPI_FLASH_MD5 over the region: ${expected}`, offset } };
  } finally {
    if (!left) {
      link.close();
      // The strap is released whatever happened; the board stays in its loader until its next reset.
      await bootStrap.rest().catch(() => undefined);
    }
  }
}
