/**
 * Where the project is, and how this process runs its code: from the TypeScript sources through tsx
 * (tests, suites of your own), or from their compiled copy in build/js/ (bin/compile.js), which
 * `hil` uses. Paths to the project's files start at PROJECT_ROOT, never at a module's own URL, so
 * that both copies find the same files. Files the project keeps for later (summaries, compiled
 * validators, the virtual boards' keys) are written whole with `writeWholeFile`.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);

function findRoot(dir: string): string {
  if (existsSync(join(dir, 'package.json'))) return dir;
  const parent = dirname(dir);
  if (parent === dir) throw new Error(`${HERE}: no package.json above it`);
  return findRoot(parent);
}

export const PROJECT_ROOT = findRoot(dirname(HERE));
/** This process runs the compiled copy (its modules are .js files under build/js). */
export const COMPILED = HERE.endsWith('.js');
const COMPILED_ROOT = join(PROJECT_ROOT, 'build', 'js');

/**
 * The node arguments that run one of the project's TypeScript files in a new process the way this
 * one runs: its compiled copy, or the source through tsx. A file outside the project always goes
 * through tsx.
 */
export function nodeArgsFor(sourceFile: string): string[] {
  const inside = relative(PROJECT_ROOT, sourceFile);
  if (COMPILED && !inside.startsWith('..')) return [runnableFile(sourceFile)];
  return ['--import', 'tsx', sourceFile];
}

/** The file to import for a project source: its compiled copy in a compiled process. */
export function runnableFile(sourceFile: string): string {
  const inside = relative(PROJECT_ROOT, sourceFile);
  if (!COMPILED || inside.startsWith('..') || !sourceFile.endsWith('.ts')) return sourceFile;
  return join(COMPILED_ROOT, inside.replace(/\.ts$/, '.js'));
}

/**
 * Writes a file under a name of its own first, then renames it into place, so that a process reading
 * it (or a second one writing it at the same moment) never sees half a file.
 */
export function writeWholeFile(file: string, data: string | Uint8Array, mode?: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, data, mode === undefined ? undefined : { mode });
  renameSync(temporary, file);
}
