/**
 * Bytes from a board are hostile: binary, terminal escapes, HTML. The readable log shows every
 * byte as printable ASCII: `\xNN` for the rest, `\\` for a backslash, `\r` and `\t` by name.
 */
const NAMED: Record<number, string> = { 92: '\\\\', 13: '\\r', 9: '\\t' };
/** What each byte that does not print as itself is shown as; undefined for those that do. */
const SHOWN: (string | undefined)[] = Array.from({ length: 256 }, (_, byte) =>
  byte >= 0x20 && byte < 0x7f && byte !== 0x5c
    ? undefined
    : (NAMED[byte] ?? `\\x${byte.toString(16).padStart(2, '0')}`),
);

export function escapeBytes(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Runs of bytes that print as themselves are sliced whole; the rest come from the table.
  let out = '';
  let run = 0; // start of the current run of bytes that print as themselves
  for (let i = 0; i < buffer.length; i++) {
    const shown = SHOWN[buffer[i]!];
    if (shown === undefined) continue;
    if (i > run) out += buffer.toString('latin1', run, i);
    out += shown;
    run = i + 1;
  }
  if (run === 0) return buffer.toString('latin1');
  return run < buffer.length ? out + buffer.toString('latin1', run) : out;
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
