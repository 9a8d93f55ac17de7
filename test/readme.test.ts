// The README's rig and profile examples must be valid files: a user copies them.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { validateYaml } from '../harness/config/validate.ts';
import { Profile, Rig } from '../harness/config/schema.ts';

const readme = readFileSync('README.md', 'utf8');
const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
t.ok(blocks.length >= 3, 'the README has its YAML examples');
for (const block of blocks) {
  const isProfile = /^# boards\//m.test(block) || /^boot:/m.test(block);
  const name = block.split('\n')[0];
  t.doesNotThrow(
    () => validateYaml(`README ${name}`, block, isProfile ? Profile : Rig),
    `${name} is a valid ${isProfile ? 'profile' : 'rig'}`,
  );
}
