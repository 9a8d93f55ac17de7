/**
 * tls-pinning: the device completes TLS and sends data only to its pinned server. Each scenario is a
 * TLS server of our own; the device is asked to connect (the profile's tls-connect action) and the
 * verdict comes from the wire: accepted = handshake completed and application data arrived. If the
 * positive control is not accepted, no refusal proves anything; nor does a refusal from a device that
 * never connected to that scenario's server (its TCP connection is what makes the refusal an answer).
 * ETSI EN 303 645 5.5-1, 5.5-7, 5.8-2 (UK CoP 5 and 8).
 */
import {
  buildScenarios,
  makeScenarioKeys,
  type CheckSpec,
  type ConnectionRecord,
  defineSuite,
  inconclusive,
  judged,
  legacyVersions,
  parseClientHello,
  SCENARIOS,
  ScenarioListener,
  skip,
  VERSION_NAMES,
  weakSuites,
} from '../harness/index.ts';

const CHAIN_PROVISIONS = ['5.5-1', '5.5-7', '5.8-2'];
const HELLO_PROVISIONS = ['5.5-1', '5.8-2'];
const DEADLINE_MS = 15_000;
/** Never less than this after the device is back at its prompt, however fast it connected to the control. */
const MIN_GRACE_MS = 2000;

const checks: Record<string, CheckSpec> = {
  ...Object.fromEntries(
    SCENARIOS.map((s) => [
      s.id,
      { title: `${s.expect === 'accept' ? 'connects to' : 'refuses'} ${s.title}`, provisions: CHAIN_PROVISIONS },
    ]),
  ),
  'hello-versions': { title: 'ClientHello offers no protocol below TLS 1.2', provisions: HELLO_PROVISIONS },
  'hello-suites': {
    title: 'ClientHello offers no NULL, anonymous, export, RC4, DES or 3DES suite',
    provisions: HELLO_PROVISIONS,
  },
  'hello-sni': { title: 'ClientHello names the server it connects to (SNI)', provisions: HELLO_PROVISIONS },
};

type Seen = ConnectionRecord & { device: string[] };
const accepted = (o: ConnectionRecord | undefined) => o !== undefined && o.handshake && o.data.length > 0;
const evidenceOf = (o: Seen | undefined) =>
  o
    ? {
        handshake: o.handshake,
        protocol: o.protocol,
        cipher: o.cipher,
        connected: o.connected,
        applicationData: o.data.slice(0, 200),
        serverSaw: o.error,
        ms: o.ms,
        device: o.device,
      }
    : { outcome: 'not run' };

export default defineSuite(
  { name: 'tls-pinning', needs: ['console', 'power', 'trust'], checks },
  async ({ board, report, reportRest }) => {
    if (!board.hasAction('tls-connect')) return reportRest(skip('the profile has no tls-connect action'));
    const trust = board.trust;
    if (!trust) return reportRest(skip('the rig gives no trust material (tls: host, ca-cert, ca-key)'));
    // The scenarios' keys are made while the board boots.
    await Promise.all([makeScenarioKeys(trust), board.ensure('ready')]);

    const outcomes = new Map<string, Seen>();
    // The control goes first (SCENARIOS starts with it); how soon the device connected to it sets how
    // long a refusal waits for a connection once the device is back at its prompt.
    let graceMs = DEADLINE_MS;
    for (const scenario of await buildScenarios(trust)) {
      if (scenario.id === 'wrong-pin' && !trust.pinnedKey) continue;
      const { listener, port } = await ScenarioListener.start(scenario);
      try {
        const answer = board.action('tls-connect', { host: trust.host, port }, { timeout: DEADLINE_MS });
        const backAtPrompt = answer.then((a) => (a.prompt ? undefined : new Promise(() => undefined)));
        const early = scenario.id === 'valid' ? undefined : { backAtPrompt, graceMs };
        const [connection, said] = await Promise.all([listener.result(DEADLINE_MS, early), answer]);
        if (scenario.id === 'valid' && listener.connectedAfterMs !== undefined) {
          graceMs = Math.max(MIN_GRACE_MS, 2 * listener.connectedAfterMs);
        }
        outcomes.set(scenario.id, { ...connection, device: said.lines.slice(0, 10) });
      } finally {
        await listener.close();
      }
    }

    const control = outcomes.get('valid');
    for (const scenario of SCENARIOS) {
      const seen = outcomes.get(scenario.id);
      if (scenario.id === 'wrong-pin' && !trust.pinnedKey)
        report(scenario.id, skip('the rig names no pinned key (tls.pin-key)'));
      else if (!accepted(control)) {
        const why = 'the device did not complete TLS with the positive control, so no refusal proves anything';
        report(scenario.id, inconclusive(why, evidenceOf(seen)));
      } else if (scenario.expect === 'accept') report(scenario.id, judged(accepted(seen), evidenceOf(seen)));
      // A refusal is the device's answer to this server only if it reached this server (a client that died
      // after the control connects nowhere, which would look the same).
      else if (!seen?.connected)
        report(scenario.id, inconclusive('the device never connected to this server', evidenceOf(seen)));
      else report(scenario.id, judged(!accepted(seen), evidenceOf(seen)));
    }

    const hello = control?.clientHello ? parseClientHello(control.clientHello) : undefined;
    if (!hello) return reportRest(inconclusive('no ClientHello captured from the positive control'));
    const summary = {
      versions: hello.versions.map((v) => VERSION_NAMES[v] ?? `0x${v.toString(16)}`),
      suites: hello.cipherSuites.length,
      sni: hello.serverName ?? 'none',
    };
    report('hello-versions', judged(legacyVersions(hello).length === 0, { ...summary, legacy: legacyVersions(hello) }));
    report('hello-suites', judged(weakSuites(hello).length === 0, { ...summary, weak: weakSuites(hello) }));
    report('hello-sni', judged(hello.serverName === trust.host, { ...summary, expected: trust.host }));
  },
);
