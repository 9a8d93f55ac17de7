/** Loading rig files and the board profiles they name, with every check done before any I/O. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { PROJECT_ROOT } from '../root.ts';
import { parseDuration } from './duration.ts';
import { collectSecrets, Redactor } from './redact.ts';
import { Profile, type BoardWiringConfig, type ProfileConfig, type RigConfig, type RigSchema } from './schema.ts';
import { validateYaml } from './validate.ts';

export interface BootSpec {
  /** The first line of a boot; many FreeRTOS applications print none (see bootMarker). */
  banner?: RegExp;
  ready: RegExp;
  version?: RegExp;
  resetReason?: RegExp;
  deadlineMs: number;
  redFlags: RegExp[];
  required: RegExp[];
}

/** The line a boot is known by: its banner, or for firmware that prints none, its ready line. */
export const bootMarker = (boot: BootSpec): RegExp => boot.banner ?? boot.ready;

export type ResetKind = 'power-on' | 'brown-out' | 'software' | 'watchdog' | 'pin';

export interface BoardProfile {
  name: string;
  file: string;
  lineEnding: string;
  /** Commands wait for this prompt before they are sent. */
  prompt?: RegExp;
  liveness?: { send: string; expect: RegExp; deadlineMs: number };
  /** A line that names this very board (group 1), printed at boot or in answer to `command`. */
  identity?: { pattern: RegExp; command?: string };
  debug: {
    memory: { name: string; address: number; length: number }[];
    consoleProbes: string[];
    romLoader?: 'esp32' | 'stm32';
    usbAllowed: { class: number; subclass?: number; protocol?: number }[];
  };
  baud?: number;
  boot: BootSpec;
  crash: RegExp[];
  resetReasons: Partial<Record<ResetKind, number[]>>;
  /**
   * The reset reason as a register of flags (STM32's RCC_CSR), bit numbers by kind: the first kind,
   * in the profile's order, with a flag set names the reset (a power-on sets BORRSTF and PINRSTF too).
   */
  resetFlags?: Partial<Record<ResetKind, number[]>>;
  actions: Record<string, string>;
  fuzz: {
    commands: string[];
    samples: string[];
    /** Crash signatures that are the firmware's answer to bad input here, by source. */
    handled: string[];
    reserved: string;
    recover: string;
    exclude: string[];
    dictionary: string[];
    caseDeadlineMs?: number;
    cases?: number;
    seconds?: number;
  };
  brownout: { writeMarker?: RegExp; thresholdVolts?: number; detector?: RegExp; writeFailed: RegExp[] };
  credentials: {
    console?: LoginDialog & { start?: string };
    tcp?: LoginDialog;
    web: { userField?: string; passwordField?: string; submit?: string; loggedIn?: string };
    defaults: { user: string; password: string }[];
    lockoutAfter?: number;
    lockoutMs?: number;
  };
}

/** A login's prompts and answers (console, TCP). */
export interface LoginDialog {
  userPrompt: RegExp;
  passwordPrompt: RegExp;
  accepted: RegExp;
  refused: RegExp;
  locked?: RegExp;
}

type DialogConfig = {
  'user-prompt': string;
  'password-prompt': string;
  accepted: string;
  refused: string;
  locked?: string;
};
const dialog = (d: DialogConfig): LoginDialog => ({
  userPrompt: pattern(d['user-prompt']),
  passwordPrompt: pattern(d['password-prompt']),
  accepted: pattern(d.accepted),
  refused: pattern(d.refused),
  ...(d.locked ? { locked: pattern(d.locked) } : {}),
});

export interface LoadedRig {
  file: string;
  config: RigConfig;
  profiles: Map<string, BoardProfile>;
  redactor: Redactor;
}

/** Rig and profile files are a few kilobytes; anything this big is not one. */
const MAX_CONFIG_BYTES = 256 * 1024;

function readText(file: string): string {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    size = stat.size;
  } catch (error) {
    throw new ConfigError([`${file}: cannot read: ${(error as Error).message}`]);
  }
  if (size > MAX_CONFIG_BYTES) {
    throw new ConfigError([`${file}: is ${size} bytes; a rig or profile file is at most ${MAX_CONFIG_BYTES} bytes`]);
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`${file}: cannot read: ${(error as Error).message}`]);
  }
}

const pattern = (source: string) => new RegExp(source, 'm');
/** A config-write's answer that says it failed, where the profile names no pattern of its own. */
const WRITE_FAILED = '\\b(?:[Ff]ail(?:ed|ure)?|FAIL(?:ED|URE)?|[Ee]rror|ERROR)\\b';

function credentialsOf(c: ProfileConfig['credentials']): BoardProfile['credentials'] {
  const web = c?.web ?? {};
  return {
    ...(c?.console
      ? { console: { ...dialog(c.console), ...(c.console.start ? { start: c.console.start } : {}) } }
      : {}),
    ...(c?.tcp ? { tcp: dialog(c.tcp) } : {}),
    web: {
      ...(web['user-field'] ? { userField: web['user-field'] } : {}),
      ...(web['password-field'] ? { passwordField: web['password-field'] } : {}),
      ...(web.submit ? { submit: web.submit } : {}),
      ...(web['logged-in'] ? { loggedIn: web['logged-in'] } : {}),
    },
    defaults: c?.defaults ?? [],
    ...(c?.['lockout-after'] !== undefined ? { lockoutAfter: c['lockout-after'] } : {}),
    ...(c?.lockout !== undefined ? { lockoutMs: parseDuration(c.lockout) } : {}),
  };
}

export function loadProfile(file: string): BoardProfile {
  const shown = displayPath(file);
  const config = validateYaml<ProfileConfig>(shown, readText(file), Profile);
  if (config['reset-flags'] && config['reset-reasons'])
    throw new ConfigError([
      `${shown}: reset-reasons and reset-flags: a board prints one code or a flag register, not both`,
    ]);
  return {
    name: config.name,
    file: shown,
    lineEnding: config.console?.['line-ending'] ?? '\r\n',
    prompt: config.console?.prompt ? pattern(config.console.prompt) : undefined,
    liveness: config.liveness
      ? {
          send: config.liveness.send,
          expect: pattern(config.liveness.expect),
          deadlineMs: parseDuration(config.liveness.deadline),
        }
      : undefined,
    baud: config.console?.baud,
    ...(config.identity
      ? {
          identity: {
            pattern: pattern(config.identity.pattern),
            ...(config.identity.command ? { command: config.identity.command } : {}),
          },
        }
      : {}),
    fuzz: {
      commands: config.fuzz?.commands ?? [],
      samples: config.fuzz?.samples ?? [],
      handled: config.fuzz?.handled ?? [],
      reserved: config.fuzz?.reserved ?? '',
      recover: config.fuzz?.recover ?? '\x03',
      exclude: config.fuzz?.exclude ?? [],
      dictionary: config.fuzz?.dictionary ?? [],
      ...(config.fuzz?.['case-deadline'] !== undefined
        ? { caseDeadlineMs: parseDuration(config.fuzz['case-deadline']) }
        : {}),
      ...(config.fuzz?.cases !== undefined ? { cases: config.fuzz.cases } : {}),
      ...(config.fuzz?.seconds !== undefined ? { seconds: config.fuzz.seconds } : {}),
    },
    boot: {
      ...(config.boot.banner ? { banner: pattern(config.boot.banner) } : {}),
      ready: pattern(config.boot.ready),
      version: config.boot.version ? pattern(config.boot.version) : undefined,
      resetReason: config.boot['reset-reason'] ? pattern(config.boot['reset-reason']) : undefined,
      deadlineMs: parseDuration(config.boot.deadline),
      redFlags: (config.boot['red-flags'] ?? []).map(pattern),
      required: (config.boot.required ?? []).map(pattern),
    },
    crash: (config.crash ?? []).map(pattern),
    credentials: credentialsOf(config.credentials),
    brownout: {
      ...(config.brownout?.['write-marker'] ? { writeMarker: pattern(config.brownout['write-marker']) } : {}),
      ...(config.brownout?.threshold !== undefined ? { thresholdVolts: config.brownout.threshold } : {}),
      ...(config.brownout?.detector ? { detector: pattern(config.brownout.detector) } : {}),
      writeFailed: (config.brownout?.['write-failed'] ?? [WRITE_FAILED]).map(pattern),
    },
    debug: {
      memory: config.debug?.memory ?? [],
      consoleProbes: config.debug?.['console-probes'] ?? [],
      romLoader: config.debug?.['rom-loader'],
      usbAllowed: config.debug?.['usb-allowed'] ?? [],
    },
    resetReasons: config['reset-reasons'] ?? {},
    ...(config['reset-flags'] ? { resetFlags: config['reset-flags'] } : {}),
    actions: config.actions ?? {},
  };
}

/** Checks that need more than one key at a time, which a schema says badly. */
function wiringProblems(file: string, rig: RigConfig, name: string, board: BoardWiringConfig): string[] {
  const at = `${file}: boards.${name}`;
  if (board.qemu) {
    const problems = (
      [
        'console',
        'power',
        'flaws',
        'version',
        'download-mode',
        'rdp-level',
        'help-form',
        'mcumgr',
        'cut',
        'boot-strap',
        'boot-uart',
        'usb',
      ] as const
    )
      .filter((key) => board[key] !== undefined)
      .map((key) => `${at}.${key}: a QEMU board's ${key} comes from QEMU itself; remove it`);
    const firmware = (['loader', 'kernel', 'bios'] as const).filter((key) => board.qemu![key] !== undefined);
    if (firmware.length !== 1) {
      problems.push(
        `${at}.qemu: expected exactly one of loader, kernel or bios, found ${firmware.length ? firmware.join(' and ') : 'none'}`,
      );
    }
    return problems;
  }
  const problems: string[] = [];
  const where = CONSOLE_KINDS.filter((key) => board.console?.[key] !== undefined);
  if (where.length !== 1) {
    problems.push(
      `${at}.console: expected one of "port", "usb", "tcp" or "rfc2217" to say where the console is, found ${where.length ? where.join(' and ') : 'none'}`,
    );
  }
  const autos = autoKeys(board);
  if (!rig.virtual) {
    for (const key of autos)
      problems.push(`${at}.${key}: "auto" needs a virtual rig (virtual: true); give a real address`);
    if (board.flaws?.length) problems.push(`${at}.flaws: flaws are for virtual rigs only (virtual: true)`);
    if (board.version) problems.push(`${at}.version: a firmware version is for virtual rigs only (virtual: true)`);
    if (board['download-mode']) problems.push(`${at}.download-mode: is for virtual rigs only (virtual: true)`);
    if (board['rdp-level'] !== undefined) problems.push(`${at}.rdp-level: is for virtual rigs only (virtual: true)`);
    if (board.cut) problems.push(`${at}.cut: is for virtual rigs only (virtual: true)`);
    if (board['help-form']) problems.push(`${at}.help-form: is for virtual rigs only (virtual: true)`);
    if (board.mcumgr) problems.push(`${at}.mcumgr: is for virtual rigs only (virtual: true)`);
  }
  return problems;
}

const CONSOLE_KINDS = ['port', 'usb', 'tcp', 'rfc2217'] as const;

/** Every key path in a board's wiring whose value is "auto" (filled in by the rig host). */
function autoKeys(value: unknown, path = ''): string[] {
  if (value === 'auto') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => autoKeys(child, path ? `${path}.${key}` : key));
}

/** Whether the rig needs its host process: simulated boards, or boards that are QEMU. */
export function needsRigHost(rig: RigConfig): boolean {
  return rig.virtual === true || Object.values(rig.boards).some((b) => b.qemu !== undefined);
}

const PROJECT_BOARDS = join(PROJECT_ROOT, 'boards');

/** Profiles are looked up in the `boards/` folder beside the rig's folder, then in the project's. */
function profileFile(rigFile: string, profile: string, profilesDir?: string): string {
  const candidates = profilesDir ? [profilesDir] : [join(dirname(resolve(rigFile)), '..', 'boards'), PROJECT_BOARDS];
  const files = candidates.map((dir) => join(dir, `${profile}.yaml`));
  return files.find((f) => existsSync(f)) ?? files[0]!;
}

/**
 * A rig file and the profiles it names, checked against `schema`: the rig schema the driver registry
 * assembles (`Rig` in power/registry.ts), since its power and boot straps are the drivers'.
 */
export function loadRig(file: string, schema: RigSchema, options: { profilesDir?: string } = {}): LoadedRig {
  const shown = displayPath(file);
  const config = validateYaml<RigConfig>(shown, readText(file), schema);
  const problems: string[] = [];
  const profiles = new Map<string, BoardProfile>();
  for (const [name, board] of Object.entries(config.boards)) {
    problems.push(...wiringProblems(shown, config, name, board));
    if (profiles.has(board.profile)) continue;
    const path = profileFile(file, board.profile, options.profilesDir);
    try {
      profiles.set(board.profile, loadProfile(path));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(
        ...error.problems.map((p) =>
          p.includes('cannot read')
            ? `${shown}: boards.${name}.profile: no profile "${board.profile}" (${displayPath(path)})`
            : p,
        ),
      );
    }
  }
  for (const [name, board] of Object.entries(config.boards)) {
    const profile = profiles.get(board.profile);
    if (board.identity !== undefined && profile && !profile.identity)
      problems.push(
        `${shown}: boards.${name}.identity: profile "${board.profile}" names no identity line to compare it with`,
      );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // A profile's own default passwords are kept out of logs as the rig's secrets are.
  const secrets = collectSecrets(schema, config);
  for (const profile of profiles.values()) for (const pair of profile.credentials.defaults) secrets.add(pair.password);
  return { file: shown, config, profiles, redactor: new Redactor(secrets) };
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  return rel.startsWith('..') ? resolve(file) : rel;
}
