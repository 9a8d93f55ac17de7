/**
 * The ESP32 ROM serial loader check: put the boot strap in the download position, reset, and speak
 * the loader's protocol on the console port. A loader that reads registers fails; Secure Download
 * Mode (READ_REG refused with error 0x05) passes. Download mode disabled (no answer to SYNC) passes
 * only with a positive control: the ROM's banner shows it sampled the download strapping, so the
 * strap reached GPIO0 and the console path is live, and it did not go on to wait for a download.
 */
import type { Board } from '../board.ts';
import type { BootStrap } from '../power/driver.ts';
import { fail, inconclusive, type Outcome, pass } from '../verdict.ts';
import {
  CHIP_MAGIC_REG,
  DOWNLOAD_BOOT_MODE,
  decodeSecurityInfo,
  encodeCommand,
  OP,
  ROM_BANNER,
  ROM_INVALID_RECV_MSG,
  readRegCommand,
  WAITING_FOR_DOWNLOAD,
} from '../wire/esp-rom.ts';
import { RomLink, SYNC_ATTEMPTS } from './esp-rom-link.ts';

const REPLY_MS = 300;

export async function probeEspRom(board: Board, bootStrap: BootStrap): Promise<Outcome> {
  const mark = board.console.mark();
  await bootStrap.enter(board);
  const link = new RomLink(board);
  const ask = (op: number, packet: Buffer) => link.ask(op, packet, REPLY_MS);
  try {
    const synced = await link.sync(mark);
    const lines = board.console.linesSince(mark);
    const boot = lines.slice(-6);
    if (!synced) return judgeSilence(lines, bootStrap.description);
    const info = await ask(OP.GET_SECURITY_INFO, encodeCommand(OP.GET_SECURITY_INFO));
    const security = info && info.status === 0 ? decodeSecurityInfo(info.data) : undefined;
    const reg = await ask(OP.READ_REG, readRegCommand(CHIP_MAGIC_REG));
    const evidence = {
      verdict: 'open',
      bootStrap: bootStrap.description,
      boot,
      security:
        security ?? (info ? `refused (status ${info.status}, error 0x${info.error.toString(16)})` : 'no answer'),
      readReg: reg
        ? reg.status === 0
          ? `0x${CHIP_MAGIC_REG.toString(16)} read as 0x${reg.value.toString(16).padStart(8, '0')}`
          : `refused (status ${reg.status}, error 0x${reg.error.toString(16).padStart(2, '0')})`
        : 'no answer',
      exchanges: link.exchanges.slice(-4),
    };
    if (!reg) return inconclusive('the loader answered SYNC but not READ_REG', evidence);
    if (reg.status === 0) return fail(evidence);
    if (reg.error !== ROM_INVALID_RECV_MSG)
      return inconclusive('the loader refused READ_REG, but not as Secure Download Mode does', evidence);
    return pass({ ...evidence, verdict: 'secure' });
  } finally {
    link.close();
    await bootStrap.leave(board);
  }
}

/** No answer to SYNC: download mode disabled, or a path that is not live. The ROM's banner tells which. */
function judgeSilence(lines: string[], bootStrap: string): Outcome {
  const sync = `no answer to ${SYNC_ATTEMPTS} SYNC packets`;
  const banner = lines.find((line) => ROM_BANNER.test(line));
  const evidence = { bootStrap, sync, boot: lines.slice(0, 6) };
  if (!banner) {
    return inconclusive(
      'no ROM banner on the console after the strap reset: the reset or the console path is not live',
      evidence,
    );
  }
  const mode = ROM_BANNER.exec(banner)![1]!;
  if (!DOWNLOAD_BOOT_MODE.test(mode)) {
    return inconclusive(
      `the ROM sampled a flash boot (${mode}): the strap did not reach GPIO0, so the loader was never asked`,
      evidence,
    );
  }
  if (lines.some((line) => WAITING_FOR_DOWNLOAD.test(line))) {
    return inconclusive(
      "the ROM waited for a download but answered no SYNC (baud rate, or the board's receive line?)",
      evidence,
    );
  }
  return pass({ verdict: 'disabled', ...evidence, positiveControl: banner });
}
