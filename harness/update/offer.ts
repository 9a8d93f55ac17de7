/**
 * One image through the board's real update path, as mcumgr and MCUboot do it: upload to the
 * secondary slot, mark it for a test boot, reset over SMP, follow the boot; then what the board
 * runs, read from two sources (the boot log's version line and the SMP image list). A device that
 * refuses at upload or at the state write answers with a named error; one that refuses at boot
 * says so in its boot log and keeps running what it ran. Either way the board is reset and must
 * boot to what it ran before.
 */
import type { Board } from '../board.ts';
import { SmpDeviceError } from './smp-client.ts';
import type { Candidate } from './variants.ts';

export interface Running {
  /** From the boot log (the profile's version pattern); undefined when it printed none. */
  bootVersion: string | undefined;
  /** From the SMP image list: the active slot. */
  smpVersion: string | undefined;
  smpHash: Buffer | undefined;
  /** Whether the active image is confirmed (not on a test boot that reverts at the next reset). */
  confirmed: boolean;
  ready: boolean;
  /** How many lines the boot printed: none means the console or the board is not there. */
  printed: number;
  /** The bootloader's and application's lines about slots, swaps, versions and signatures. */
  updateLines: string[];
  tail: string[];
}

export interface Attempt {
  refusedAt?: 'upload' | 'state write';
  deviceError?: string;
  running: Running;
}

const UPDATE_LINES = /slot|swap|image|version|counter|downgrade|signature|valid|magic|revert/i;

/** Version strings as equal as MCUboot compares them: major.minor.revision (and build where both give one). */
export function sameVersion(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const parts = (v: string) => v.trim().split(/[.+]/).map(Number);
  const [x, y] = [parts(a), parts(b)];
  const length = Math.min(Math.max(3, Math.min(x.length, y.length)), 4);
  for (let i = 0; i < length; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return false;
  return true;
}

/** Reset over SMP and read what the board runs afterwards. */
export async function resetAndRead(board: Board, step: string): Promise<Running> {
  const from = { mark: board.console.mark(), started: Date.now() };
  await board.smp.reset(`${step}: SMP reset`);
  const boot = await board.recordBoot(`${step}: boot`, from);
  const slots = boot.ready ? await board.smp.imageState(`${step}: image list`) : [];
  const active = slots.find((s) => s.active) ?? slots.find((s) => s.slot === 0);
  return {
    bootVersion: boot.version,
    smpVersion: active?.version,
    smpHash: active?.hash,
    confirmed: active?.confirmed ?? false,
    ready: boot.ready,
    printed: boot.lineCount,
    updateLines: boot.lines.filter((l) => UPDATE_LINES.test(l)).slice(-12),
    tail: boot.lines.slice(-8),
  };
}

export async function offerImage(board: Board, image: Candidate, chunk: number, step: string): Promise<Attempt> {
  const hash = image.image.hash;
  const quarter = Math.max(1, Math.floor(image.bytes.length / 4));
  let nextNote = quarter;
  try {
    await board.smp.upload(image.bytes, {
      chunk,
      step: `${step}: upload`,
      onProgress: (sent) => {
        if (sent < nextNote) return;
        board.console.note(`upload ${sent}/${image.bytes.length} bytes`);
        nextNote += quarter;
      },
    });
    if (!hash) throw new Error('the image has no SHA256 TLV to name it by');
  } catch (error) {
    if (!(error instanceof SmpDeviceError)) throw error;
    return { refusedAt: 'upload', deviceError: error.errorName, running: await resetAndRead(board, step) };
  }
  try {
    await board.smp.setState(hash, false, `${step}: mark for test boot`);
  } catch (error) {
    if (!(error instanceof SmpDeviceError)) throw error;
    return { refusedAt: 'state write', deviceError: error.errorName, running: await resetAndRead(board, step) };
  }
  return { running: await resetAndRead(board, step) };
}
