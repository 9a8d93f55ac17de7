/**
 * What the reports may read of a run folder: its own regular files only. A symbolic link (or a FIFO,
 * a device) put in a run folder would otherwise copy a file from anywhere into report.html and
 * junit.xml; it is named instead, and `hil verify` fails on it.
 */
import { constants, lstatSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, sep } from 'node:path';

export type FolderFile = { path: string } | { missing: true } | { refused: string };

/** What kind of entry this is, when it is neither a regular file nor a directory. */
export function oddKind(stat: Pick<Stats, 'isSymbolicLink' | 'isFIFO' | 'isSocket'>): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  return 'a device or other special file';
}

/** `rel` (slash-separated, under `dir`) as a path to read, or why it may not be read. */
export function folderFile(dir: string, rel: string): FolderFile {
  const path = join(dir, rel);
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return { refused: `${rel}: ${(error as Error).message}` };
  }
  if (stat.isDirectory()) return { refused: `${rel} is a directory` };
  if (!stat.isFile()) return { refused: `${rel} is ${oddKind(stat)}${linkTarget(path)}` };
  // A folder on the way may be a link (the run folder itself may be one: reports/latest).
  const real = realpathSync(path);
  if (!real.startsWith(realpathSync(dir) + sep)) return { refused: `${rel} resolves outside the run folder (${real})` };
  return { path };
}

/** ` to <target>` for a symbolic link, '' for anything else. */
export function linkTarget(path: string): string {
  try {
    return ` to ${readlinkSync(path)}`;
  } catch {
    return '';
  }
}

/** A file read whole, when it holds at most `maxBytes`: a larger one is refused unread. */
export async function readBounded(file: string, maxBytes: number): Promise<Buffer> {
  // No link, and no FIFO to block on, put there since the caller looked (as tail.ts).
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error('it is not a regular file');
    if (stat.size > maxBytes) throw new Error(`it is ${stat.size} bytes, and at most ${maxBytes} are read`);
    const buffer = Buffer.alloc(stat.size);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break; // it shrank while read
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
