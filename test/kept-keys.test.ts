// The virtual boards' TLS keys, kept per checkout (harness/virtual/kept-keys.ts): made once, found
// again by the next rig host, private to this user, and made again when a kept file is not a key.
import t from 'tap';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keptRsaKeys } from '../harness/virtual/kept-keys.ts';
import { keyFromPem, rsaKey } from '../harness/wire/x509.ts';

t.test('made once, kept private, read again; a broken or short key is made again', async (t) => {
  const dir = join(t.testdir({}), 'keys');
  await keptRsaKeys(['kept-a', 'kept-b'], dir);
  const a = readFileSync(join(dir, 'kept-a.pem'), 'utf8');
  t.equal(rsaKey('kept-a').pem, a, 'rsaKey gives the kept key');
  t.not(a, readFileSync(join(dir, 'kept-b.pem'), 'utf8'), 'each label its own key');
  t.equal(statSync(join(dir, 'kept-a.pem')).mode & 0o777, 0o600, 'the key file is private');
  t.equal(statSync(dir).mode & 0o777, 0o700, 'and so is its folder');
  t.equal(keyFromPem(a).key.asymmetricKeyDetails?.modulusLength, 2048);

  // Another process (a new rig host) would start with nothing in memory: the file is what it finds.
  writeFileSync(join(dir, 'kept-c.pem'), a, { mode: 0o600 });
  await keptRsaKeys(['kept-c'], dir);
  t.equal(rsaKey('kept-c').pem, a, 'a kept file is used as it is');

  writeFileSync(join(dir, 'kept-d.pem'), 'not a key');
  writeFileSync(join(dir, 'kept-e.pem'), rsaKey('short', 1024).pem);
  await keptRsaKeys(['kept-d', 'kept-e'], dir);
  for (const label of ['kept-d', 'kept-e']) {
    const pem = readFileSync(join(dir, `${label}.pem`), 'utf8');
    t.equal(keyFromPem(pem).key.asymmetricKeyDetails?.modulusLength, 2048, `${label} was made again`);
    t.equal(rsaKey(label).pem, pem, `${label}: rsaKey gives the new key`);
  }
});
