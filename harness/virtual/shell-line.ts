/**
 * The virtual firmware's command-line parser: words split on blanks, double or single quotes
 * group words, a backslash escapes the next character. Errors name the column, as a real
 * console's parser (argtable, linenoise) would.
 */
export type ParsedLine = { ok: true; argv: string[] } | { ok: false; error: string };

export function parseCommandLine(line: string): ParsedLine {
  const argv: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (char === '\\' && quote !== "'") {
      const next = line[i + 1];
      if (next === undefined) return { ok: false, error: `dangling backslash at column ${i + 1}` };
      word = (word ?? '') + next;
      i++;
    } else if (quote) {
      if (char === quote) quote = undefined;
      else word = (word ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (char === ' ' || char === '\t') {
      if (word !== undefined) argv.push(word);
      word = undefined;
    } else word = (word ?? '') + char;
  }
  if (quote) return { ok: false, error: `unterminated ${quote} quote` };
  if (word !== undefined) argv.push(word);
  return { ok: true, argv };
}
