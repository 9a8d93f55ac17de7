/**
 * Putting a build on a QEMU board: its firmware file is its flash (the rig host starts QEMU from a
 * copy of the rig's file in its state folder). The build replaces that file whole (written beside it,
 * then renamed, so a QEMU that starts meanwhile reads the old file or the new, never half of one), is
 * read back and compared by SHA-256, and runs from the next power-on.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Board } from '../board.ts';
import type { FlashOutcome, Progress } from './outcome.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export async function flashQemuImage(board: Board, image: Buffer, progress: Progress): Promise<FlashOutcome> {
  const file = board.qemuImage;
  if (!file) return { unavailable: 'not a QEMU board of a rig host (no firmware file to write)' };
  const step = 'flash: QEMU image';
  progress(`${step}: ${image.length} bytes to ${file}, run from the next power-on`);
  const incoming = `${file}.incoming`;
  try {
    writeFileSync(incoming, image);
    renameSync(incoming, file);
  } catch (error) {
    throw board.failure(`${step}: write`, `${file} written`, (error as Error).message);
  }
  const expected = sha256(image);
  const seen = sha256(readFileSync(file));
  if (seen !== expected) throw board.failure(`${step}: verify`, `the file's SHA-256 to be ${expected}`, seen);
  return { written: { path: 'qemu-image', verifiedBy: `the firmware file read back: SHA-256 ${seen}` } };
}
