/**
 * Config keys that were renamed: the old key is still read, as the new one, with a warning that names
 * where it is, until the next breaking release. The schemas forbid unknown keys, so the old key is
 * moved before validation; the JSON Schemas list only the new one, so an editor points users to it.
 */
import { type Document, isMap, isPair, isScalar } from 'yaml';
import { ConfigError } from '../util/errors.ts';

export interface Rename {
  /** The mapping the key sits in, as a key path; `*` stands for any key (a board's name). */
  at: readonly string[];
  from: string;
  to: string;
}

export const RIG_RENAMES: readonly Rename[] = [
  // issue 28: `cut` is a power cut only (brownout.cut); a wire left unconnected is `disconnected`.
  { at: ['boards', '*'], from: 'cut', to: 'disconnected' },
];

/**
 * Moves each old key of `data` (the document as JS) to its new name. Returns one warning per key moved;
 * both names in one mapping is a problem. `where` turns a source offset into `file:line:col`.
 */
export function renameKeys(
  data: unknown,
  doc: Document,
  renames: readonly Rename[],
  where: (offset: number) => string,
): string[] {
  const warnings: string[] = [];
  const problems: string[] = [];
  for (const rename of renames) {
    for (const [path, mapping] of mappingsAt(data, rename.at)) {
      if (!Object.hasOwn(mapping, rename.from)) continue;
      const at = `${where(keyOffset(doc, path, rename.from))}: ${[...path, rename.from].join('.')}`;
      if (Object.hasOwn(mapping, rename.to)) {
        problems.push(`${at}: renamed ${rename.to}, and both are given: give ${rename.to} only`);
        continue;
      }
      mapping[rename.to] = mapping[rename.from];
      delete mapping[rename.from];
      warnings.push(`${at}: renamed ${rename.to}; ${rename.from} is read as ${rename.to} for now`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return warnings;
}

/** Where a person reads the warnings: loading a rig for `hil run`, `doctor`, `list`, or a suite alone. */
export function printWarnings(warnings: readonly string[]): void {
  for (const warning of warnings) process.stderr.write(`hil: warning: ${warning}\n`);
}

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every mapping at `at` in `data`, with its concrete key path. */
function mappingsAt(data: unknown, at: readonly string[]): [string[], Mapping][] {
  let found: [string[], unknown][] = [[[], data]];
  for (const key of at) {
    found = found.flatMap(([path, value]) => {
      if (!isMapping(value)) return [];
      const keys = key === '*' ? Object.keys(value) : Object.hasOwn(value, key) ? [key] : [];
      return keys.map((k): [string[], unknown] => [[...path, k], value[k]]);
    });
  }
  return found.filter((entry): entry is [string[], Mapping] => isMapping(entry[1]));
}

/** The key's own position; for a key brought in by a merge (`<<: *board`), its mapping's. */
function keyOffset(doc: Document, path: string[], key: string): number {
  const mapping = doc.getIn(path, true);
  if (!isMap(mapping)) return 0;
  const pair = mapping.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
  return (pair && isScalar(pair.key) ? pair.key.range?.[0] : mapping.range?.[0]) ?? 0;
}
