/**
 * A board profile as the harness reads it: its schema's keys in camelCase, patterns compiled,
 * durations in ms and the schema's defaults filled in (config/resolve.ts), so a key is added to the
 * schema (profile-schema.ts, suite-options.ts) and nowhere else.
 */
import { ConfigError } from '../util/errors.ts';
import { displayPath, readText } from './read-file.ts';
import { Profile, type ProfileConfig } from './profile-schema.ts';
import { type Resolved, resolveConfig } from './resolve.ts';
import { validateYaml } from './validate.ts';

export type BoardProfile = Resolved<typeof Profile> & {
  /** The profile's file, as shown in messages. */
  file: string;
};
/** A boot's lines; many FreeRTOS applications print no banner (see bootMarker). */
export type BootSpec = BoardProfile['boot'];
/** A login's prompts and answers (console, TCP). */
export type LoginDialog = NonNullable<BoardProfile['credentials']['tcp']>;
export type ResetKind = keyof BoardProfile['resetReasons'];

/** The line a boot is known by: its banner, or for firmware that prints none, its ready line. */
export const bootMarker = (boot: BootSpec): RegExp => boot.banner ?? boot.ready;

export function loadProfile(file: string): BoardProfile {
  const shown = displayPath(file);
  const config = validateYaml<ProfileConfig>(shown, readText(file), Profile);
  if (config['reset-flags'] && config['reset-reasons'])
    throw new ConfigError([
      `${shown}: reset-reasons and reset-flags: a board prints one code or a flag register, not both`,
    ]);
  return { ...resolveConfig(Profile, config), file: shown };
}
