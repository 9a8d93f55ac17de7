/** Folders named on the command line, made or found; what cannot be used is a UsageError. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.ts';

const notFolder = (path: string) => (statSync(path).isFile() ? 'is a file' : 'is not a folder');

/** Makes `dir` and its parents. One that is, or is under, a file, or cannot be made, is a UsageError. */
export function makeFolder(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    if (typeof (error as NodeJS.ErrnoException).code !== 'string') throw error;
    let there = resolve(dir);
    while (!existsSync(there) && dirname(there) !== there) there = dirname(there);
    const why = statSync(there).isDirectory()
      ? (error as Error).message
      : `${there === resolve(dir) ? 'it' : there} ${notFolder(there)}`;
    throw new UsageError(`cannot make the ${what} ${dir}: ${why}`);
  }
}

/** `dir`, which must be an existing folder: a UsageError when it is missing or not a folder. */
export function existingFolder(dir: string, what: string): string {
  if (!existsSync(dir)) throw new UsageError(`no ${what} ${dir}`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`not a ${what}: ${dir} ${notFolder(dir)}`);
  return dir;
}
