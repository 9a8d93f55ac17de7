/**
 * What a run's reports take from outside the run folder, found the same way by `hil run` and
 * `hil report`: the lab's signing key (`--sign KEY`, else the rig's lab.signing-key, relative to the
 * rig file) and the manufacturer's declarations.yaml (`--declarations FILE`, else the one beside the
 * rig, else the copy an earlier report left in the run folder). Either, when named but unusable, is an
 * error naming the file: a signed pack or a declared provision is never dropped without a word.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  DECLARATIONS_FILE,
  declarationsBeside,
  type LoadedDeclarations,
  loadDeclarations,
} from '../config/declarations.ts';
import type { LoadedRig } from '../config/load.ts';
import { folderFile } from './folder-file.ts';
import { loadSigningKey, type SigningKey } from './signature.ts';

export interface PackInputs {
  signer?: SigningKey;
  declarations?: LoadedDeclarations;
}

/** The rig's key file, resolved against the rig's folder. */
export function rigSigningKey(rig: LoadedRig | undefined): string | undefined {
  const named = rig?.config.lab?.['signing-key'];
  return named === undefined ? undefined : resolve(dirname(resolve(rig!.file)), named);
}

/**
 * Throws a ConfigError (declarations) or KeyError (key) for a file that is named or present but
 * cannot be used; `rig`: none when the run's rig is unknown (an unreadable summary); `runFolder`: where a
 * rebuilt report finds the copy of the declarations it used.
 */
export function packInputs(
  rig: { file: string; loaded?: LoadedRig } | undefined,
  options: { sign?: string; declarations?: string; runFolder?: string },
): PackInputs {
  const keyFile = options.sign ?? rigSigningKey(rig?.loaded);
  const beside = rig ? declarationsBeside(rig.file) : undefined;
  const copy = options.runFolder ? folderFile(options.runFolder, DECLARATIONS_FILE) : undefined;
  const declarationsFile =
    options.declarations ?? (beside && existsSync(beside) ? beside : copy && 'path' in copy ? copy.path : undefined);
  return {
    ...(keyFile ? { signer: loadSigningKey(keyFile) } : {}),
    ...(declarationsFile ? { declarations: loadDeclarations(declarationsFile) } : {}),
  };
}
