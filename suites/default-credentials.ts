/**
 * default-credentials: no widely published default pair opens the board's web UI (in a real
 * browser, and pages behind HTTP Basic or Digest), its console login or its network login; 50 wrong
 * passwords in a row are throttled on each; and another board of the same profile's credentials do
 * not open this one. Every surface first proves it is live: the device's own credentials get in.
 */
import {
  BUILT_IN_DEFAULTS,
  BRUTE_FORCE_ATTEMPTS,
  bruteForceThrottled,
  defineSuite,
  inconclusive,
  loginSurfaces,
  noDefaultAccepted,
  type Outcome,
  peersOf,
  peersRefused,
  skip,
  type Surface,
} from '../harness/index.ts';

const SPEED = ['console', 'tcp', 'http-auth', 'web'];
const SURFACE_CHECKS = { 'web-ui': 'web', 'console-login': 'console', 'network-login': 'network' } as const;

export default defineSuite(
  {
    name: 'default-credentials',
    needs: ['console'],
    disturbs: 'logins tried and lockouts provoked on its login surfaces',
    checks: {
      'web-ui': {
        title: 'no published default password logs in to the web UI (form in a browser, HTTP Basic/Digest)',
        provisions: ['5.1-1', '5.1-2'],
      },
      'console-login': {
        title: 'no published default password logs in on the console',
        provisions: ['5.1-1', '5.1-2'],
      },
      'network-login': {
        title: 'no published default password logs in to the network login service',
        provisions: ['5.1-1', '5.1-2'],
      },
      'brute-force': {
        title: '50 wrong passwords in a row are locked out, slowed or rate limited on every login surface',
        provisions: ['5.1-5'],
      },
      'per-device': {
        title: "another board's credentials (same profile) do not open this one: passwords are unique per device",
        provisions: ['5.1-1', '5.1-2'],
      },
    },
  },
  async ({ board, rig, report, progress }) => {
    await board.ensure('ready');
    const reach = loginSurfaces(board);
    const pairs = [...BUILT_IN_DEFAULTS, ...board.profile.credentials.defaults];
    const all: Surface[] = Object.values(reach).flatMap((r) => ('surfaces' in r ? r.surfaces : []));
    try {
      for (const [check, kind] of Object.entries(SURFACE_CHECKS) as [
        keyof typeof SURFACE_CHECKS,
        keyof typeof reach,
      ][]) {
        const r = reach[kind];
        if ('skip' in r) {
          report(check, skip(r.skip));
          continue;
        }
        const outcomes: Outcome[] = [];
        for (const s of r.surfaces) {
          progress(`${s.surface.name}: ${pairs.length} default pairs at ${s.surface.where}`);
          outcomes.push(await noDefaultAccepted(s, pairs));
        }
        report(check, worst(outcomes));
      }

      if (all.length === 0) report('brute-force', skip('the board has no login surface the rig and profile describe'));
      else {
        const outcomes: Outcome[] = [];
        const attempts = board.connections.config.credentials?.bruteForceAttempts ?? BRUTE_FORCE_ATTEMPTS;
        for (const s of all) {
          progress(`${s.surface.name}: ${attempts} wrong passwords at ${s.surface.where}`);
          outcomes.push(await bruteForceThrottled(s, attempts));
        }
        report('brute-force', worst(outcomes));
      }

      // The quickest surface will do: a console or a network login before a browser.
      const quickest = [...all].sort((a, b) => SPEED.indexOf(a.surface.name) - SPEED.indexOf(b.surface.name))[0];
      report(
        'per-device',
        quickest ? await peersRefused(quickest, peersOf(rig, board)) : skip('the board has no login surface'),
      );
    } finally {
      for (const s of all) await s.surface.close();
    }
  },
);

/** Several surfaces, one verdict: any failure fails it, then any could-not-test; evidence of each. */
function worst(outcomes: Outcome[]): Outcome {
  if (outcomes.length === 1) return outcomes[0]!;
  const evidence = Object.fromEntries(outcomes.map((o, i) => [`surface${i + 1}`, o]));
  const failed = outcomes.find((o) => o.verdict === 'fail');
  if (failed) return { verdict: 'fail', evidence: { ...('evidence' in failed ? failed.evidence : {}), ...evidence } };
  const unsure = outcomes.find((o) => o.verdict === 'inconclusive');
  if (unsure && unsure.verdict === 'inconclusive') return inconclusive(unsure.reason, evidence);
  return { verdict: 'pass', evidence };
}
