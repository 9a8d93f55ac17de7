/**
 * Secrets taken out of a byte stream as it flows, before anything escapes, records or shows it. A
 * secret split across two reads is still found: the tail of each chunk that could begin a secret is
 * held back until the next chunk (or the end) shows whether it does.
 */
import { REDACTED } from '../config/redact.ts';

const MARK = Buffer.from(REDACTED);

export class RedactingStream {
  private held = Buffer.alloc(0);
  private readonly secrets: Buffer[];

  constructor(secrets: Iterable<string>) {
    // A device sends a secret as UTF-8; the harness types it one byte a character. Longest first, so
    // a secret that contains another is removed whole.
    const forms = [...new Set(secrets)]
      .filter((s) => s.length > 0)
      .flatMap((s) => [Buffer.from(s, 'utf8'), ...(/^[\x00-\xff]*$/.test(s) ? [Buffer.from(s, 'latin1')] : [])]);
    this.secrets = forms
      .filter((form, i) => forms.findIndex((other) => other.equals(form)) === i)
      .sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  /** The bytes that can be passed on now, secrets replaced. */
  push(chunk: Uint8Array): Buffer {
    const data = this.replace(Buffer.concat([this.held, chunk]));
    const keep = this.heldBack(data);
    this.held = Buffer.from(data.subarray(data.length - keep));
    return data.subarray(0, data.length - keep);
  }

  /** What was held back, at the end of the stream or before something else is logged. */
  flush(): Buffer {
    const out = this.held;
    this.held = Buffer.alloc(0);
    return out;
  }

  private replace(data: Buffer): Buffer {
    for (const secret of this.secrets) {
      let at = data.indexOf(secret);
      if (at === -1) continue;
      const parts: Buffer[] = [];
      let from = 0;
      while (at !== -1) {
        parts.push(data.subarray(from, at), MARK);
        from = at + secret.length;
        at = data.indexOf(secret, from);
      }
      parts.push(data.subarray(from));
      data = Buffer.concat(parts);
    }
    return data;
  }

  /** How many bytes at the end of `data` are the start of some secret (and must wait for more). */
  private heldBack(data: Buffer): number {
    let keep = 0;
    for (const secret of this.secrets) {
      for (let n = Math.min(secret.length - 1, data.length); n > keep; n--) {
        if (data.subarray(data.length - n).equals(secret.subarray(0, n))) {
          keep = n;
          break;
        }
      }
    }
    return keep;
  }
}
