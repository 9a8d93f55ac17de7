/**
 * A check's evidence as a person would quote it in a report: its key facts as "what: value" lines, and
 * the console lines it holds as an excerpt. evidence.json keeps the machine-readable form; this is for
 * report.html and the PDF. Bounded: a board can fill evidence with thousands of lines.
 */

export interface EvidenceText {
  facts: string[];
  excerpt: string[];
}

const MAX_FACTS = 30;
const MAX_FACT_CHARS = 300;
const MAX_EXCERPT_LINES = 24;
const MAX_LINE_CHARS = 200;
const MAX_LIST_ITEMS = 8;
/** Keys whose strings are what the board printed (or what was sent to it), quoted as lines. */
const CONSOLE_KEY = /(^|[a-z])(lines?|console|excerpt|tail|transcript|output|received|banner|log)$/i;

/** `deadlineMs` → `deadline ms`, `boot_window` → `boot window`. */
export const words = (key: string) =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

function scalar(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value;
  return undefined;
}

/** A value on one line: a nested object as `a: 1; b: 2`, a list of scalars as `x, y, z`. */
function inline(value: unknown): string {
  const s = scalar(value);
  if (s !== undefined) return s;
  if (Array.isArray(value)) {
    const shown = value.slice(0, MAX_LIST_ITEMS).map(inline);
    const more = value.length > MAX_LIST_ITEMS ? [`and ${value.length - MAX_LIST_ITEMS} more`] : [];
    return [...shown, ...more].join(', ') || 'none';
  }
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${words(k)} ${inline(v)}`)
    .join('; ');
}

export function evidenceText(evidence: Record<string, unknown>): EvidenceText {
  const facts: string[] = [];
  const excerpt: string[] = [];
  let factsLeft = 0;
  let linesLeft = 0;
  const quote = (lines: string[]) => {
    for (const line of lines) {
      if (excerpt.length < MAX_EXCERPT_LINES) excerpt.push(cut(line, MAX_LINE_CHARS));
      else linesLeft++;
    }
  };
  const fact = (label: string, value: string) => {
    if (facts.length < MAX_FACTS) facts.push(cut(`${label}: ${value}`, MAX_FACT_CHARS));
    else factsLeft++;
  };
  const walk = (label: string, key: string, value: unknown) => {
    const consoleText = CONSOLE_KEY.test(key);
    if (typeof value === 'string' && (consoleText || value.includes('\n'))) quote(value.split(/\r?\n/));
    else if (Array.isArray(value) && consoleText && value.every((v) => typeof v === 'string')) quote(value);
    else if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object'))
      for (const [i, v] of value.slice(0, MAX_LIST_ITEMS).entries()) fact(`${label} ${i + 1}`, inline(v));
    else if (value !== null && typeof value === 'object' && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) walk(`${label}, ${words(k)}`, k, v);
    else fact(label, inline(value));
  };
  for (const [key, value] of Object.entries(evidence)) walk(words(key), key, value);
  if (factsLeft > 0) facts.push(`... and ${factsLeft} more facts in evidence.json`);
  if (linesLeft > 0) excerpt.push(`... and ${linesLeft} more lines in evidence.json`);
  return { facts, excerpt };
}
