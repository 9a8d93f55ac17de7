// The login codecs against their RFCs' own examples: HTTP Digest (RFC 2617 3.5, RFC 7616 3.9.1),
// Basic (RFC 7617 2), and Telnet option negotiation refused byte for byte (RFC 854/855).
import t from 'tap';
import { authorization, digestResponse, parseAuthorization, parseChallenge } from '../harness/wire/http-digest.ts';
import { TelnetDecoder } from '../harness/wire/telnet.ts';

t.test('RFC 2617 3.5: Mufasa at testrealm@host.com', async (t) => {
  const c = parseChallenge(
    'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  )!;
  t.match(c, { scheme: 'digest', realm: 'testrealm@host.com', qop: ['auth', 'auth-int'], algorithm: 'MD5' });
  t.equal(
    digestResponse(c, 'Mufasa', 'Circle Of Life', 'GET', '/dir/index.html', '00000001', '0a4f113b'),
    '6629fae49393a05397450978507c4ef1',
  );
  const header = authorization(c, 'Mufasa', 'Circle Of Life', {
    method: 'GET',
    uri: '/dir/index.html',
    cnonce: '0a4f113b',
  });
  t.match(parseAuthorization(header), {
    username: 'Mufasa',
    response: '6629fae49393a05397450978507c4ef1',
    nc: '00000001',
    opaque: '5ccc069c403ebaf9f0171e9517f40e41',
  });
});

t.test('RFC 7616 3.9.1: MD5 and SHA-256 at http-auth@example.org', async (t) => {
  const nonce = '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v';
  const cnonce = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';
  for (const [algorithm, expected] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const) {
    const c = parseChallenge(
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="${nonce}"`,
    )!;
    t.equal(
      digestResponse(c, 'Mufasa', 'Circle of Life', 'GET', '/dir/index.html', '00000001', cnonce),
      expected,
      algorithm,
    );
  }
});

t.test('RFC 7617 2: Basic is base64 of user:password', async (t) => {
  const c = parseChallenge('Basic realm="WallyWorld"')!;
  t.equal(
    authorization(c, 'Aladdin', 'open sesame', { method: 'GET', uri: '/', cnonce: '' }),
    'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
  );
  t.equal(parseChallenge('Bearer realm="x"'), undefined, 'other schemes are not for us');
});

t.test('Telnet: options refused, subnegotiation skipped, IAC IAC kept, commands split across reads', async (t) => {
  const telnet = new TelnetDecoder();
  // IAC WILL ECHO, IAC DO TTYPE, "login: "
  const first = telnet.push(Buffer.from([0xff, 0xfb, 0x01, 0xff, 0xfd, 0x18, ...Buffer.from('login: ')]));
  t.equal(first.data.toString(), 'login: ');
  t.same([...first.reply], [0xff, 0xfe, 0x01, 0xff, 0xfc, 0x18], 'DONT ECHO, WONT TTYPE');
  const split = telnet.push(Buffer.from([0x61, 0xff]));
  const rest = telnet.push(Buffer.from([0xfa, 0x18, 0x01, 0xff, 0xf0, 0xff, 0xff, 0x62]));
  t.same([...split.data, ...rest.data], [0x61, 0xff, 0x62], 'SB ... IAC SE gone; IAC IAC is one 0xFF');
  t.equal(rest.reply.length, 0);
});
