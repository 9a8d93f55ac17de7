/**
 * The commands on run folders: `hil report` (rebuild the reports), `hil verify` (the manifest and its
 * signature), `hil diff`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../util/errors.ts';
import { existingFolder } from '../util/folders.ts';
import { diffRuns, formatDiff } from '../report/diff.ts';
import { buildReports } from '../report/index.ts';
import { loadRunRig } from '../report/ixit.ts';
import { MANIFEST, ManifestError, verifyManifest } from '../report/manifest.ts';
import { type PackInputs, packInputs } from '../report/pack-inputs.ts';
import { readRunFolder } from '../report/run-folder.ts';
import { KeyError, SIGNATURE, verifyManifestSignature } from '../report/signature.ts';
import { EXIT } from '../runner/run.ts';

export async function reportCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { sign: { type: 'string' }, declarations: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('hil report takes one run folder');
  const dir = existingFolder(resolve(positionals[0]!), 'run folder');
  // The key and declarations read first: one that is named and unusable stops here, nothing rebuilt.
  const rigFile = (await readRunFolder(dir)).summary.run.rigFile;
  let pack: PackInputs;
  try {
    pack = packInputs(rigFile ? { file: rigFile, loaded: loadRunRig(rigFile) } : undefined, {
      runFolder: dir,
      ...(values.sign ? { sign: values.sign } : {}),
      ...(values.declarations ? { declarations: values.declarations } : {}),
    });
  } catch (error) {
    throw error instanceof KeyError ? new UsageError(error.message) : error;
  }
  const built = await buildReports(dir, { pack });
  for (const note of built.notes) process.stderr.write(`${note}\n`);
  process.stdout.write(`${built.files.join('\n')}\n`);
  return EXIT.passed;
}

export async function verifyCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { key: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('hil verify takes one run folder');
  const dir = existingFolder(resolve(positionals[0]!), 'run folder');
  if (!existsSync(join(dir, MANIFEST))) throw new UsageError(`${dir} has no ${MANIFEST} (hil report DIR writes one)`);
  // A manifest that cannot be read is nothing checked (exit 2), not something changed (exit 1).
  const result = await verifyManifest(dir).catch((error: unknown) => {
    throw error instanceof ManifestError ? new UsageError(`cannot check ${dir}: ${error.message}`) : error;
  });
  const lines = [
    ...result.changed.map((f) => `changed: ${f}`),
    ...result.missing.map((f) => `missing: ${f}`),
    ...result.added.map((f) => `not in the manifest: ${f}`),
    ...result.notFiles.map((f) => `not a regular file: ${f}`),
  ];
  let signed = existsSync(join(dir, SIGNATURE))
    ? { ok: true, said: `${SIGNATURE} present, not checked (--key PUB checks it)` }
    : { ok: true, said: 'unsigned' };
  if (values.key) {
    try {
      signed = verifyManifestSignature(dir, values.key);
    } catch (error) {
      throw error instanceof KeyError ? new UsageError(error.message) : error;
    }
  }
  const ok = result.ok && signed.ok;
  process.stdout.write(
    `${lines.join('\n')}${lines.length ? '\n' : ''}${ok ? 'OK' : 'FAILED'}: ${result.checked} files in the manifest\nsignature: ${signed.said}\n`,
  );
  return ok ? EXIT.passed : EXIT.failed;
}

export async function diffCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 2) throw new UsageError('hil diff takes two run folders: BEFORE AFTER');
  for (const dir of positionals) existingFolder(dir, 'run folder');
  const diff = await diffRuns(resolve(positionals[0]!), resolve(positionals[1]!));
  process.stdout.write(formatDiff(diff));
  return diff.newFailures.length > 0 ? EXIT.failed : EXIT.passed;
}
