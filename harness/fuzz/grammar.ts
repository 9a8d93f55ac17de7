/**
 * The console's grammar, learnt from the device: commands and the shapes of their arguments
 * harvested from its own `help` output (`cfg set <key> <value>`, `ota <url> | ota confirm`) and the
 * profile, so that most generated lines get past the parser to the code behind it.
 */
import type { Rng } from './prng.ts';

export interface CommandShape {
  name: string;
  /** Literal words (`set`) and placeholders (`<key>`, `[n]`), in order. */
  args: string[];
}

const NAME = /^[A-Za-z_][\w.-]{0,31}$/;
const PLACEHOLDER = /^(<[^<>]{1,32}>|\[[^[\]]{1,32}\])$/;
/** A literal word: a subcommand (`set`) or an option (`-v`, `--verbose`). */
const WORD = /^-{0,2}[a-z][\w-]{0,31}$/;
const MAX_COMMANDS = 64;
/**
 * Commands (and subcommands: `kernel reboot`) a campaign never sends: they restart the board, leave
 * its shell, put it to sleep or change it for good, which is what they are for (a reboot is not a
 * finding), and would cost a restart a case.
 */
export const NEVER_SENT =
  /^(reboot|reset|restart|shutdown|poweroff|halt|erase|format|factory-?reset|ota|update|flash|dfu|boot\w*|go|exit|logout|(deep_|light_)?sleep)$/i;

/**
 * Commands in the grammar's own notation (the profile's `fuzz.commands`, and the plain form of help
 * text; fuzz/help-forms.ts turns the other forms into it): a line (or each `|` alternative) that is a
 * name and at most five words or placeholders, leaving out those that restart or reflash the board
 * and the profile's `exclude`.
 */
export function harvestCommands(lines: readonly string[], exclude: readonly string[] = []): CommandShape[] {
  const found = new Map<string, CommandShape>();
  for (const line of lines) {
    for (const alternative of line.split(/\s+\|\s+/)) {
      const tokens = alternative.trim().split(/\s+/);
      const [name, ...args] = tokens;
      if (!name || !NAME.test(name) || args.length > 5 || exclude.includes(name)) continue;
      if (!args.every((a) => PLACEHOLDER.test(a) || WORD.test(a))) continue;
      if (tokens.some((word) => NEVER_SENT.test(word))) continue;
      const key = [name, ...args].join(' ');
      if (!found.has(key) && found.size < MAX_COMMANDS) found.set(key, { name, args });
    }
  }
  return [...found.values()];
}

/** Values for a placeholder: numbers at the edges, long strings, format strings, quoting and path tricks. */
function value(rng: Rng, dictionary: readonly Buffer[]): string {
  switch (rng.below(13)) {
    case 0:
      return String(rng.below(10));
    case 1:
      return '-1';
    case 2:
      return rng.pick(['2147483647', '2147483648', '4294967295', '4294967296', '-2147483648', '9999999999999999999']);
    case 3:
      return `0x${rng.next().toString(16)}`;
    case 4:
      return 'A'.repeat(1 + rng.below(300));
    case 5:
      return rng.pick(['%s%s%s', '%n', '%x%x%x%x', '%99999d', '{}', '\x24{x}']);
    case 6:
      return rng.pick(['"', "'", '\\', '"unterminated', '`id`', '$(id)', ';', '&&']);
    case 7:
      return rng.pick(['../../../../etc/passwd', '/', '.', '..']);
    case 8:
      return '';
    case 9:
      return rng.pick(['\u00ff\u00fe', '\u0000', '\u001b[2J', '\u0007']);
    case 10:
      return dictionary.length > 0 ? rng.pick(dictionary).toString('latin1') : 'x';
    case 11:
      return String(-1 - rng.below(100000));
    default:
      return rng.bytes(1 + rng.below(8)).toString('hex');
  }
}

/** One command line from the grammar: literal words mostly kept, placeholders filled, sometimes an argument more or less. */
export function generateLine(rng: Rng, commands: readonly CommandShape[], dictionary: readonly Buffer[]): string {
  const command = rng.pick(commands);
  const args = command.args.map((a) => (PLACEHOLDER.test(a) || rng.chance(10) ? value(rng, dictionary) : a));
  if (rng.chance(10) && args.length > 0) args.pop();
  if (rng.chance(10)) args.push(value(rng, dictionary));
  return [command.name, ...args].join(' ');
}
