/**
 * MANIFEST.sha256: the SHA-256 of every file in the run folder, in `sha256sum -c` format (hex, two
 * spaces, the path relative to the folder), written last; `verify` recomputes it and names every file
 * changed, missing or added since. Only regular files are hashed, read as streams; anything else in the
 * folder (a symbolic link above all: it would vouch for a file outside the run) is named, and fails verify.
 */
import { createHash } from 'node:crypto';
import { constants, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { folderFile, linkTarget, oddKind } from './folder-file.ts';

export const MANIFEST = 'MANIFEST.sha256';
/** The detached signature over the manifest (report/signature.ts): made after it, so not in it. */
export const SIGNATURE = `${MANIFEST}.sig`;

interface Entries {
  /** Regular files, relative to the folder, the manifest and its signature left out. */
  files: string[];
  /** Everything else but folders, each as `<path> (<what it is>)`. */
  odd: string[];
}

function entries(dir: string, root = dir, found: Entries = { files: [], odd: [] }): Entries {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(root, path).split(sep).join('/');
    if (entry.isDirectory()) entries(path, root, found);
    else if (entry.isFile()) {
      if (rel !== MANIFEST && rel !== SIGNATURE) found.files.push(rel);
    } else found.odd.push(`${rel} (${oddKind(entry)}${linkTarget(path)})`);
  }
  found.odd.sort();
  return found;
}

/** Streamed: a console capture of gigabytes is hashed in a fixed amount of memory. */
async function digest(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  // No link, and no FIFO to block on, put there since the folder was listed.
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    for await (const chunk of handle.createReadStream({ signal, highWaterMark: 1024 * 1024, autoClose: false }))
      hash.update(chunk as Buffer);
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/**
 * `signal`: stop hashing, and write nothing (a report step past its deadline). `leftOut`: what is in
 * the folder but not a regular file, so not in the manifest.
 */
export async function writeManifest(dir: string, signal?: AbortSignal): Promise<{ file: string; leftOut: string[] }> {
  const found = entries(dir);
  const lines: string[] = [];
  for (const f of found.files.sort()) lines.push(`${await digest(join(dir, f), signal)}  ${f}\n`);
  signal?.throwIfAborted();
  const file = join(dir, MANIFEST);
  writeFileSync(file, lines.join(''));
  return { file, leftOut: found.odd };
}

export interface Verification {
  ok: boolean;
  checked: number;
  changed: string[];
  missing: string[];
  added: string[];
  /** In the folder, and not a regular file (a symbolic link, a FIFO): never vouched for. */
  notFiles: string[];
}

/** The manifest cannot be read as one: nothing can be checked against it (not the same as a change). */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** A line as shown in one line of a terminal: quoted, cut, everything but printable ASCII escaped. */
const shownLine = (line: string) =>
  JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}...` : line).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

function readListed(dir: string): Map<string, string> {
  const own = folderFile(dir, MANIFEST);
  if ('missing' in own) throw new ManifestError(`there is no ${MANIFEST}`);
  if ('refused' in own) throw new ManifestError(own.refused);
  let text: string;
  try {
    text = readFileSync(own.path, 'utf8');
  } catch (error) {
    throw new ManifestError(`${MANIFEST} could not be read: ${(error as Error).message}`);
  }
  const listed = new Map<string, string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new ManifestError(`${MANIFEST} line ${i + 1} is not "<64 hex digits>  <path>": ${shownLine(line)}`);
    listed.set(m[2]!, m[1]!);
  }
  return listed;
}

/** Throws a ManifestError when the manifest is missing or not one. */
export async function verifyManifest(dir: string): Promise<Verification> {
  const listed = readListed(dir);
  const found = entries(dir);
  const present = new Set(found.files);
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [path, hex] of listed) {
    if (!present.has(path)) missing.push(path);
    else if ((await digest(join(dir, path))) !== hex) changed.push(path);
  }
  const added = [...present].filter((p) => !listed.has(p)).sort();
  const notFiles = found.odd;
  const ok = changed.length + missing.length + added.length + notFiles.length === 0;
  return { ok, checked: listed.size, changed, missing, added, notFiles };
}
