/**
 * Bytes from a board are hostile: binary, terminal escapes, HTML. The readable log shows every
 * byte as printable ASCII: `\xNN` for the rest, `\\` for a backslash, `\r` and `\t` by name.
 */
const NAMED: Record<number, string> = { 92: '\\\\', 13: '\\r', 9: '\\t' };

export function escapeBytes(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: string[] = [];
  let run = 0; // start of the current run of bytes that print as themselves
  for (let i = 0; i < buffer.length; i++) {
    const byte = buffer[i]!;
    if (byte >= 0x20 && byte < 0x7f && byte !== 0x5c) continue;
    if (i > run) parts.push(buffer.toString('latin1', run, i));
    parts.push(NAMED[byte] ?? `\\x${byte.toString(16).padStart(2, '0')}`);
    run = i + 1;
  }
  if (run < buffer.length) parts.push(buffer.toString('latin1', run));
  return parts.join('');
}

// CSI (ESC [ ... final byte) and the two-byte ESC sequences terminals use for colour and cursor control.
const TERMINAL_ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]/g;

/** The text patterns are matched against: terminal escapes removed, NUL and other controls dropped. */
export function matchableText(text: string): string {
  return text.replace(TERMINAL_ESCAPES, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}
