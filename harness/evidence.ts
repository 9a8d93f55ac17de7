/**
 * Evidence for reports: what came from a board is escaped (no terminal escapes or raw binary reach
 * a report), secrets are redacted, and sizes are bounded so a flood cannot bloat a report.
 */
import type { Redactor } from './config/redact.ts';
import { escapeBytes } from './console/escape.ts';

const MAX_STRING = 2000;
/** A list keeps its last this many items (a timeline meant for a report is thinned to fit). */
export const MAX_ITEMS = 60;
const MAX_DEPTH = 6;

export type Evidence = { [key: string]: unknown };

export function cleanEvidence(value: unknown, redactor?: Redactor, depth = 0): unknown {
  if (typeof value === 'string') {
    // Redacted first: escaping changes a secret's bytes (a backslash doubles), and it would survive.
    const redacted = escapeBytes(Buffer.from(redactor ? redactor.redact(value) : value, 'latin1'));
    return redacted.length > MAX_STRING
      ? `${redacted.slice(0, MAX_STRING)}... [${redacted.length - MAX_STRING} more characters]`
      : redacted;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  // A pattern is shown as the profile wrote it, escaped once (its backslashes are its own).
  if (value instanceof RegExp)
    return String(value).replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (Buffer.isBuffer(value)) return cleanEvidence(value.toString('latin1'), redactor, depth);
  if (Array.isArray(value)) {
    const items = value.slice(-MAX_ITEMS).map((v) => cleanEvidence(v, redactor, depth + 1));
    return value.length > MAX_ITEMS ? [`[${value.length - MAX_ITEMS} earlier items left out]`, ...items] : items;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cleanEvidence(v, redactor, depth + 1)]));
}
