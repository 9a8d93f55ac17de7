/**
 * A boot's first line can run on after a prompt the firmware printed before it restarted: the shell
 * sat at `uart:~$ ` (or drew it again after a log line) when the reset came, and the bootloader's
 * first line followed on the same line, `uart:~$ *** Booting Zephyr OS build v3.6.0 ***`. That
 * prompt is stale: the line is the new boot's, and the prompt on it is not the new boot's ready line.
 */

/** Prompts are short: a longer start of a line is not looked at for one. */
const LONGEST_PROMPT = 64;

/**
 * Where a stale prompt at the start of `text` ends: the shortest start of it that one of `prompts`
 * matches, as it matched the line while it had not ended; 0 where none does.
 */
function stalePromptEnd(text: string, prompts: readonly RegExp[]): number {
  const longest = Math.min(text.length - 1, LONGEST_PROMPT);
  for (let end = 1; end <= longest; end++) {
    const start = text.slice(0, end);
    if (prompts.some((prompt) => prompt.test(start))) return end;
  }
  return 0;
}

/** `pattern` as the console matches it, tried also on what follows a stale prompt at a line's start. */
export function afterStalePrompt(pattern: RegExp, prompts: readonly RegExp[]): RegExp {
  return prompts.length === 0 ? pattern : new AfterStalePrompt(pattern, prompts);
}

class AfterStalePrompt extends RegExp {
  // RegExp's own methods that make a new one (split, matchAll) make a plain RegExp.
  static override get [Symbol.species](): RegExpConstructor {
    return RegExp;
  }

  constructor(
    pattern: RegExp,
    private readonly prompts: readonly RegExp[],
  ) {
    super(pattern.source, pattern.flags);
  }

  override exec(text: string): RegExpExecArray | null {
    const whole = super.exec(text);
    if (whole) return whole;
    const end = stalePromptEnd(text, this.prompts);
    return end > 0 ? super.exec(text.slice(end)) : null;
  }
}
