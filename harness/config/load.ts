/** Loading rig files and the board profiles they name, with every check done before any I/O. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../util/errors.ts';
import { PROJECT_ROOT } from '../util/root.ts';
import { type BoardProfile, loadProfile } from './profile.ts';
import { displayPath, readText } from './read-file.ts';
import { collectSecrets, Redactor } from './redact.ts';
import { RIG_RENAMES } from './renamed.ts';
import { wiringProblems } from './rig-checks.ts';
import { resolveConfig } from './resolve.ts';
import type { BoardConfig, RigConfig, RigSchema } from './schema.ts';
import { validateYaml } from './validate.ts';

// The profile's API beside the rig's: suites and the board read both from here.
export {
  type BoardProfile,
  type BootSpec,
  bootMarker,
  type LoginDialog,
  loadProfile,
  type ResetKind,
} from './profile.ts';

export interface LoadedRig {
  file: string;
  /** The rig as its file gives it. */
  config: RigConfig;
  /** Each board's entry as the harness reads it, by board name. */
  boards: Record<string, BoardConfig>;
  profiles: Map<string, BoardProfile>;
  redactor: Redactor;
  /** Renamed keys the file still uses (`file:line:col: key: renamed ...`), for whoever loaded it for a person. */
  warnings: string[];
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
  const warnings: string[] = [];
  const config = validateYaml<RigConfig>(shown, readText(file), schema, {
    renames: RIG_RENAMES,
    warn: (warning) => warnings.push(warning),
  });
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
  return {
    file: shown,
    config,
    boards: resolveConfig(schema, config).boards,
    profiles,
    redactor: new Redactor(secrets),
    warnings,
  };
}
