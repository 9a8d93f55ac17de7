// tls-pinning through `hil run`: the hardened board refuses every bad server and connects to the
// good one; each flaw of its Mbed TLS client fails exactly the scenarios it should and no others; a
// client that stops connecting after the control leaves every refusal inconclusive.
import t from 'tap';
import './helpers/children.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rsaKey } from '../harness/tls/keys.ts';
import { issue } from '../harness/wire/x509.ts';
import { hilRun } from './helpers/run.ts';

const ALL_BAD = [
  'expired-leaf',
  'not-yet-valid-leaf',
  'expired-intermediate',
  'san-mismatch',
  'cn-only',
  'wildcard-misuse',
  'self-signed',
  'impostor-root',
  'missing-intermediate',
  'intermediate-not-ca',
  'pathlen-violated',
  'wrong-eku',
  'sha1',
  'rsa-1024',
  'wrong-pin',
  'broken-signature',
];
/** flaw -> the scenarios it accepts (every other scenario must still be refused). */
const ACCEPTED: Record<string, string[]> = {
  hardened: [],
  // Without verification everything but what Mbed TLS cannot even parse (a critical nameConstraints) goes through.
  'tls-no-verify': ALL_BAD,
  'tls-verify-ignored': ALL_BAD,
  'tls-no-hostname': ['san-mismatch', 'cn-only', 'wildcard-misuse'],
  'tls-no-pin': ['wrong-pin'],
  'tls-expiry-ignored': ['expired-leaf', 'not-yet-valid-leaf', 'expired-intermediate'],
  'tls-legacy-versions': ['tls-1.0'],
};
const id = (scenario: string) => `tls-pinning/${scenario}`;
const run = hilRun(['--rig', 'test/fixtures/rigs/tls-flaws.yaml', '--suite', 'tls-pinning'], t.testdir({}));
t.equal(run.status, 1);

for (const [board, acceptedBad] of Object.entries(ACCEPTED)) {
  t.test(board, async (t) => {
    const result = run.result(board);
    t.notOk(result.error, 'ran to its end');
    const control = run.check(board, id('valid'));
    t.equal(control.verdict, 'pass', 'the positive control connects');
    t.match(control.evidence, { handshake: true, applicationData: /hil-telemetry/ });
    const wronglyAccepted = run.having(board, 'fail').filter((c) => !c.startsWith('tls-pinning/hello-'));
    t.same(
      wronglyAccepted,
      acceptedBad.map(id).sort(),
      `${board} accepts exactly ${acceptedBad.join(', ') || 'no bad server'}`,
    );
    const refusals = result.checks.filter((c) => c.title.startsWith('refuses'));
    t.equal(refusals.length, 18, 'all 18 bad servers tried');
    t.ok(
      refusals.every((c) => c.evidence.connected === true),
      'every refusal was judged on a connection its server saw',
    );
    for (const check of result.checks) t.ok(check.provisions.includes('5.5-1'), `${check.id} names 5.5-1`);
    t.equal(
      run.check(board, 'tls-pinning/hello-sni').verdict,
      board === 'tls-no-hostname' ? 'fail' : 'pass',
      'SNI is missing exactly when the hostname was never set',
    );
  });
}

t.test('evidence: what the server saw and what the device said', async (t) => {
  t.match(run.check('hardened', id('wrong-pin')).evidence, { device: [/tlsprobe/, /handshake failed .*pin mismatch/] });
  t.match(run.check('tls-legacy-versions', id('tls-1.0')).evidence, { handshake: true, protocol: 'TLSv1' });
});

t.test('a client that dies after the control: every refusal is inconclusive, none passes', async (t) => {
  const board = 'tls-client-dies';
  t.equal(run.check(board, id('valid')).verdict, 'pass', 'the control connected');
  t.same(run.having(board, 'pass'), [id('hello-sni'), id('hello-suites'), id('hello-versions'), id('valid')].sort());
  t.same(run.having(board, 'fail'), []);
  t.equal(run.having(board, 'inconclusive').length, 18, 'all 18 refusals could not be tested');
  const refusal = run.check(board, id('expired-leaf'));
  t.match(refusal.reason, /never connected to this server/);
  t.match(refusal.evidence, { connected: false, device: [/tlsprobe/, /SOCKET_FAILED/] });
});

t.test('a board with no trust material skips every check, and passes nothing', async (t) => {
  const result = run.result('no-trust');
  t.equal(result.pass, 0);
  t.same(
    result.checks.map((c) => c.id),
    run.result('hardened').checks.map((c) => c.id),
    'the same ids as a run',
  );
  t.ok(result.checks.every((c) => c.verdict === 'skip' && /trust material/.test(c.reason ?? '')));
});

t.test('trust material the firmware does not trust: the control fails, so no refusal passes', async (t) => {
  // A rig whose CA is not the one the virtual firmware was built with; its files sit beside the rig.
  const dir = t.testdir({});
  const other = await issue({ commonName: 'Some Other CA', key: rsaKey('other'), ca: {} });
  writeFileSync(join(dir, 'ca.pem'), other.certPem);
  writeFileSync(join(dir, 'ca.key'), other.keyPem);
  writeFileSync(
    join(dir, 'rig.yaml'),
    [
      'name: wrong-trust',
      'virtual: true',
      'boards:',
      '  board:',
      '    profile: virtual',
      '    console: { port: auto }',
      '    power: { driver: scpi-tcp, host: 127.0.0.1, port: auto, off-time: 100ms }',
      '    tls: { host: device-api.hil.test, ca-cert: ca.pem, ca-key: ca.key }',
      '',
    ].join('\n'),
  );
  const wrong = hilRun(['--rig', join(dir, 'rig.yaml'), '--suite', 'tls-pinning'], join(dir, 'out'));
  t.equal(wrong.status, 2, 'exit 2: nothing failed, but nothing could be tested');
  t.same(wrong.having('board', 'fail'), []);
  t.same(
    wrong.having('board', 'pass'),
    ['tls-pinning/hello-sni', 'tls-pinning/hello-suites', 'tls-pinning/hello-versions'],
    'only the ClientHello checks, which judge what the device offered, not whom it trusts',
  );
  t.match(wrong.check('board', id('valid')).reason, /did not complete TLS with the positive control/);
  t.match(wrong.check('board', id('expired-leaf')).reason, /did not complete TLS with the positive control/);
});
