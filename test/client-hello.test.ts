// The ClientHello parser on bytes captured from real clients: Node's OpenSSL and the Mbed TLS 2.28
// client the virtual board uses (built by npm run setup).
import t from 'tap';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { legacyVersions, parseClientHello, weakSuites } from '../harness/wire/client-hello.ts';
import { TLS_CLIENT } from '../harness/virtual/tls-probe.ts';
import { rsaKey } from '../harness/tls/keys.ts';
import { issue, spkiSha256 } from '../harness/wire/x509.ts';

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
  writeFileSync(ca, (await issue({ commonName: 'HIL Test Root CA', key: rsaKey('root'), ca: {} })).certPem);
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

t.test('every registered suite with NULL, anon, EXPORT, RC4, DES or 3DES in its name is weak', async (t) => {
  const { CIPHER_SUITES, isWeakSuite } = await import('../harness/wire/client-hello.ts');
  t.ok(CIPHER_SUITES.size > 300, `the registry is shipped whole (${CIPHER_SUITES.size} suites)`);
  t.equal(CIPHER_SUITES.get(0xc010), 'TLS_ECDHE_RSA_WITH_NULL_SHA', 'ECDHE-RSA-NULL-SHA, once passed, is there');
  const offered = [...CIPHER_SUITES.keys()];
  const hello = parseClientHello(clientHelloOffering(offered));
  const flagged = new Set(weakSuites(hello).map((s) => Number.parseInt(s.slice(2, 6), 16)));
  const wrong = [...CIPHER_SUITES]
    .filter(([id, name]) => /NULL|anon|EXPORT|RC4|DES/.test(name) !== flagged.has(id))
    .map(([id, name]) => `0x${id.toString(16)} ${name}`);
  t.same(wrong, [], 'flagged exactly the suites whose names say NULL, anon, EXPORT, RC4, DES or 3DES');
  t.ok(isWeakSuite('TLS_RSA_WITH_3DES_EDE_CBC_SHA'));
  t.notOk(isWeakSuite('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'));
  t.notOk(isWeakSuite('TLS_AES_256_GCM_SHA384'), 'TLS 1.3 suites are not weak');
  t.comment(`${flagged.size} of ${CIPHER_SUITES.size} registered suites are weak by their names`);
});

/** A minimal, well-formed ClientHello offering `suites` (RFC 5246 7.4.1.2), for the parser. */
function clientHelloOffering(suites: number[]): Buffer {
  const list = Buffer.alloc(2 + suites.length * 2);
  list.writeUInt16BE(suites.length * 2, 0);
  for (const [i, s] of suites.entries()) list.writeUInt16BE(s, 2 + i * 2);
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    Buffer.alloc(32),
    Buffer.from([0]),
    list,
    Buffer.from([1, 0]),
  ]);
  const handshake = Buffer.concat([Buffer.from([0x01, 0, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01, handshake.length >> 8, handshake.length & 0xff]), handshake]);
}
