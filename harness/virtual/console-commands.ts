/**
 * The virtual board's shell commands: what each command line answers. The firmware runs the
 * result (prints it, panics, reboots); this module only decides, so flaws read as one line each.
 */
import type { VirtualFlaw } from '../config/schema.ts';
import { parseCommandLine } from './shell-line.ts';
import { runTlsClient } from './tls-probe.ts';

const MAX_ARG = 32;

export type CommandResult = { output: string } | { panic: { cause: string; pc: string } } | { reboot: string };

export interface CommandContext {
  flaws: readonly VirtualFlaw[];
  version: string;
  settings: Map<string, string>;
  tls?: { caCert: string; pinSha256: string };
  readMemory(address: number, length: number): Buffer | undefined;
}

const HELP = [
  'help',
  'version',
  'reboot',
  'echo <words>',
  'cfg get <key>',
  'cfg set <key> <value>',
  'tlsprobe <host> <port>',
];

const say = (text: string): CommandResult => ({ output: text });

export async function runCommand(ctx: CommandContext, line: string): Promise<CommandResult | undefined> {
  const parsed = parseCommandLine(line);
  if (!parsed.ok) return say(`error: ${parsed.error}\r\n`);
  const [command, ...args] = parsed.argv;
  if (command === undefined) return undefined;
  const longArg = args.find((a) => a.length > MAX_ARG);
  if (longArg !== undefined) {
    if (ctx.flaws.includes('crash-long-arg')) return { panic: { cause: 'StoreProhibited', pc: '0x400d1f7e' } };
    return say(`error: argument too long (${longArg.length} > ${MAX_ARG} characters)\r\n`);
  }
  switch (command) {
    case 'help':
      return say(`${HELP.join('\r\n')}\r\n`);
    case 'version':
      return say(`App version: ${ctx.version}\r\n`);
    case 'echo':
      return say(`${args.join(' ')}\r\n`);
    case 'reboot':
      return { reboot: 'Rebooting...\r\n' };
    case 'cfg':
      return say(config(ctx.settings, args));
    case 'tlsprobe':
      return say(await tlsProbe(ctx, args));
    case 'debug':
      // The flaw: a factory debug command left in, with no authentication.
      if (ctx.flaws.includes('debug-command')) return say(debugCommand(ctx, args));
      return say('Unrecognized command\r\n');
    default:
      return say('Unrecognized command\r\n');
  }
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
  const output = await runTlsClient(host, Number(port), ctx.tls, ctx.flaws);
  return `${output.split('\n').join('\r\n')}\r\n`;
}

function config(settings: Map<string, string>, args: string[]): string {
  const [verb, key, value] = args;
  if (verb === 'get' && key !== undefined && args.length === 2) {
    const stored = settings.get(key);
    return stored === undefined ? `error: no such key: ${key}\r\n` : `${key}=${stored}\r\n`;
  }
  if (verb === 'set' && key !== undefined && value !== undefined && args.length === 3) {
    settings.set(key, value);
    return 'OK\r\n';
  }
  return 'usage: cfg get <key> | cfg set <key> <value>\r\n';
}
