// The README's rig, profile and declarations examples must be valid files: a user copies them. A rig
// example loads as a rig does (its profiles must ship), and so do the rigs in rigs/.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRig } from '../harness/config/load.ts';
import { validateYaml } from '../harness/config/validate.ts';
import { Declarations } from '../harness/config/declarations.ts';
import { Profile } from '../harness/config/schema.ts';
import { Rig } from '../harness/power/registry.ts';

const readme = readFileSync('README.md', 'utf8');
const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
t.ok(blocks.length >= 4, 'the README has its YAML examples');
// The README's own profiles go in the boards/ folder beside the rigs; the rest come from the project's.
const dir = t.testdir();
const [rigs, boards] = [join(dir, 'rigs'), join(dir, 'boards')];
mkdirSync(rigs);
mkdirSync(boards);
const isProfile = (block: string) => /^# boards\//m.test(block) || /^boot:/m.test(block);
for (const block of blocks.filter(isProfile)) {
  const name = block.split('\n')[0];
  t.doesNotThrow(() => validateYaml(`README ${name}`, block, Profile), `${name} is a valid profile`);
  writeFileSync(join(boards, `${/^name: (\S+)/m.exec(block)![1]}.yaml`), block);
}
const isDeclarations = (block: string) => /^# rigs\/declarations\.yaml/m.test(block);
for (const block of blocks.filter(isDeclarations))
  t.doesNotThrow(() => validateYaml('README declarations.yaml', block, Declarations), 'a valid declarations.yaml');
for (const [i, block] of blocks.entries()) {
  if (isProfile(block) || isDeclarations(block)) continue;
  const file = join(rigs, `readme-${i}.yaml`);
  writeFileSync(file, block);
  t.doesNotThrow(() => loadRig(file, Rig), `${block.split('\n')[0]} loads, with the profiles it names`);
}

for (const file of readdirSync('rigs').filter((f) => f.endsWith('.yaml'))) {
  t.doesNotThrow(() => loadRig(join('rigs', file), Rig), `rigs/${file} loads`);
}

// docs/extending.md: every project path it names exists, its driver is the tested fixture as it is, and
// its profile is a valid one.
const extending = readFileSync('docs/extending.md', 'utf8');
const paths = [
  ...new Set([...extending.matchAll(/`((?:harness|test|suites|boards|schemas)\/[^`\s]*)`/g)].map((m) => m[1]!)),
];
t.ok(paths.length > 10, 'docs/extending.md names the files it speaks of');
for (const path of paths.filter((p) => !/NAME|\*/.test(p))) t.ok(existsSync(path), `docs/extending.md: ${path} exists`);
const [driver] = [...extending.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
t.equal(driver, readFileSync('test/fixtures/drivers/line-relay.ts', 'utf8'), "its driver is test/drivers' line-relay");
for (const block of [...extending.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!))
  t.doesNotThrow(() => validateYaml('docs/extending.md profile', block, Profile), `${block.split('\n')[0]} is valid`);
