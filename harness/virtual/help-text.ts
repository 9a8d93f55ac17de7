/**
 * The virtual board's answer to `help`, in the form the rig names (`help-form`): its commands listed
 * as each kind of shell lists its own (U-Boot, Zephyr, FreeRTOS+CLI, ESP-IDF's console, BusyBox's
 * ash), so that the harness's harvest of a grammar meets each form on a console; or, with `none`, no
 * help command at all.
 */
import type { HelpForm } from '../config/schema.ts';

interface Command {
  name: string;
  /** The argument shapes of each way to call it. */
  usages: string[];
  about: string;
}

const COMMANDS: Command[] = [
  { name: 'help', usages: [''], about: 'List the commands' },
  { name: 'version', usages: [''], about: 'Print the application version' },
  { name: 'reboot', usages: [''], about: 'Restart the board' },
  { name: 'echo', usages: ['<words>'], about: 'Print the words back' },
  { name: 'cfg', usages: ['get <key>', 'set <key> <value>'], about: 'Read or write a setting' },
  { name: 'tlsprobe', usages: ['<host> <port>'], about: 'Connect over TLS and send a telemetry line' },
  { name: 'ota', usages: ['<https url>', 'confirm'], about: 'Update the application over HTTPS' },
];

const call = (name: string, usage: string) => (usage ? `${name} ${usage}` : name);

function lines(form: HelpForm): string[] {
  switch (form) {
    case 'plain':
      return COMMANDS.map((c) => c.usages.map((u) => call(c.name, u)).join(' | '));
    case 'u-boot':
      return COMMANDS.map((c) => `${c.name.padEnd(9)} - ${c.about.toLowerCase()}`);
    case 'zephyr':
      return ['Available commands:', ...COMMANDS.map((c) => `  ${c.name.padEnd(9)}:${c.about}`)];
    case 'freertos':
      return COMMANDS.flatMap((c) => c.usages.flatMap((u) => ['', `${call(c.name, u)}:`, ` ${c.about}`, '']));
    case 'esp-idf':
      return COMMANDS.flatMap((c) => c.usages.flatMap((u) => [`${c.name}  ${u}`, `  ${c.about}`, '']));
    case 'busybox':
      return ['Built-in commands:', '------------------', `\t${COMMANDS.map((c) => c.name).join(' ')}`];
  }
}

export function helpAnswer(form: HelpForm | 'none'): string {
  if (form === 'none') return 'Unrecognized command\r\n';
  return `${lines(form).join('\r\n')}\r\n`;
}
