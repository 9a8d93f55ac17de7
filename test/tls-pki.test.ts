// The scenario chains are what their names say, checked with Node's own X.509 code; and a
// listener is gone when it is closed.
import t from 'tap';
import { createHash, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { connect } from 'node:net';
import { once } from 'node:events';
import { issue, rsaKey, spkiSha256 } from '../harness/wire/x509.ts';
import { buildScenarios } from '../harness/tls/scenarios.ts';
import { ScenarioListener } from '../harness/tls/listener.ts';

const root = issue({ commonName: 'HIL Test Root CA', organization: 'HIL', key: rsaKey('root'), ca: {} });
const pinnedKey = rsaKey('pinned');
const scenarios = buildScenarios({ root, pinnedKey, host: 'device.hil.test' });
const byId = (id: string) => scenarios.find((s) => s.id === id)!;
const certs = (id: string) =>
  byId(id)
    .chainPem.split(/(?<=-----END CERTIFICATE-----\r?\n)/)
    .filter(Boolean)
    .map((pem) => new X509Certificate(pem));
const rootX509 = new X509Certificate(root.certPem);

t.test(
  'the positive control: leaf -> intermediate -> the trusted root, for the host, with the pinned key',
  async (t) => {
    const [leaf, intermediate] = certs('valid');
    t.ok(leaf!.verify(intermediate!.publicKey));
    t.ok(intermediate!.verify(rootX509.publicKey));
    t.equal(leaf!.checkHost('device.hil.test'), 'device.hil.test');
    t.equal(spkiSha256(pinnedKey), spkiOf(leaf!));
  },
);

function spkiOf(cert: X509Certificate): string {
  return createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The signature algorithm OID's name, read with forge (Node's X509Certificate does not expose it). */
function signatureAlgorithm(cert: X509Certificate): string {
  const parsed = forge.pki.certificateFromPem(cert.toString());
  return forge.pki.oids[parsed.signatureOid] as string;
}

t.test('each lie is the lie it names', async (t) => {
  t.ok(new Date(certs('expired-leaf')[0]!.validTo) < new Date());
  t.ok(new Date(certs('not-yet-valid-leaf')[0]!.validFrom) > new Date());
  t.ok(new Date(certs('expired-intermediate')[1]!.validTo) < new Date());
  t.equal(certs('san-mismatch')[0]!.checkHost('device.hil.test'), undefined);
  t.equal(certs('cn-only')[0]!.subjectAltName, undefined);
  t.equal(certs('self-signed').length, 1);
  t.ok(certs('self-signed')[0]!.verify(certs('self-signed')[0]!.publicKey), 'signed by itself');
  const impostor = certs('impostor-root');
  t.notOk(impostor[1]!.verify(rootX509.publicKey), 'the impostor chain does not verify against the real root');
  t.equal(impostor[1]!.issuer, rootX509.subject, 'but names the real root as its issuer');
  t.equal(certs('missing-intermediate').length, 1);
  t.equal(certs('intermediate-not-ca')[1]!.ca, false);
  t.equal(certs('pathlen-violated').length, 3);
  t.match(certs('wrong-eku')[0]!.keyUsage ?? [], ['1.3.6.1.5.5.7.3.2']);
  t.match(certs('sha1')[0]!.toString(), /BEGIN CERTIFICATE/);
  t.equal(signatureAlgorithm(certs('sha1')[0]!), 'sha1WithRSAEncryption');
  t.equal(signatureAlgorithm(certs('valid')[0]!), 'sha256WithRSAEncryption');
  t.equal(certs('rsa-1024')[0]!.publicKey.asymmetricKeyDetails?.modulusLength, 1024);
  t.notOk(
    certs('broken-signature')[0]!.verify(certs('broken-signature')[1]!.publicKey),
    'the signature does not verify',
  );
  t.ok(certs('wrong-pin')[0]!.verify(certs('wrong-pin')[1]!.publicKey), 'a valid chain ...');
  t.not(spkiOf(certs('wrong-pin')[0]!), spkiSha256(pinnedKey), '... with another key');
  t.ok(
    byId('sha1').weak && byId('rsa-1024').weak && byId('tls-1.0').weak,
    'weak servers get @SECLEVEL=0, on their own listeners only',
  );
  t.notOk(byId('valid').weak);
});

t.test('a closed listener leaves nothing listening', async (t) => {
  const { listener, port } = await ScenarioListener.start(byId('valid'));
  await listener.close();
  const socket = connect(port, '127.0.0.1');
  const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
  t.equal(error.code, 'ECONNREFUSED');
});
