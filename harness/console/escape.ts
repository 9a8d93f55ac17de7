/**
 * Bytes from a board are hostile: binary, terminal escapes, HTML. The readable log shows every
 * byte as printable ASCII: `\xNN` for the rest, `\\` for a backslash, `\r` and `\t` by name.
 */
const NAMED: Record<number, string> = { 92: '\\\\', 13: '\\r', 9: '\\t' };
/** What each byte is shown as: itself (length 1), a name (2) or `\xNN` (4), 4 bytes a slot. */
const SHOWN = new Uint8Array(256 * 4);
const SHOWN_LENGTH = new Uint8Array(256);
for (let byte = 0; byte < 256; byte++) {
  const prints = byte >= 0x20 && byte < 0x7f && byte !== 0x5c;
  const shown = prints ? String.fromCharCode(byte) : (NAMED[byte] ?? `\\x${byte.toString(16).padStart(2, '0')}`);
  SHOWN_LENGTH[byte] = shown.length;
  for (let i = 0; i < shown.length; i++) SHOWN[byte * 4 + i] = shown.charCodeAt(i);
}
/** The most room `escapeInto` can take for `length` bytes. */
export const escapedRoom = (length: number) => length * 4;

/**
 * Writes `bytes` escaped into `out` from `at` (which has `escapedRoom(bytes.length)` bytes free);
 * returns where it stopped. A byte loop over tables: the log's text is built as bytes, with no
 * string in between (building strings cost about 30 ns a byte on binary).
 */
export function escapeInto(bytes: Uint8Array, out: Uint8Array, at: number): number {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const length = SHOWN_LENGTH[byte]!;
    if (length === 1) {
      out[at++] = byte;
      continue;
    }
    const slot = byte * 4;
    out[at++] = SHOWN[slot]!;
    out[at++] = SHOWN[slot + 1]!;
    if (length === 4) {
      out[at++] = SHOWN[slot + 2]!;
      out[at++] = SHOWN[slot + 3]!;
    }
  }
  return at;
}

export function escapeBytes(bytes: Uint8Array): string {
  const out = Buffer.allocUnsafe(escapedRoom(bytes.length));
  return out.toString('latin1', 0, escapeInto(bytes, out, 0));
}

/** A control byte patterns never see: C0 but TAB and LF, and DEL. */
const isControl = (c: number) => (c < 0x20 ? c !== 0x09 && c !== 0x0a : c === 0x7f);

/**
 * The text patterns are matched against: terminal escapes removed (CSI, ESC [ params intermediates
 * final, as /\x1b\[[0-?]*[ -/]*[@-~]/; and the two-byte ESC sequences, /\x1b[@-Z\\-_]/), then
 * every other control dropped. One pass over the char codes: on a binary flood, where most lines
 * hold controls, the two regular-expression replaces it replaces took 2.5 times as long.
 * A move back followed at once by an erase to the end (`ESC[8D ESC[J`, how Zephyr's shell clears its
 * prompt before it prints a log line and draws the prompt again after it) takes away the text it
 * moved back over, as it goes from the screen: `uart:~$ ESC[8D ESC[J<log line>` is the log line.
 */
export function matchableText(text: string): string {
  let out = '';
  let run = 0; // start of the text kept since the last control
  let back = 0; // columns of a move back (CSI n D) that came just now, at out.length === backAt
  let backAt = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    if (!isControl(text.charCodeAt(i))) continue;
    let end = i + 1;
    let final = 0;
    let params = '';
    if (text.charCodeAt(i) === 0x1b && end < n) {
      const next = text.charCodeAt(end);
      if (next === 0x5b) {
        let j = end + 1;
        while (j < n && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x3f) j++;
        params = text.slice(end + 1, j);
        while (j < n && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
        // A CSI with no final byte is no sequence: the ESC alone goes, as a control.
        if (j < n && text.charCodeAt(j) >= 0x40 && text.charCodeAt(j) <= 0x7e) {
          final = text.charCodeAt(j);
          end = j + 1;
        }
      } else if ((next >= 0x40 && next <= 0x5a) || (next >= 0x5c && next <= 0x5f)) end++;
    }
    if (i > run) out += text.slice(run, i);
    run = end;
    i = end - 1;
    if (final === 0x44 && /^\d*$/.test(params)) {
      back = Number(params || 1); // CSI n D: the cursor n columns back
      backAt = out.length;
    } else if ((final === 0x4a || final === 0x4b) && (params === '' || params === '0') && backAt === out.length) {
      out = out.slice(0, Math.max(0, out.length - back)); // CSI J / K: erased from the cursor on
      backAt = -1;
    } else backAt = -1;
  }
  if (run === 0) return text;
  return run < n ? out + text.slice(run) : out;
}
