/**
 * Bytes from a board are hostile: binary, terminal escapes, HTML. The readable log shows every
 * byte as printable ASCII: `\xNN` for the rest, `\\` for a backslash, `\r` and `\t` by name.
 */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x09) out += '\\t';
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

// CSI (ESC [ ... final byte) and the two-byte ESC sequences terminals use for colour and cursor control.
const TERMINAL_ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]/g;

/** The text patterns are matched against: terminal escapes removed, NUL and other controls dropped. */
export function matchableText(text: string): string {
  return text.replace(TERMINAL_ESCAPES, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}
