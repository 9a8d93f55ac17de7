import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProfile, loadRig } from '../harness/config/load.ts';
import { Rig } from '../harness/power/registry.ts';
import { REDACTED } from '../harness/config/redact.ts';
import { ConfigError } from '../harness/util/errors.ts';

const corpus = 'test/fixtures/config';

t.test('every broken file in the corpus gives its expected message', async (t) => {
  const files = readdirSync(corpus).filter((f) => f.endsWith('.yaml'));
  t.ok(files.length >= 12, 'the corpus has its files');
  for (const file of files) {
    const path = join(corpus, file);
    const expected = /^# expect: (.*)$/m.exec(readFileSync(path, 'utf8'))?.[1];
    t.ok(expected, `${file} states what it expects`);
    const load = () => (file.endsWith('.rig.yaml') ? loadRig(path, Rig, { profilesDir: 'boards' }) : loadProfile(path));
    try {
      load();
      t.fail(`${file} was accepted`);
    } catch (error) {
      t.type(error, ConfigError, `${file} is a configuration error`);
      const problems = (error as ConfigError).problems;
      t.ok(
        problems.some((p) => p.includes(expected!)),
        `${file}: message names file, position, key path, expected and found`,
        { expected, found: problems },
      );
    }
  }
});

t.test('the shipped rig and profiles load', async (t) => {
  const rig = loadRig('rigs/virtual.yaml', Rig);
  t.same(Object.keys(rig.config.boards), ['virtual-hardened', 'virtual-legacy']);
  const profile = rig.profiles.get('virtual')!;
  t.equal(profile.boot.deadlineMs, 5000);
  t.ok(profile.boot.ready.test('ready'));
  t.same(profile.resetReasons['brown-out'], [0xf]);
});

t.test('secrets in a rig file are collected and redacted', async (t) => {
  const dir = t.testdir({
    'secret.yaml': [
      'name: bench',
      'boards:',
      '  b:',
      '    profile: virtual',
      '    console: { port: /dev/ttyUSB0 }',
      '    power: { driver: tasmota, url: "http://10.1.1.1", user: admin, password: "hunter2-relay" }',
      '    credentials: { user: admin, password: "s3cret-console" }',
    ].join('\n'),
  });
  const rig = loadRig(join(dir, 'secret.yaml'), Rig, { profilesDir: 'boards' });
  const text = 'login s3cret-console then relay password=hunter2-relay';
  t.equal(rig.redactor.redact(text), `login ${REDACTED} then relay password=${REDACTED}`);
});

t.test('a rig with cut: loads as disconnected, with one warning naming file:line and the new key', async (t) => {
  const dir = t.testdir({
    'old.rig.yaml': [
      'name: bench',
      'virtual: true',
      'boards:',
      '  a: &board',
      '    profile: virtual',
      '    console: { port: auto }',
      '    cut: [debug, console-rx]',
      '  b: { <<: *board }',
    ].join('\n'),
  });
  const rig = loadRig(join(dir, 'old.rig.yaml'), Rig, { profilesDir: 'boards' });
  t.same(rig.config.boards.a!.disconnected, ['debug', 'console-rx']);
  t.same(rig.config.boards.b!.disconnected, ['debug', 'console-rx'], 'through a merge key too');
  t.notOk('cut' in rig.config.boards.a!);
  t.match(rig.warnings, [
    /old\.rig\.yaml:7:5: boards\.a\.cut: renamed disconnected; cut is read as disconnected for now$/,
    // A key brought in by a merge has no place of its own in b: its mapping's is given.
    /old\.rig\.yaml:8:6: boards\.b\.cut: renamed disconnected/,
  ]);
  t.equal(rig.warnings.length, 2);
  t.same(loadRig('rigs/virtual.yaml', Rig).warnings, [], 'a rig with the new names loads without one');
});

t.test('exported JSON Schemas mark secrets and forbid unknown keys', async (t) => {
  const { SCHEMAS } = await import('../harness/power/registry.ts');
  const rig = JSON.parse(JSON.stringify(SCHEMAS.rig));
  t.equal(rig.additionalProperties, false);
  const board = rig.properties.boards.patternProperties['^[A-Za-z0-9][A-Za-z0-9_-]*$'];
  t.equal(board.properties.credentials.properties.password.secret, true);
});

t.test('the committed JSON Schemas match the code (run npm run schemas after changing schema.ts)', async (t) => {
  const { SCHEMAS } = await import('../harness/power/registry.ts');
  for (const name of Object.keys(SCHEMAS)) {
    const committed = JSON.parse(readFileSync(`schemas/${name}.schema.json`, 'utf8'));
    const { $schema, title, ...schema } = committed;
    t.ok($schema && title, `${name}.schema.json has $schema and title`);
    t.same(schema, JSON.parse(JSON.stringify(SCHEMAS[name])), `${name}.schema.json is current`);
  }
});

t.test('hostile files: too big, not a file, thousands of unknown keys, get a short clear error', async (t) => {
  const dir = t.testdir({});
  const big = join(dir, 'big.rig.yaml');
  writeFileSync(big, `name: big\n# ${'x'.repeat(300 * 1024)}\n`);
  t.match(
    problemsOf(() => loadRig(big, Rig)),
    [/big\.rig\.yaml: is \d+ bytes; a rig or profile file is at most 262144 bytes/],
  );
  t.same(
    problemsOf(() => loadRig('/dev/zero', Rig)),
    ['/dev/zero: cannot read: not a regular file'],
    '--rig /dev/zero',
  );
  t.match(
    problemsOf(() => loadRig(dir, Rig)),
    [/cannot read: not a regular file/],
    'a folder',
  );

  const keys = Array.from({ length: 5000 }, (_, i) => `    k${i}: 1`).join('\n');
  const noisy = join(dir, 'noisy.rig.yaml');
  writeFileSync(
    noisy,
    `name: noisy\nboards:\n  b:\n    profile: virtual\n    console: { port: /dev/ttyUSB0 }\n${keys}\n`,
  );
  const started = Date.now();
  const problems = problemsOf(() => loadRig(noisy, Rig, { profilesDir: 'boards' }));
  t.comment(`5000 unknown keys reported in ${Date.now() - started} ms`);
  t.equal(problems.length, 21, 'twenty problems and a count of the rest');
  t.match(problems.at(-1), /noisy\.rig\.yaml: \.\.\. and 4980 more problems/);
});

/** The problems a ConfigError lists (none when the call succeeded). */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}
