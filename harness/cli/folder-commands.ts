/** The commands on run folders: `hil report` (rebuild the reports), `hil verify` (the manifest), `hil diff`. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../util/errors.ts';
import { existingFolder } from '../util/folders.ts';
import { diffRuns, formatDiff } from '../report/diff.ts';
import { buildReports } from '../report/index.ts';
import { MANIFEST, ManifestError, verifyManifest } from '../report/manifest.ts';
import { EXIT } from '../runner/run.ts';

export async function reportCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('hil report takes one run folder');
  const dir = existingFolder(resolve(positionals[0]!), 'run folder');
  const built = await buildReports(dir);
  for (const note of built.notes) process.stderr.write(`${note}\n`);
  process.stdout.write(`${built.files.join('\n')}\n`);
  return EXIT.passed;
}

export async function verifyCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
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
  process.stdout.write(
    `${lines.join('\n')}${lines.length ? '\n' : ''}${result.ok ? 'OK' : 'FAILED'}: ${result.checked} files in the manifest\n`,
  );
  return result.ok ? EXIT.passed : EXIT.failed;
}

export async function diffCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 2) throw new UsageError('hil diff takes two run folders: BEFORE AFTER');
  for (const dir of positionals) existingFolder(dir, 'run folder');
  const diff = await diffRuns(resolve(positionals[0]!), resolve(positionals[1]!));
  process.stdout.write(formatDiff(diff));
  return diff.newFailures.length > 0 ? EXIT.failed : EXIT.passed;
}
