// The layering the README states, checked on the import graph of harness/, transitively: what a
// module reaches is everything loading it loads (type imports count: they are dependencies too).
// wire/ and standards/ reach nothing outside them; config/ nothing above it; the virtual rig, the far side of the
// wire, only wire/ and config/, so the harness is tested against the protocol, not against itself.
// The driver registry finds its drivers by listing power/drivers/, so it reaches every file there.
// util/root.ts (where the project's files are) and util/errors.ts (the error types) are leaves any layer
// uses; util/ (helpers with no harness knowledge) reaches nothing outside util/.
// And the graph has no circle. Suites import only harness/index.ts.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const LEAVES = ['harness/util/root.ts', 'harness/util/errors.ts'];
const REGISTRY = 'harness/power/registry.ts';
const DRIVERS = 'harness/power/drivers';

const sourcesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f))
    .sort();

/** Every project file a source imports (static, type-only, re-exported or a literal import()). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative('.', join(dirname(file), spec)));
}

const graph = new Map(sourcesUnder('harness').map((file) => [file, importsOf(file)]));
graph.get(REGISTRY)!.push(...sourcesUnder(DRIVERS));

/** Each module `from` reaches, with the chain of imports that reaches it. */
function reach(from: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[from, [from]]]);
  const queue = [from];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const next of graph.get(file) ?? []) {
      if (chains.has(next)) continue;
      chains.set(next, [...chains.get(file)!, next]);
      queue.push(next);
    }
  }
  chains.delete(from);
  return chains;
}

/** Where a layer's modules reach outside what it may: each with one chain of imports that gets there. */
function escapes(layer: string, allowed: (file: string) => boolean): string[] {
  const found = new Map<string, string[]>();
  for (const file of graph.keys()) {
    if (!file.startsWith(`${layer}/`)) continue;
    for (const [target, chain] of reach(file)) if (!allowed(target) && !found.has(target)) found.set(target, chain);
  }
  return [...found.values()].map((chain) => chain.join(' -> '));
}

/** One import circle, as the chain that closes it, or undefined. */
function circle(): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      const found = state.has(next) ? undefined : visit(next);
      if (found) return found;
    }
    path.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of graph.keys()) {
    const found = state.has(file) ? undefined : visit(file);
    if (found) return found;
  }
  return undefined;
}

function inside(...dirs: string[]): (file: string) => boolean {
  return (file) => LEAVES.includes(file) || dirs.some((dir) => file.startsWith(`${dir}/`));
}

t.test('the graph is read: the registry reaches its drivers, the drivers their protocols', async (t) => {
  t.ok(graph.size > 100, 'every file of harness/ is in the graph');
  t.ok(reach(REGISTRY).has('harness/power/drivers/scpi.ts'), 'the registry reaches a driver');
  t.ok(reach(REGISTRY).has('harness/util/serial-stream.ts'), 'and, through it, what the driver imports');
  t.ok(reach('harness/board.ts').has('harness/config/schema.ts'), 'imports are followed transitively');
});

t.test('the leaves import nothing of the harness', async (t) => {
  for (const leaf of LEAVES) t.same(graph.get(leaf), [], leaf);
});

t.test('util/ reaches nothing outside util/', async (t) => {
  t.same(
    escapes('harness/util', (file) => file.startsWith('harness/util/')),
    [],
  );
});

t.test('wire/ reaches nothing outside wire/', async (t) => {
  t.same(
    escapes('harness/wire', (file) => file.startsWith('harness/wire/')),
    [],
  );
});

t.test('standards/ is data: it reaches nothing outside it', async (t) => {
  t.same(
    escapes('harness/standards', (file) => file.startsWith('harness/standards/')),
    [],
  );
});

// declarations.yaml's schema is built from the provision list, so config/ may read standards/.
t.test('config/ reaches nothing above it: only config/, wire/, standards/ and the leaves', async (t) => {
  t.same(escapes('harness/config', inside('harness/config', 'harness/wire', 'harness/standards')), []);
});

// Not all of util/ is open to virtual/: sharing tcp.ts or deadline.ts with the far side of the wire
// would hide a bug on both sides, so virtual/ keeps to the two leaves.
t.test('harness/virtual reaches only wire/, config/ and the leaves of the harness', async (t) => {
  t.ok(sourcesUnder('harness/virtual').length > 5, 'the virtual rig has its files');
  t.same(escapes('harness/virtual', inside('harness/virtual', 'harness/config', 'harness/wire')), []);
});

t.test('the import graph of harness/ has no circle', async (t) => {
  const found = circle();
  t.equal(found?.join(' -> '), undefined, 'no module imports, through others, a module that imports it');
});

t.test('suites import only harness/index.ts of the project', async (t) => {
  for (const suite of sourcesUnder('suites'))
    t.same(
      importsOf(suite).filter((file) => file !== 'harness/index.ts'),
      [],
      suite,
    );
});
