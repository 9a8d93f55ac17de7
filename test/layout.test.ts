// The virtual rig is the far side of the wire: it shares wire-format codecs and config with the
// harness, never harness logic, so the harness is tested against the protocol, not against itself.
// (root.ts, where the project's files are, is no logic of either side.)
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const VIRTUAL = 'harness/virtual';

t.test('harness/virtual imports only wire/, config/ and root.ts from the harness', async (t) => {
  const files = readdirSync(VIRTUAL).filter((f) => f.endsWith('.ts'));
  t.ok(files.length > 5, 'the virtual rig has its files');
  for (const file of files) {
    const source = readFileSync(join(VIRTUAL, file), 'utf8');
    const imports = [...source.matchAll(/\bfrom\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);
    const outside = imports.filter((spec) => spec.startsWith('..') && !/^\.\.\/(wire\/|config\/|root\.ts$)/.test(spec));
    t.same(outside, [], `${file} reaches nothing of the harness but wire/, config/ and root.ts`);
  }
});
