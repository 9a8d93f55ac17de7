// The harness and its suites compiled once to plain JavaScript in build/js/, so that `hil` and every
// suite process it starts load no TypeScript loader (tsx cost each process about 0.5 s: its hooks
// run in a thread of their own, and every module's resolve and load waited on it).
// `ensureCompiled()`, called by bin/hil.js, compares each source's mtime with the one its output was
// stamped with (a few ms for the whole tree), recompiles only what changed, copies the other files
// beside them (a JSON table a module reads by its own URL), and deletes outputs whose source is gone
// (the driver registry lists its folder). TypeScript's transpileModule strips types file by file, as
// tsx does, and rewrites `./x.ts` imports to `./x.js`; type checking stays with `npm run typecheck`.
// Each output is written under a temporary name and renamed, so two `hil` processes compiling at
// once cannot leave a half-written file.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['harness', 'suites'];

/** Every file under `dir`, relative to `root`. */
function walk(root, dir, files = []) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(root, path, files);
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

/** Written under a temporary name, stamped with its source's mtime, then renamed into place. */
function writeAtomically(file, content, sourceMtime) {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  utimesSync(temporary, new Date(), new Date(sourceMtime));
  renameSync(temporary, file);
}

/** Brings `root`/build/js up to date with the sources; returns how many files it wrote. */
export async function ensureCompiled(root = PROJECT) {
  const out = join(root, 'build', 'js');
  const outputOf = (source) => join(out, source.endsWith('.ts') ? source.replace(/\.ts$/, '.js') : source);
  const sources = SOURCES.flatMap((dir) => walk(root, dir)).filter((f) => !f.endsWith('.d.ts'));
  // An output carries its source's mtime: any other mtime (an edit, a checkout, a copy of an older
  // file) means the source is not the one it was compiled from.
  // (utimes stamps to within a microsecond or so: a millisecond apart is another file.)
  const stale = sources.filter((source) => Math.abs(mtime(join(root, source)) - mtime(outputOf(source))) >= 1);
  if (stale.length > 0) {
    const { default: ts } = await import('typescript');
    const compilerOptions = {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      rewriteRelativeImportExtensions: true,
    };
    for (const source of stale) {
      const text = readFileSync(join(root, source));
      const content = source.endsWith('.ts')
        ? ts.transpileModule(text.toString('utf8'), { fileName: source, compilerOptions }).outputText
        : text;
      writeAtomically(outputOf(source), content, mtime(join(root, source)));
    }
  }
  const wanted = new Set(sources.map(outputOf));
  for (const dir of SOURCES) {
    let outputs;
    try {
      outputs = walk(root, relative(root, join(out, dir)));
    } catch {
      continue; // nothing compiled there yet
    }
    for (const output of outputs) {
      // Another process's output on its way into place is not a leftover.
      if (!output.endsWith('.tmp') && !wanted.has(join(root, output))) rmSync(join(root, output), { force: true });
    }
  }
  return stale.length;
}
