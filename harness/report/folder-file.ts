/**
 * What the reports may read of a run folder: its own regular files only. A symbolic link (or a FIFO,
 * a device) put in a run folder would otherwise copy a file from anywhere into report.html and
 * junit.xml; it is named instead, and `hil verify` fails on it.
 */
import { lstatSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
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
