// Validators kept as ajv standalone code (harness/config/compiled-schema.ts): a kept validator must
// judge a file exactly as a freshly compiled one does, custom formats included, and a broken kept
// file must be compiled again, never trusted.
import t from 'tap';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cacheFileOf, validatorFor } from '../harness/config/compiled-schema.ts';
import { Profile } from '../harness/config/profile-schema.ts';
import { Rig } from '../harness/power/registry.ts';
import type { TSchema } from '../harness/config/typebox.ts';

const corpus = 'test/fixtures/config';
/** An equal schema that is a new object: the in-process map misses, so the kept file is read. */
const copyOf = (schema: TSchema): TSchema => structuredClone(schema);

t.test('a kept validator gives the errors a fresh compile gives, for every file of the corpus', async (t) => {
  const dir = t.testdir({});
  const fresh = { rig: validatorFor(copyOf(Rig), dir), profile: validatorFor(copyOf(Profile), dir) };
  t.ok(existsSync(cacheFileOf(Rig, dir)) && existsSync(cacheFileOf(Profile, dir)), 'both validators were kept');
  const kept = { rig: validatorFor(copyOf(Rig), dir), profile: validatorFor(copyOf(Profile), dir) };
  t.not(kept.rig, fresh.rig, 'the second is the kept file, not the same function');
  const files = readdirSync(corpus).filter((f) => f.endsWith('.yaml'));
  let judged = 0;
  for (const file of files) {
    let data: unknown;
    try {
      data = parse(readFileSync(join(corpus, file), 'utf8'), { maxAliasCount: 100 });
    } catch {
      continue; // not YAML at all: the validator never sees it
    }
    const kind = file.endsWith('.rig.yaml') ? 'rig' : 'profile';
    const verdicts = [fresh[kind], kept[kind]].map((validate) => ({ ok: validate(data), errors: validate.errors }));
    t.same(verdicts[1], verdicts[0], `${file}: the same verdict and errors`);
    judged++;
  }
  t.ok(judged >= 10, 'most of the corpus was judged');
});

t.test('the custom formats hold in a kept validator', async (t) => {
  const dir = t.testdir({});
  validatorFor(copyOf(Profile), dir);
  const validate = validatorFor(copyOf(Profile), dir);
  const profile = parse(readFileSync('boards/esp32-devkitc.yaml', 'utf8')) as Record<string, unknown>;
  t.ok(validate(profile), 'a shipped profile passes', { errors: validate.errors });
  const hostile = { ...profile, crash: ['(a+)+$'] };
  t.notOk(validate(hostile), 'a backtracking pattern is refused');
});

t.test('a kept file that is broken is compiled again and replaced', async (t) => {
  const dir = t.testdir({});
  const file = cacheFileOf(Rig, dir);
  validatorFor(copyOf(Rig), dir);
  writeFileSync(file, 'module.exports = (');
  const validate = validatorFor(copyOf(Rig), dir);
  t.notOk(validate({ name: 'x' }), 'still judges');
  t.match(readFileSync(file, 'utf8'), /module\.exports = function \(formats\)/, 'the file was written again');
});
