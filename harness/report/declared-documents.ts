/**
 * The documents declarations.yaml points at by path, copied into the run folder with it (under
 * `declared-documents/`, by the same relative path), so the pack an assessor takes holds them. A URL
 * stays a link. A path must stay inside the declarations' folder (the schema refuses `..` and `/`; a
 * symbolic link that leads out of it is refused here), be a regular file, and be at most 64 MiB; one
 * that is not is named, and the report says it is not in the pack.
 */
import { copyFileSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { Answer, LoadedDeclarations } from '../config/declarations.ts';

export const DOCUMENTS_DIR = 'declared-documents';
/** A policy or a manual as a PDF is a few MiB; this bounds what a run folder takes in. */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

export const isUrl = (document: string) => /^https?:\/\//.test(document);

/** Every local document the file names, once each. */
export function localDocuments(declarations: LoadedDeclarations): string[] {
  const c = declarations.config;
  const sets = [c, ...Object.values(c.boards ?? {})];
  const answers = sets.flatMap((set) => [
    ...Object.values((set.provisions ?? {}) as Record<string, Answer | undefined>),
    ...Object.values((set.ixit ?? {}) as Record<string, Answer | undefined>),
  ]);
  const named = answers.map((a) => a?.document).filter((d): d is string => d !== undefined && !isUrl(d));
  return [...new Set(named)].sort();
}

/** Why a document cannot go in the pack, or undefined when it can. */
function refusal(folder: string, document: string): string | undefined {
  const source = join(folder, document);
  let size: number;
  try {
    // A link is followed only where it stays in the folder: a pack holds the manufacturer's files alone.
    const real = realpathSync(source);
    if (!real.startsWith(realpathSync(folder) + sep)) return "outside the declarations' folder";
    const stat = statSync(real);
    if (!stat.isFile()) return 'not a regular file';
    size = stat.size;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not there' : (error as Error).message;
  }
  return size > MAX_DOCUMENT_BYTES ? `${size} bytes, over the ${MAX_DOCUMENT_BYTES} a document may be` : undefined;
}

export interface DocumentsCopied {
  copied: string[];
  /** `<document>: <why>`, each not in the pack. */
  refused: string[];
}

export function copyDeclaredDocuments(declarations: LoadedDeclarations, dir: string): DocumentsCopied {
  const copied: string[] = [];
  const refused: string[] = [];
  for (const document of localDocuments(declarations)) {
    const why = refusal(declarations.folder, document);
    if (why) {
      refused.push(`${document}: ${why}`);
      continue;
    }
    const target = join(dir, DOCUMENTS_DIR, document);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(realpathSync(join(declarations.folder, document)), target);
    copied.push(target);
  }
  return { copied, refused };
}
