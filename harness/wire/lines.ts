/** Line framing for text protocols on a byte stream (SCPI over TCP or serial). */

/** A line-at-a-time text protocol on a byte stream, bounded so a noisy host cannot grow memory. */
export function lineReader(onLine: (line: string) => void, max = 4096): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('latin1');
    let newline: number;
    while ((newline = pending.search(/\r?\n/)) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(pending[newline] === '\r' ? newline + 2 : newline + 1);
      onLine(line);
    }
    if (pending.length > max) pending = '';
  };
}
