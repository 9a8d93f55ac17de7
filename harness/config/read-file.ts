/** Reading a rig or profile file, bounded, and the name it is shown by in messages. */
import { readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ConfigError } from '../util/errors.ts';

/** Rig and profile files are a few kilobytes; anything this big is not one. */
const MAX_CONFIG_BYTES = 256 * 1024;

export function readText(file: string): string {
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

/** A file relative to the working folder where it is below it, else absolute. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  return rel.startsWith('..') ? resolve(file) : rel;
}
