// tls-pinning through `hil run`: the hardened board refuses every bad server and connects to the
// good one; each flaw of its Mbed TLS client fails exactly the scenarios it should and no others.
import t from 'tap';
import './helpers/children.ts';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../harness/runner/summary.ts';

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
const TITLES: Record<string, RegExp> = {
  'expired-leaf': /expired server certificate/,
  'not-yet-valid-leaf': /not valid until next year/,
  'expired-intermediate': /expired intermediate/,
  'san-mismatch': /another host/,
  'cn-only': /only in the CN/,
  'wildcard-misuse': /wildcard/,
  'self-signed': /self-signed/,
  'impostor-root': /impostor root/,
  'missing-intermediate': /without its intermediate/,
  'intermediate-not-ca': /CA:FALSE/,
  'pathlen-violated': /pathLen/,
  'wrong-eku': /client authentication only/,
  sha1: /SHA-1/,
  'rsa-1024': /1024-bit/,
  'wrong-pin': /other than the pinned/,
  'broken-signature': /does not verify/,
  'name-constraints': /constrained/,
  'tls-1.0': /only TLS 1.0/,
};
const scenarioOf = (name: string) => Object.entries(TITLES).find(([, re]) => re.test(name))?.[0];

const out = t.testdir({});
const run = spawnSync(
  process.execPath,
  ['bin/hil.js', 'run', '--rig', 'test/fixtures/rigs/tls-flaws.yaml', '--suite', 'tls-pinning', '--out', out],
  { encoding: 'utf8', timeout: 300_000 },
);
const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
t.equal(run.status, 1);

for (const [board, acceptedBad] of Object.entries(ACCEPTED)) {
  t.test(board, async (t) => {
    const result = summary.results.find((r) => r.board === board)!;
    t.notOk(result.error, 'ran to its end');
    const control = result.checks.find((c) => /positive control/.test(c.name))!;
    t.ok(control.ok, 'the positive control connects');
    t.match(control.evidence, { handshake: true, applicationData: /hil-telemetry/ });
    const wronglyAccepted = result.checks
      .filter((c) => !c.ok && !c.skip && c.name.startsWith('refuses'))
      .map((c) => scenarioOf(c.name));
    t.same(
      wronglyAccepted.sort(),
      [...acceptedBad].sort(),
      `${board} accepts exactly ${acceptedBad.length ? acceptedBad.join(', ') : 'no bad server'}`,
    );
    t.equal(result.checks.filter((c) => c.name.startsWith('refuses')).length, 18, 'all 18 bad servers tried');
    for (const check of result.checks) t.same(check.provisions, ['5.5-1', '5.5-2', '5.5-7', '5.8-1', '5.8-2']);
    const sni = result.checks.find((c) => c.name.startsWith('ClientHello names'))!;
    t.equal(sni.ok, board !== 'tls-no-hostname', 'SNI is missing exactly when the hostname was never set');
  });
}

t.test('evidence: what the server saw and what the device said', async (t) => {
  const hardened = summary.results.find((r) => r.board === 'hardened')!;
  const wrongPin = hardened.checks.find((c) => /other than the pinned/.test(c.name))!;
  t.match(wrongPin.evidence, { device: [/tlsprobe/, /handshake failed .*pin mismatch/] });
  const legacy = summary.results.find((r) => r.board === 'tls-legacy-versions')!;
  t.match(legacy.checks.find((c) => /only TLS 1.0/.test(c.name))!.evidence, { handshake: true, protocol: 'TLSv1' });
});

t.test('a board with no trust material skips, and passes nothing', async (t) => {
  const result = summary.results.find((r) => r.board === 'no-trust')!;
  t.equal(result.pass, 0);
  t.ok(result.checks.every((c) => c.skip && /trust material/.test(c.skip)));
});
