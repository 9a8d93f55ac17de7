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

// CSI (ESC [ ... final byte) and the two-byte ESC sequences terminals use for colour and cursor control.
const TERMINAL_ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]/g;

const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f]/;

/** The text patterns are matched against: terminal escapes removed, NUL and other controls dropped. */
export function matchableText(text: string): string {
  // Most lines hold no control byte at all (ESC included): nothing to take out.
  if (!CONTROLS.test(text)) return text;
  return text.replace(TERMINAL_ESCAPES, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}
