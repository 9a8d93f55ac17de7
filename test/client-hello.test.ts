// The ClientHello parser on bytes captured from real clients: Node's OpenSSL and the Mbed TLS 2.28
// client the virtual board uses (built by npm run setup).
import t from 'tap';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { legacyVersions, parseClientHello, weakSuites } from '../harness/wire/client-hello.ts';
import { TLS_CLIENT } from '../harness/virtual/firmware.ts';
import { issue, rsaKey, spkiSha256 } from '../harness/wire/x509.ts';

/** A TCP server that keeps the first bytes a client sends, then hangs up. */
async function capture(client: (port: number) => void): Promise<Buffer> {
  const server = createServer();
  const first = new Promise<Buffer>((resolve) =>
    server.once('connection', (s) =>
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
      }),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client((server.address() as AddressInfo).port);
  const bytes = await first;
  server.close();
  return bytes;
}

t.test("Node's client (OpenSSL 3): TLS 1.3 with 1.2, SNI, no weak suites", async (t) => {
  const bytes = await capture((port) =>
    connect({ host: '127.0.0.1', port, servername: 'api.example.test' }).on('error', () => undefined),
  );
  const hello = parseClientHello(bytes);
  t.equal(hello.recordVersion, 0x0301, 'record layer says TLS 1.0, as RFC 8446 asks');
  t.equal(hello.clientVersion, 0x0303);
  t.same(hello.versions, [0x0304, 0x0303], 'supported_versions is authoritative');
  t.equal(hello.serverName, 'api.example.test');
  t.ok(hello.cipherSuites.includes(0x1301), 'TLS_AES_128_GCM_SHA256 offered');
  t.same(weakSuites(hello), []);
  t.same(legacyVersions(hello), []);
  t.ok(hello.signatureAlgorithms.includes(0x0804), 'rsa_pss_rsae_sha256 offered');
});

t.test('the Mbed TLS 2.28 client: TLS 1.2, SNI only when the hostname is set', async (t) => {
  const dir = t.testdir({});
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, issue({ commonName: 'HIL Test Root CA', key: rsaKey('root'), ca: {} }).certPem);
  const pin = spkiSha256(rsaKey('pinned'));
  const run = (flaws: string[]) =>
    capture((port) => {
      spawn(TLS_CLIENT, ['127.0.0.1', String(port), 'device-api.hil.test', ca, pin, ...flaws], { stdio: 'ignore' });
    });
  const hello = parseClientHello(await run([]));
  t.equal(hello.clientVersion, 0x0303);
  t.same(hello.versions, [0x0303], 'no supported_versions: TLS 1.2 only');
  t.equal(hello.serverName, 'device-api.hil.test');
  t.same(weakSuites(hello), [], 'the Debian build offers no RC4, DES or 3DES suite');
  t.ok(hello.extensions.includes(0x0017), 'extended_master_secret offered');
  const unnamed = parseClientHello(await run(['no-hostname']));
  t.equal(unnamed.serverName, undefined, 'no SNI when mbedtls_ssl_set_hostname was never called');
});

t.test('hostile bytes: cut short, not a handshake, lengths that lie', async (t) => {
  const bytes = await capture((port) =>
    connect({ host: '127.0.0.1', port, servername: 'x.test' }).on('error', () => undefined),
  );
  t.throws(() => parseClientHello(bytes.subarray(0, 60)), /cut short/);
  t.throws(() => parseClientHello(Buffer.from('GET / HTTP/1.1\r\n')), /not a TLS handshake record/);
  const lying = Buffer.from(bytes);
  lying.writeUInt16BE(0xffff, 3);
  t.throws(() => parseClientHello(lying), /cut short/);
});

t.test(
  'a client that offers TLS 1.0 and anonymous suites (Node told to): both audits fail, naming what was offered',
  async (t) => {
    const bytes = await capture((port) =>
      connect({
        host: '127.0.0.1',
        port,
        servername: 'x.test',
        minVersion: 'TLSv1',
        ciphers: 'ADH-AES256-SHA:AECDH-AES256-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0',
      }).on('error', () => undefined),
    );
    const hello = parseClientHello(bytes);
    t.match(legacyVersions(hello), ['TLS 1.1', 'TLS 1.0']);
    // This OpenSSL build has no RC4 or 3DES left to offer; anonymous key exchange it still has.
    t.same(weakSuites(hello).sort(), [
      '0x003a TLS_DH_anon_WITH_AES_256_CBC_SHA',
      '0xc019 TLS_ECDH_anon_WITH_AES_256_CBC_SHA',
    ]);
  },
);
