/**
 * MANIFEST.sha256: the SHA-256 of every file in the run folder, in `sha256sum -c` format (hex, two
 * spaces, the path relative to the folder), written last; `verify` recomputes it and names every file
 * changed, missing or added since.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const MANIFEST = 'MANIFEST.sha256';

function files(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path, root);
    if (!entry.isFile()) return [];
    const rel = relative(root, path).split(sep).join('/');
    return rel === MANIFEST ? [] : [rel];
  });
}

const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

export function writeManifest(dir: string): string {
  const lines = files(dir)
    .sort()
    .map((f) => `${digest(join(dir, f))}  ${f}\n`);
  const file = join(dir, MANIFEST);
  writeFileSync(file, lines.join(''));
  return file;
}

export interface Verification {
  ok: boolean;
  checked: number;
  changed: string[];
  missing: string[];
  added: string[];
}

export function verifyManifest(dir: string): Verification {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) throw new Error(`${dir} has no ${MANIFEST}`);
  const listed = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new Error(`${MANIFEST}: not a sha256sum line: ${line.slice(0, 100)}`);
    listed.set(m[2]!, m[1]!);
  }
  const present = new Set(files(dir));
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [path, hex] of listed) {
    if (!present.has(path)) missing.push(path);
    else if (digest(join(dir, path)) !== hex) changed.push(path);
  }
  const added = [...present].filter((p) => !listed.has(p)).sort();
  return { ok: changed.length + missing.length + added.length === 0, checked: listed.size, changed, missing, added };
}
