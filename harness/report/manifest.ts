/**
 * MANIFEST.sha256: the SHA-256 of every file in the run folder, in `sha256sum -c` format (hex, two
 * spaces, the path relative to the folder), written last; `verify` recomputes it and names every file
 * changed, missing or added since.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Streamed: a console capture of gigabytes is hashed in a fixed amount of memory. */
async function digest(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { signal, highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `signal`: stop hashing, and write nothing (a report step past its deadline). */
export async function writeManifest(dir: string, signal?: AbortSignal): Promise<string> {
  const lines: string[] = [];
  for (const f of files(dir).sort()) lines.push(`${await digest(join(dir, f), signal)}  ${f}\n`);
  signal?.throwIfAborted();
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

export async function verifyManifest(dir: string): Promise<Verification> {
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
    else if ((await digest(join(dir, path))) !== hex) changed.push(path);
  }
  const added = [...present].filter((p) => !listed.has(p)).sort();
  return { ok: changed.length + missing.length + added.length === 0, checked: listed.size, changed, missing, added };
}
