/**
 * What a board's campaigns will be: the budget (CLI over rig over profile over the default of about
 * a minute a board), the console's grammar harvested from its `help` and the profile, the
 * dictionary, and which targets the board has (and why not, for those it lacks).
 */
import type { Board } from '../board.ts';
import { BUILT_IN_TOKENS, type CaseSource } from './cases.ts';
import { findUsbDevice } from '../usb/find.ts';
import { type CommandShape, harvestCommands } from './grammar.ts';
import { harvestHelp } from './help-forms.ts';
import type { UsbControlDevice } from '../usb/control.ts';
import { parseHostPort } from '../config/atoms.ts';

export type FuzzTargetName = 'console' | 'smp' | 'network' | 'usb';

export interface FuzzPlan {
  seed: number;
  cases: number;
  /** Replays (board restarts) at most to shrink each failure; 0 keeps the reproducer as found. */
  minimizeTests: number;
  /** Seconds for each target. */
  seconds: number;
  caseDeadlineMs: number;
  commands: CommandShape[];
  /** Where the console grammar came from, in words: how many commands from which form of `help`, and the profile's. */
  grammar: string;
  dictionary: Buffer[];
  samples: { console: Buffer[]; network: Buffer[] };
  network?: { kind: 'tcp' | 'udp'; host: string; port: number };
  /** The board's own USB device, where the host reaches it. */
  usb?: UsbControlDevice;
  skip: Partial<Record<FuzzTargetName, string>>;
  /** Targets the board has that this host cannot reach (no USB subsystem): could not test, not skipped. */
  untestable: Partial<Record<FuzzTargetName, string>>;
}

const DEFAULT_SECONDS = 60;
const DEFAULT_CASES = 100_000;
const DEFAULT_CASE_DEADLINE_MS = 2000;
/** Forty replays shrink a crash found after a few hundred cases to its few bytes, on the virtual board. */
const DEFAULT_MINIMIZE_TESTS = 40;

function envNumber(name: string, min = 1): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be a whole number from ${min}, not ${value}`);
  return n;
}

/** The board's own help text, freshly booted: what it says between `help` and its next prompt; or why none was read. */
async function helpLines(board: Board): Promise<string[] | string> {
  if (!board.profile.console.prompt) return 'not read (the profile names no prompt to pace it by)';
  const boot = await board.restart('fuzz: boot to read help');
  if (!boot.ready) return 'not read (the board did not boot to its ready line)';
  const help = board.hasAction('help') ? board.profile.actions.help! : 'help';
  const answer = await board.ask(help, { step: 'fuzz: help', timeout: 3000 }).catch(() => undefined);
  return answer?.lines ?? `not read (no answer to "${help}")`;
}

/** The console's commands: the board's `help` in whichever form it takes, then the profile's own. */
async function consoleGrammar(board: Board): Promise<{ commands: CommandShape[]; grammar: string }> {
  const { commands: own, exclude } = board.profile.fuzz;
  const lines = await helpLines(board);
  const help = typeof lines === 'string' ? undefined : harvestHelp(lines, exclude);
  const profile = harvestCommands(own, exclude);
  const key = (c: CommandShape) => [c.name, ...c.args].join(' ');
  const fromHelp = help?.commands ?? [];
  const commands = [...fromHelp, ...profile.filter((c) => !fromHelp.some((h) => key(h) === key(c)))];
  const read = help ? `${fromHelp.length} commands from the ${help.form} form` : lines;
  return { commands, grammar: `help: ${read}; ${profile.length} commands from the profile (fuzz.commands)` };
}

/** The board's USB device through the `usb` package, or why not (no identity in the rig, no USB subsystem, not on the bus). */
async function usbReach(
  board: Board,
): Promise<{ device: UsbControlDevice } | { skip: string } | { untestable: string }> {
  const identity = board.usbIdentity;
  if (!identity) return { skip: 'the rig names no USB identity for this board' };
  const found = await findUsbDevice(identity);
  if ('found' in found) return { device: found.found as unknown as UsbControlDevice };
  return 'unavailable' in found ? { untestable: found.unavailable } : { skip: found.absent };
}

export async function fuzzPlan(board: Board, seed: number): Promise<FuzzPlan> {
  const rig = board.connections.config.fuzz ?? {};
  const profile = board.profile.fuzz;
  const usb = await usbReach(board);
  const targets = [
    true,
    board.rollback?.path === 'smp',
    rig.tcp !== undefined || rig.udp !== undefined,
    'device' in usb,
  ].filter(Boolean);
  const total = envNumber('HIL_FUZZ_SECONDS') ?? rig.seconds ?? profile.seconds ?? DEFAULT_SECONDS;
  const { commands, grammar } = await consoleGrammar(board);
  const network = rig.tcp
    ? { kind: 'tcp' as const, ...parseHostPort(rig.tcp) }
    : rig.udp
      ? { kind: 'udp' as const, ...parseHostPort(rig.udp) }
      : undefined;
  return {
    seed,
    cases: envNumber('HIL_FUZZ_CASES') ?? rig.cases ?? profile.cases ?? DEFAULT_CASES,
    minimizeTests: envNumber('HIL_FUZZ_MINIMIZE', 0) ?? rig.minimize ?? profile.minimize ?? DEFAULT_MINIMIZE_TESTS,
    seconds: Math.max(1, Math.floor(total / targets.length)),
    caseDeadlineMs: profile.caseDeadlineMs ?? DEFAULT_CASE_DEADLINE_MS,
    commands,
    grammar,
    dictionary: [
      ...BUILT_IN_TOKENS,
      ...profile.dictionary.map((t) => Buffer.from(t, 'latin1')),
      ...commands.map((c) => Buffer.from(c.name, 'latin1')),
    ],
    samples: {
      console: profile.samples.map((s) => Buffer.from(s, 'latin1')),
      network: (rig.samples ?? []).map((s) => Buffer.from(s, 'latin1')),
    },
    ...(network ? { network } : {}),
    ...('device' in usb ? { usb: usb.device } : {}),
    skip: {
      ...('skip' in usb ? { usb: usb.skip } : {}),
      ...(board.rollback?.path === 'smp'
        ? {}
        : { smp: 'the board has no mcumgr SMP path (rollback.path: smp in the rig)' }),
      ...(network ? {} : { network: 'the rig names no network port for this board (fuzz.tcp or fuzz.udp)' }),
    },
    untestable: 'untestable' in usb ? { usb: usb.untestable } : {},
  };
}

export function sourceFor(plan: FuzzPlan, target: FuzzTargetName): CaseSource {
  const kind = target === 'network' ? plan.network!.kind : target;
  return {
    seed: plan.seed,
    target: kind,
    commands: plan.commands,
    dictionary: plan.dictionary,
    samples: target === 'network' ? plan.samples.network : plan.samples.console,
    maxLength: target === 'console' ? 240 : 1024,
  };
}
