// The virtual boards' TLS keys, kept per checkout (harness/virtual/kept-keys.ts): made once, found
// again by the next rig host, private to this user, and made again when a kept file is not a key.
import t from 'tap';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keptRsaKeys } from '../harness/virtual/kept-keys.ts';
import { rsaKey } from '../harness/tls/keys.ts';
import { keyFromPem } from '../harness/wire/x509.ts';

t.test('made once, kept private, read again; a broken or short key is made again', async (t) => {
  const dir = join(t.testdir({}), 'keys');
  const made = await keptRsaKeys(['kept-a', 'kept-b'], dir);
  const a = readFileSync(join(dir, 'kept-a.pem'), 'utf8');
  t.equal(made['kept-a'].pem, a, 'the kept key is the one given');
  t.not(a, readFileSync(join(dir, 'kept-b.pem'), 'utf8'), 'each label its own key');
  t.equal(statSync(join(dir, 'kept-a.pem')).mode & 0o777, 0o600, 'the key file is private');
  t.equal(statSync(dir).mode & 0o777, 0o700, 'and so is its folder');
  t.equal(keyFromPem(a).key.asymmetricKeyDetails?.modulusLength, 2048);

  // Another process (a new rig host) would start with nothing in memory: the file is what it finds.
  writeFileSync(join(dir, 'kept-c.pem'), a, { mode: 0o600 });
  t.equal((await keptRsaKeys(['kept-c'], dir))['kept-c'].pem, a, 'a kept file is used as it is');

  writeFileSync(join(dir, 'kept-d.pem'), 'not a key');
  writeFileSync(join(dir, 'kept-e.pem'), rsaKey('short', 1024).pem);
  const again = await keptRsaKeys(['kept-d', 'kept-e'], dir);
  for (const label of ['kept-d', 'kept-e'] as const) {
    const pem = readFileSync(join(dir, `${label}.pem`), 'utf8');
    t.equal(keyFromPem(pem).key.asymmetricKeyDetails?.modulusLength, 2048, `${label} was made again`);
    t.equal(again[label].pem, pem, `${label}: the new key is the one given`);
  }
});
