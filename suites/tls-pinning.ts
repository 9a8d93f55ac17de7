/**
 * tls-pinning: the device completes TLS and sends data only to its pinned server. Each scenario is a
 * TLS server of our own; the device is asked to connect (the profile's tls-connect action) and the
 * verdict comes from the wire: accepted = handshake completed and application data arrived.
 * ETSI EN 303 645 5.5-1, 5.5-2, 5.5-7, 5.8-1, 5.8-2 (UK CoP 5 and 8).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import {
  buildScenarios,
  fromPem,
  legacyVersions,
  parseClientHello,
  rsaKey,
  ScenarioListener,
  useBoard,
  VERSION_NAMES,
  weakSuites,
  type Outcome,
} from '../harness/index.ts';

const PROVISIONS = ['5.5-1', '5.5-2', '5.5-7', '5.8-1', '5.8-2'];
const DEADLINE_MS = 15_000;

await useBoard(t, async ({ board, check, skip, endpoints }) => {
  const action = board.profile.actions['tls-connect'];
  const wiring = board.wiring.tls;
  const auto = (path: string | undefined, found: string | undefined) => (path === 'auto' ? found : path);
  const caCert = auto(wiring?.['ca-cert'], endpoints?.tls?.caCert);
  const caKey = auto(wiring?.['ca-key'], endpoints?.tls?.caKey);
  const pinKeyFile = auto(wiring?.['pin-key'], endpoints?.tls?.pinKey);
  const reason = !action
    ? 'the profile has no tls-connect action'
    : !wiring || !caCert || !caKey
      ? 'the rig gives no trust material (tls: host, ca-cert, ca-key)'
      : undefined;

  const root = caCert && caKey ? fromPem(readFileSync(caCert, 'utf8'), readFileSync(caKey, 'utf8')) : undefined;
  const pinnedKey = pinKeyFile
    ? (forge.pki.privateKeyFromPem(readFileSync(pinKeyFile, 'utf8')) as forge.pki.rsa.PrivateKey)
    : rsaKey('leaf');
  const host = wiring?.host ?? 'device.invalid';
  const scenarios = root ? buildScenarios({ root, pinnedKey, host }) : [];
  const title = (s: { expect: string; title: string }) =>
    `${s.expect === 'accept' ? 'connects to' : 'refuses'} ${s.title}`;

  if (reason || !root) {
    for (const name of [
      'connects to the pinned server (positive control)',
      'refuses every bad server',
      'ClientHello: protocol versions, suites, SNI',
    ])
      skip(name, reason ?? 'no trust material', PROVISIONS);
    return;
  }
  if (board.power) await board.powerCycle('tls-pinning power cycle');

  const outcomes = new Map<string, Outcome & { device: string[] }>();
  for (const scenario of scenarios) {
    if (scenario.id === 'wrong-pin' && !pinKeyFile) continue;
    const { listener, port } = await ScenarioListener.start(scenario);
    try {
      const command = action!.replace('{host}', host).replace('{port}', String(port));
      const mark = await board.command(command, `tls scenario ${scenario.id}`);
      const outcome = await listener.result(DEADLINE_MS);
      if (board.profile.prompt)
        await board.console
          .expect(board.profile.prompt, { timeout: DEADLINE_MS, step: `tls scenario ${scenario.id}: prompt` })
          .catch(() => undefined);
      outcomes.set(scenario.id, { ...outcome, device: board.console.linesSince(mark).slice(0, 10) });
    } finally {
      await listener.close();
    }
  }

  const control = outcomes.get('valid');
  const accepted = (o: Outcome | undefined) => o !== undefined && o.handshake && o.data.length > 0;
  const evidenceOf = (o: (Outcome & { device: string[] }) | undefined) =>
    o
      ? {
          handshake: o.handshake,
          protocol: o.protocol,
          cipher: o.cipher,
          applicationData: o.data.slice(0, 200),
          serverSaw: o.error,
          ms: o.ms,
          device: o.device,
        }
      : { outcome: 'not run' };

  for (const scenario of scenarios) {
    if (scenario.id === 'wrong-pin' && !pinKeyFile) {
      skip(title(scenario), 'the rig names no pinned key (tls.pin-key)', PROVISIONS);
      continue;
    }
    const outcome = outcomes.get(scenario.id);
    if (scenario.expect === 'accept') {
      check(title(scenario), accepted(outcome), { provisions: PROVISIONS, evidence: evidenceOf(outcome) });
    } else if (!accepted(control)) {
      check(title(scenario), false, {
        provisions: PROVISIONS,
        evidence: {
          cannotTell: 'the positive control did not connect, so a refusal proves nothing',
          ...evidenceOf(outcome),
        },
      });
    } else {
      check(title(scenario), !accepted(outcome), { provisions: PROVISIONS, evidence: evidenceOf(outcome) });
    }
  }

  const hello = control?.clientHello ? parseClientHello(control.clientHello) : undefined;
  if (!hello) {
    check('ClientHello: protocol versions, suites, SNI', false, {
      provisions: PROVISIONS,
      evidence: { cannotTell: 'no ClientHello captured from the positive control' },
    });
    return;
  }
  const summary = {
    versions: hello.versions.map((v) => VERSION_NAMES[v] ?? `0x${v.toString(16)}`),
    suites: hello.cipherSuites.length,
    sni: hello.serverName ?? 'none',
  };
  check('ClientHello offers no protocol below TLS 1.2', legacyVersions(hello).length === 0, {
    provisions: PROVISIONS,
    evidence: { ...summary, legacy: legacyVersions(hello) },
  });
  check('ClientHello offers no NULL, anonymous, export, RC4, DES or 3DES suite', weakSuites(hello).length === 0, {
    provisions: PROVISIONS,
    evidence: { ...summary, weak: weakSuites(hello) },
  });
  check(`ClientHello names the expected server (SNI ${host})`, hello.serverName === host, {
    provisions: PROVISIONS,
    evidence: summary,
  });
});
