// bin/compile.js: `hil` runs the harness compiled to build/js, recompiled file by file when a source
// changes; a stale output must never be run, and an output whose source is gone must not be found.
import t from 'tap';
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
// @ts-expect-error: plain JavaScript (it runs before any TypeScript can), with no declarations
import { ensureCompiled } from '../bin/compile.js';

const compile = ensureCompiled as (root: string) => Promise<number>;

t.test(
  'compiled once, again only what changed; imports rewritten; other files copied; leftovers removed',
  async (t) => {
    const root = t.testdir({
      harness: {
        'a.ts': "import { b } from './b.ts';\nimport type { B } from './b.ts';\nexport const a: B = b;\n",
        'b.ts': 'export interface B { n: number }\nexport const b: B = { n: 1 };\n',
        'table.json': '{"x": 1}',
      },
      suites: { 's.ts': "import { a } from '../harness/a.ts';\nconsole.log(a.n);\n" },
    });
    t.equal(await compile(root), 4, 'every file the first time');
    const a = readFileSync(join(root, 'build/js/harness/a.js'), 'utf8');
    t.match(a, /from "\.\/b\.js"/, 'a .ts import becomes a .js import');
    t.notMatch(a, /interface|: B/, 'types are stripped');
    t.equal(readFileSync(join(root, 'build/js/harness/table.json'), 'utf8'), '{"x": 1}');
    const run = spawnSync(process.execPath, [join(root, 'build/js/suites/s.js')], { encoding: 'utf8' });
    t.equal(run.stdout.trim(), '1', 'the output runs in plain Node');
    t.equal(await compile(root), 0, 'nothing again while nothing changed');

    writeFileSync(join(root, 'harness/b.ts'), 'export const b = { n: 2 };\n');
    t.equal(await compile(root), 1, 'an edited source, and only it');
    t.match(readFileSync(join(root, 'build/js/harness/b.js'), 'utf8'), /n: 2/);

    // A source older than its output (a checkout, a copy with its mtime kept) is still another source.
    writeFileSync(join(root, 'harness/b.ts'), 'export const b = { n: 3 };\n');
    utimesSync(join(root, 'harness/b.ts'), new Date(0), new Date(0));
    t.equal(await compile(root), 1, 'an older mtime is a change too');
    t.match(readFileSync(join(root, 'build/js/harness/b.js'), 'utf8'), /n: 3/);

    rmSync(join(root, 'suites/s.ts'));
    await compile(root);
    t.notOk(existsSync(join(root, 'build/js/suites/s.js')), 'the output of a deleted source is removed');
  },
);
