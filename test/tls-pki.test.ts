// The scenario chains are what their names say, checked with Node's own X.509 code; and a
// listener is gone when it is closed.
import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, X509Certificate } from 'node:crypto';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';
import 'reflect-metadata'; // before @peculiar/x509 (see harness/wire/x509.ts)
import { X509Certificate as Parsed } from '@peculiar/x509';
import { ecKey, rsaKey } from '../harness/tls/keys.ts';
import { fromPem, issue, spkiSha256 } from '../harness/wire/x509.ts';
import { buildScenarios } from '../harness/tls/scenarios.ts';
import { ScenarioListener } from '../harness/tls/listener.ts';

const root = await issue({ commonName: 'HIL Test Root CA', organization: 'HIL', key: rsaKey('root'), ca: {} });
const pinnedKey = rsaKey('pinned');
const scenarios = await buildScenarios({ root, pinnedKey, host: 'device.hil.test' });
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

/** The signature algorithm, as WebCrypto names it (Node's X509Certificate does not expose it). */
function signatureAlgorithm(cert: X509Certificate): Algorithm & { hash?: Algorithm } {
  return new Parsed(cert.raw).signatureAlgorithm;
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
  t.match(signatureAlgorithm(certs('sha1')[0]!), { name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-1' } });
  t.match(signatureAlgorithm(certs('valid')[0]!), { name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
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

t.test('EC (P-256) trust material: an EC root signs the chains, an EC pinned key serves them', async (t) => {
  const ecRoot = await issue({ commonName: 'HIL EC Root', organization: 'HIL', key: ecKey(), ca: {} });
  // What a rig's PEM files give: an EC CA, read back from its certificate and key.
  const root = fromPem(ecRoot.certPem, ecRoot.keyPem);
  const pinned = ecKey();
  const ec = await buildScenarios({ root, pinnedKey: pinned, host: 'device.hil.test' });
  const chain = (id: string) =>
    ec
      .find((s) => s.id === id)!
      .chainPem.split(/(?<=-----END CERTIFICATE-----\r?\n)/)
      .filter(Boolean)
      .map((pem) => new X509Certificate(pem));
  const [leaf, intermediate] = chain('valid');
  const ecRootX509 = new X509Certificate(root.certPem);
  t.ok(intermediate!.verify(ecRootX509.publicKey), 'the intermediate carries the EC root’s ECDSA signature');
  t.ok(leaf!.verify(intermediate!.publicKey));
  t.equal(leaf!.publicKey.asymmetricKeyType, 'ec', 'the leaf holds the pinned EC key');
  t.equal(spkiSha256(pinned), spkiOf(leaf!));
  t.equal(intermediate!.issuer, ecRootX509.subject, 'issued in the root’s own name, read from its certificate');

  // A real TLS client that trusts the EC root: the control connects, a bad server is refused.
  const handshake = async (id: string) => {
    const { listener, port } = await ScenarioListener.start(ec.find((s) => s.id === id)!);
    try {
      const client = tlsConnect({ host: '127.0.0.1', port, servername: 'device.hil.test', ca: root.certPem });
      const outcome = await new Promise<string>((resolve) => {
        client.once('secureConnect', () => resolve('connected'));
        client.once('error', (error) => resolve(error.message));
      });
      client.destroy();
      return outcome;
    } finally {
      await listener.close();
    }
  };
  t.equal(await handshake('valid'), 'connected');
  t.match(await handshake('expired-leaf'), /certificate has expired/);
  t.match(await handshake('self-signed'), /self[- ]signed/);
});

t.test(
  'Mbed TLS (the virtual board’s client, as on ESP-IDF) takes the EC chains as it takes the RSA ones',
  async (t) => {
    const { TLS_CLIENT } = await import('../harness/virtual/tls-probe.ts');
    const dir = t.testdir({});
    const root = await issue({ commonName: 'HIL EC Root', key: ecKey(), ca: {} });
    const pinned = ecKey();
    writeFileSync(join(dir, 'root.pem'), root.certPem);
    const said = async (id: string) => {
      const scenario = (await buildScenarios({ root, pinnedKey: pinned, host: 'device.hil.test' })).find(
        (s) => s.id === id,
      )!;
      const { listener, port } = await ScenarioListener.start(scenario);
      try {
        const client = spawn(TLS_CLIENT, [
          '127.0.0.1',
          String(port),
          'device.hil.test',
          join(dir, 'root.pem'),
          spkiSha256(pinned),
        ]);
        let out = '';
        client.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        await once(client, 'close');
        return out.trim();
      } finally {
        await listener.close();
      }
    };
    t.match(await said('valid'), /^tls: connected TLSv1\.2 TLS-ECDHE-ECDSA-/);
    t.match(await said('expired-leaf'), /handshake failed/);
    t.match(await said('wrong-pin'), /pin mismatch/);
  },
);
