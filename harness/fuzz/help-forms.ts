/**
 * The commands a device's own `help` lists, read in the form its shell prints them:
 *
 * - u-boot: `md        - memory display`
 * - zephyr: `  clear    :Clear screen.` (under `Available commands:`), and a command's subcommands under
 *   `Subcommands:` after its `kernel - Kernel commands` line
 * - freertos: FreeRTOS+CLI's `echo-3-parameters <p1> <p2> <p3>:` with its description on the lines below
 * - esp-idf: esp_console's `nvs_set  <key> <type> -v <value>` at the margin, its description indented below
 * - busybox: the names after `Built-in commands:` (ash) or `Currently defined functions:` (busybox)
 * - plain: the grammar's own notation, a command and its argument shapes a line (`cfg set <key> <value>`)
 *
 * Each form is turned into the plain notation and read by harvestCommands (which leaves out what
 * restarts or reflashes the board). Pure: help text in, the form it was read in and the commands out.
 */
import type { HelpForm } from '../config/schema.ts';
import { type CommandShape, harvestCommands } from './grammar.ts';

export interface HelpHarvest {
  form: HelpForm;
  commands: CommandShape[];
}

const NAME = '[A-Za-z_][\\w.-]*';

/** U-Boot: `name<spaces>- description`. */
function uBoot(lines: readonly string[]): string[] {
  const entry = new RegExp(`^\\s*(${NAME})\\s+- \\S`);
  return lines.flatMap((line) => entry.exec(line)?.[1] ?? []);
}

/** Zephyr: `  name  :description` entries; under `Subcommands:` they belong to the `name - ...` line above. */
function zephyr(lines: readonly string[]): string[] {
  const heading = new RegExp(`^(${NAME}) - `);
  // Two spaces in: a description's own `Usage:` lines are indented further.
  const entry = new RegExp(`^ {2}(${NAME})\\s*:`);
  const found: string[] = [];
  let titled: string | undefined;
  let parent: string | undefined;
  for (const line of lines) {
    const title = heading.exec(line);
    if (title) {
      titled = title[1];
      continue;
    }
    if (/^Subcommands:\s*$/.test(line)) parent = titled;
    else if (/^Available commands:\s*$/.test(line)) parent = undefined;
    const name = entry.exec(line)?.[1];
    if (name) found.push(parent ? `${parent} ${name}` : name);
  }
  return found;
}

/** FreeRTOS+CLI: `name <args>:` alone on its line, its description indented on the next. */
function freertos(lines: readonly string[]): string[] {
  const entry = new RegExp(`^(${NAME}(?:\\s+\\S+)*?)\\s*:\\s*$`);
  return lines.flatMap((line, i) => {
    const found = entry.exec(line);
    return found && /^\s+\S/.test(lines[i + 1] ?? '') ? [found[1]!] : [];
  });
}

/**
 * An argtable synopsis as the plain notation: an optional group is one placeholder (`[-t <t>]` as
 * `[-t<t>]`), a value placeholder stays, `--io=<n>` is its value, a repetition mark goes.
 */
function argtable(synopsis: string): string {
  const tokens = synopsis.match(/\[[^\]]*\](?:\.\.\.)?|<[^>]*>(?:\.\.\.)?|\S+/g) ?? [];
  return tokens
    .map((token) => {
      const bare = token.replace(/\.\.\.$/, '');
      if (bare.startsWith('[')) return bare.replace(/\s+/g, '');
      return /^--?[\w-]+=(<[^>]*>)$/.exec(bare)?.[1] ?? bare;
    })
    .join(' ');
}

/** ESP-IDF's esp_console: `name  <synopsis>` at the margin, then its description indented. */
function espIdf(lines: readonly string[]): string[] {
  const entry = new RegExp(`^(${NAME})(?:\\s+(.*?))?\\s*$`);
  return lines.flatMap((line, i) => {
    const found = entry.exec(line);
    if (!found || !/^ {2}\S/.test(lines[i + 1] ?? '')) return [];
    return [[found[1]!, argtable(found[2] ?? '')].join(' ').trim()];
  });
}

/** BusyBox: the names (separated by spaces or commas) on the indented lines after its list's heading. */
function busybox(lines: readonly string[]): string[] {
  const found: string[] = [];
  let listing = false;
  for (const line of lines) {
    if (/^(Built-in commands|Currently defined functions):\s*$/.test(line)) listing = true;
    else if (listing && /^-+\s*$/.test(line)) continue;
    else if (listing && /^\s+\S/.test(line)) found.push(...line.trim().split(/[\s,]+/));
    else listing = false;
  }
  return found;
}

const FORMS: [Exclude<HelpForm, 'plain'>, (lines: readonly string[]) => string[]][] = [
  ['u-boot', uBoot],
  ['zephyr', zephyr],
  ['freertos', freertos],
  ['esp-idf', espIdf],
  ['busybox', busybox],
];

/**
 * The commands of a help text, in the form that reads the most of them. A shell's own form comes
 * first: the plain notation would also read short lines of prose, so it is the form only when no
 * shell's form reads anything, and then only of lines that start in lowercase, as commands do.
 */
export function harvestHelp(lines: readonly string[], exclude: readonly string[] = []): HelpHarvest {
  let best: HelpHarvest | undefined;
  for (const [form, read] of FORMS) {
    const commands = harvestCommands(read(lines), exclude);
    if (commands.length > (best?.commands.length ?? 0)) best = { form, commands };
  }
  // Commands are lowercase; prose and error messages (`Unrecognized command`) start with a capital.
  const plain = lines.filter((line) => /^\s*[a-z_]/.test(line));
  return best ?? { form: 'plain', commands: harvestCommands(plain, exclude) };
}
