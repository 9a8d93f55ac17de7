/**
 * The virtual board's shell commands: what each command line answers. The firmware runs the
 * result (prints it, panics, reboots); this module only decides, so flaws read as one line each.
 */
import type { HelpForm, VirtualFlaw } from '../config/schema.ts';
import type { OtaResult } from './esp-ota.ts';
import type { FlashWriter, SettingsStore } from './flash.ts';
import { helpAnswer } from './help-text.ts';
import { parseCommandLine } from './shell-line.ts';
import { runTlsClient } from './tls-probe.ts';

const MAX_ARG = 32;
/** The ota command takes a URL: its argument may be longer. */
const MAX_URL = 200;

export type CommandResult =
  | { output: string }
  | { panic: { cause: string; pc: string } }
  | { reboot: string }
  | { hang: true }
  | { login: true };

export interface CommandContext {
  flaws: readonly VirtualFlaw[];
  /** The form its `help` takes (help-text.ts). */
  helpForm: HelpForm | 'none';
  version: string;
  settings: SettingsStore;
  /** How the settings store writes flash (each write announced on the console). */
  write: FlashWriter;
  /** The factory debug command answers: the debug-command flaw, or factory defaults after a torn settings page. */
  debugOpen: boolean;
  /**
   * What flaws remember between commands: the last one set a negative index (oob-after-set); the TLS
   * client has made its connection of this power-on (tls-client-dies).
   */
  session: { negativeIndex: boolean; tlsUsed: boolean };
  tls?: { caCert: string; pinSha256: string };
  readMemory(address: number, length: number): Buffer | undefined;
  /** ESP-IDF OTA, on boards built with OTA partitions. */
  ota?: { update(url: string): Promise<OtaResult>; confirm(): string };
}

const say = (text: string): CommandResult => ({ output: text });

export async function runCommand(ctx: CommandContext, line: string): Promise<CommandResult | undefined> {
  const parsed = parseCommandLine(line);
  if (!parsed.ok) return say(`error: ${parsed.error}\r\n`);
  const [command, ...args] = parsed.argv;
  if (command === undefined) return undefined;
  const negativeIndex = ctx.session.negativeIndex;
  ctx.session.negativeIndex = false;
  // The flaw: a printf-style logger handed the user's text as its format; %n spins it forever.
  if (ctx.flaws.includes('hang-on-token') && args.some((a) => a.includes('%n'))) return { hang: true };
  const limit = command === 'ota' ? MAX_URL : MAX_ARG;
  const longArg = args.find((a) => a.length > limit);
  if (longArg !== undefined) {
    if (ctx.flaws.includes('crash-long-arg')) return { panic: { cause: 'StoreProhibited', pc: '0x400d1f7e' } };
    return say(`error: argument too long (${longArg.length} > ${limit} characters)\r\n`);
  }
  switch (command) {
    case 'help':
      return say(helpAnswer(ctx.helpForm));
    case 'version':
      return say(`App version: ${ctx.version}\r\n`);
    case 'echo':
      return say(`${args.join(' ')}\r\n`);
    case 'reboot':
      return { reboot: 'Rebooting...\r\n' };
    case 'login':
      return { login: true };
    case 'cfg':
      // The flaw: `cfg set` keeps a negative value as a table index, and the next `cfg get` reads through it.
      if (ctx.flaws.includes('oob-after-set')) {
        if (args[0] === 'get' && negativeIndex) return { panic: { cause: 'LoadProhibited', pc: '0x400d2b10' } };
        ctx.session.negativeIndex = args[0] === 'set' && /^-\d+$/.test(args[2] ?? '');
      }
      return say(await config(ctx, args));
    case 'tlsprobe':
      return say(await tlsProbe(ctx, args));
    case 'ota':
      return ctx.ota ? ota(ctx.ota, args) : say('Unrecognized command\r\n');
    case 'debug':
      // The flaw: a factory debug command left in, with no authentication.
      if (ctx.debugOpen) return say(debugCommand(ctx, args));
      return say('Unrecognized command\r\n');
    default:
      return say('Unrecognized command\r\n');
  }
}

async function ota(slots: NonNullable<CommandContext['ota']>, args: string[]): Promise<CommandResult> {
  const [what] = args;
  if (what === 'confirm' && args.length === 1) return say(`${slots.confirm()}\r\n`);
  if (!what || args.length !== 1 || !/^https:\/\//.test(what)) return say('usage: ota <https url> | ota confirm\r\n');
  const result = await slots.update(what);
  const text = `${result.lines.join('\r\n')}\r\n`;
  return result.reboot ? { reboot: text } : say(text);
}

function debugCommand(ctx: CommandContext, args: string[]): string {
  const [verb, address, length] = args;
  if (verb !== 'mem' || address === undefined) return 'debug mem <address> [length] | debug regs\r\n';
  const start = Number(address);
  const bytes = ctx.readMemory(start, Math.min(Number(length ?? 16), 256));
  if (!Number.isFinite(start) || !bytes) return 'debug: unmapped address\r\n';
  let out = '';
  for (let i = 0; i < bytes.length; i += 16) {
    const row = [...bytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    out += `${(start + i).toString(16).padStart(8, '0')}: ${row}\r\n`;
  }
  return out;
}

/** Connect to HOST:PORT over TLS and send a telemetry line, with the firmware's Mbed TLS client. */
async function tlsProbe(ctx: CommandContext, args: string[]): Promise<string> {
  const [host, port] = args;
  if (!host || !port || !/^\d+$/.test(port)) return 'usage: tlsprobe <host> <port>\r\n';
  if (!ctx.tls) return 'tls: no trust material configured\r\n';
  // The flaw: the first connection leaks the network stack's only socket; every later one fails to open.
  if (ctx.flaws.includes('tls-client-dies') && ctx.session.tlsUsed)
    return 'tls: mbedtls_net_connect returned -0x0042 (SOCKET_FAILED)\r\n';
  ctx.session.tlsUsed = true;
  const output = await runTlsClient(host, Number(port), ctx.tls, ctx.flaws);
  return `${output.split('\n').join('\r\n')}\r\n`;
}

async function config(ctx: CommandContext, args: string[]): Promise<string> {
  const [verb, key, value] = args;
  if (verb === 'get' && key !== undefined && args.length === 2) {
    const stored = ctx.settings.get(key);
    return stored === undefined ? `error: no such key: ${key}\r\n` : `${key}=${stored}\r\n`;
  }
  if (verb === 'set' && key !== undefined && value !== undefined && args.length === 3) {
    // As ESP-IDF's console reports an nvs_set_str() that failed.
    if (!(await ctx.settings.set(key, value, ctx.write))) return 'Failed: nvs_set_str: ESP_FAIL (0x103)\r\n';
    return 'OK\r\n';
  }
  return 'usage: cfg get <key> | cfg set <key> <value>\r\n';
}
