/**
 * The last lines of a file, read from its end: at most `maxBytes` are read, whatever the file's size,
 * so a console log of gigabytes costs what a small one does. Only whole lines are given; a last line
 * longer than the window is given as its end, marked.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export const TAIL_BYTES = 256 * 1024;
export const CUT_MARK = '[...] ';

export async function tailLines(file: string, lines: number, maxBytes = TAIL_BYTES): Promise<string[]> {
  // No link, and no FIFO to block on, put there since the caller looked (folder-file.ts).
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${file} is not a regular file`);
    const { size } = stat;
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
      if (bytesRead === 0) break; // the file shrank while read
      filled += bytesRead;
    }
    let text = buffer.subarray(0, filled).toString('utf8').trimEnd();
    if (start > 0) {
      // The window began inside a line: that part is dropped, unless it is all there is.
      const firstEnd = text.indexOf('\n');
      text = firstEnd === -1 ? `${CUT_MARK}${text}` : text.slice(firstEnd + 1);
    }
    return text === '' ? [] : text.split('\n').slice(-lines);
  } finally {
    await handle.close();
  }
}
