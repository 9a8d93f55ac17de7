// default-credentials against Debian's real servers (issue 27), each started by the test on a port
// of its own: nginx with `limit_req` in front of a web UI that takes admin/admin (the false pass
// first: its 503 was counted a refusal), lighttpd's mod_auth Basic and Digest (admin/admin fails,
// a strong password passes, its fixed second before every 401 is a delay, not throttling), and
// BusyBox telnetd with `login` (a login that works leaves a shell: every attempt on a connection of
// its own, so network-login and brute-force are judged, not could-not-test).
import t from 'tap';
import './helpers/children.ts';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Surface } from '../harness/credentials/attempt.ts';
import { BUILT_IN_DEFAULTS } from '../harness/credentials/defaults.ts';
import { HttpAuthLogin } from '../harness/credentials/http-login.ts';
import { TcpLogin } from '../harness/credentials/tcp-login.ts';
import { bruteForceThrottled, noDefaultAccepted } from '../harness/credentials/trials.ts';
import { cannotRunTelnetd, startTelnetd } from './helpers/busybox-telnetd.ts';
import { startLighttpd, startNginx } from './helpers/web-servers.ts';

// lighttpd waits about a second before each 401 and BusyBox's login 3 s before each refusal: their
// brute forces make ATTEMPTS tries (the rig's credentials.brute-force-attempts), not the default 50.
t.setTimeout(400_000);

/** The label's credentials: the positive control. */
const OWN = { user: 'hil', password: 'Kq8-own-label-27' };
const ADMIN = { user: 'admin', password: 'admin' };
/** The first six published pairs: three root pairs, then root/admin and admin/admin. */
const FIRST_PAIRS = BUILT_IN_DEFAULTS.slice(0, 6);
/** The fewest for the trend: the first five against the last ten, apart (two minutes less than 50). */
const ATTEMPTS = 15;
const surface = (login: Surface['surface']): Surface => ({ surface: login, own: OWN, lockoutMs: 1000 });

t.test('nginx limit_req in front of a web UI that takes admin/admin', async (t) => {
  // The UI: HTTP Basic, at full speed; nginx lets 5 requests a second through and answers the rest 503.
  const ui = createServer((req, res) => {
    const m = /^Basic (\S+)$/.exec(req.headers.authorization ?? '');
    const given = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    const ok = [OWN, ADMIN].some((c) => given === `${c.user}:${c.password}`);
    res.writeHead(ok ? 200 : 401, ok ? {} : { 'www-authenticate': 'Basic realm="hil-camera"' });
    res.end(ok ? 'camera ok' : 'authentication required');
  });
  await new Promise<void>((resolve) => ui.listen(0, '127.0.0.1', resolve));
  const dir = t.testdir({});
  const nginx = await startNginx(dir, (ui.address() as { port: number }).port, '5r/s');
  t.teardown(async () => {
    await nginx.stop();
    ui.close();
  });
  const login = new HttpAuthLogin(nginx.url);

  t.test('the false pass: its 503 for admin/admin is busy, never a refusal', async (t) => {
    // The challenge, then at once the attempt: the second request inside the rate's 200 ms.
    const r = await login.attempt(ADMIN.user, ADMIN.password);
    t.match(r, { verdict: 'busy', said: 'HTTP 503: rate limited or overloaded' });
  });

  t.test('web-ui fails: admin/admin got in once retried', async (t) => {
    const outcome = await noDefaultAccepted(surface(login), BUILT_IN_DEFAULTS);
    t.equal(outcome.verdict, 'fail', 'not a pass');
    t.match(outcome, {
      evidence: {
        seen: 'logged in with a default pair: admin/***',
        accepted: [{ user: 'admin', password: '***' }],
        answers: { accepted: 1, refused: BUILT_IN_DEFAULTS.length - 1 },
        retried: { pairs: Number },
      },
    });
    t.notOk('untested' in (outcome as { evidence: object }).evidence, 'every pair answered in the end');
    const log = readFileSync(`${dir}/nginx-access.log`, 'utf8');
    t.ok((log.match(/" 503 /g) ?? []).length > 10, 'nginx turned many of them away with 503 on the way');
  });

  t.test('brute-force: its 503s are the rate limit at work, not full speed', async (t) => {
    const outcome = await bruteForceThrottled(surface(login));
    t.equal(outcome.verdict, 'pass');
    if (outcome.verdict !== 'pass') return;
    t.match(outcome.evidence, { locked: 0, afterwards: /own login: accepted/ });
    t.ok((outcome.evidence.busy as number) >= 10, `many answered 503 (${outcome.evidence.busy})`);
  });
});

for (const method of ['basic', 'digest'] as const) {
  t.test(`lighttpd mod_auth ${method}, admin/admin among its users: web-ui fails`, async (t) => {
    const dir = t.testdir({});
    const lighttpd = await startLighttpd(dir, method, [OWN, ADMIN]);
    t.teardown(() => lighttpd.stop());
    const outcome = await noDefaultAccepted(surface(new HttpAuthLogin(lighttpd.url)), FIRST_PAIRS);
    t.equal(outcome.verdict, 'fail', lighttpd.errors());
    t.match(outcome, {
      evidence: { accepted: [{ user: 'admin', password: '***' }], answers: { accepted: 1, refused: 5 } },
    });
  });
}

t.test('lighttpd mod_auth digest with a strong password of its own', async (t) => {
  const dir = t.testdir({});
  const strong = { user: 'admin', password: 'Tz4-label-9c1e' };
  const lighttpd = await startLighttpd(dir, 'digest', [strong]);
  t.teardown(() => lighttpd.stop());
  const s: Surface = { surface: new HttpAuthLogin(lighttpd.url), own: strong, lockoutMs: 1000 };

  t.test('web-ui passes: every pair refused, each with a 401', async (t) => {
    const outcome = await noDefaultAccepted(s, FIRST_PAIRS);
    t.equal(outcome.verdict, 'pass', lighttpd.errors());
    t.match(outcome, { evidence: { answers: { refused: 6 } } });
  });

  t.test("brute-force: lighttpd's second before every 401 is a fixed delay, not throttling", async (t) => {
    const outcome = await bruteForceThrottled(s, ATTEMPTS);
    t.equal(outcome.verdict, 'fail');
    if (outcome.verdict !== 'fail') return;
    const evidence = outcome.evidence as {
      seen: string;
      trend: { shape: string; slopeMsPerAttempt: number; medianMs: { first5: number; last10: number } };
      seriesMs: number[];
    };
    t.equal(evidence.trend.shape, 'fixed-delay');
    t.match(evidence.seen, /a fixed delay on every failure, not throttling/);
    t.equal(evidence.seriesMs.length, ATTEMPTS, 'the measured series is the evidence');
    // Nearly all about a second (a real server on a shared machine: one answered in 62 ms in one run).
    const slow = evidence.seriesMs.filter((ms) => ms >= 900).length;
    t.ok(
      slow >= ATTEMPTS - 2,
      `${slow} of ${ATTEMPTS} answers after about a second (${evidence.seriesMs.join(', ')} ms)`,
    );
    t.ok(
      Math.abs(evidence.trend.slopeMsPerAttempt) < 5,
      `no trend (${evidence.trend.slopeMsPerAttempt} ms per attempt)`,
    );
  });
});

t.test('BusyBox telnetd with login, admin/admin among its users', { skip: cannotRunTelnetd() }, async (t) => {
  const dir = t.testdir({});
  const telnetd = await startTelnetd(dir, [OWN, ADMIN]);
  t.teardown(() => telnetd.stop());
  const dialog = {
    userPrompt: /login: $/m,
    passwordPrompt: /Password: $/m,
    accepted: /[$#] $/m,
    refused: /Login incorrect/m,
  };
  const login = new TcpLogin('127.0.0.1', telnetd.port, dialog);

  t.test('a login that works leaves a shell; the next attempt still gets a login prompt', async (t) => {
    const started = Date.now();
    t.match(await login.attempt(OWN.user, OWN.password), { verdict: 'accepted', said: /\$$/ });
    t.ok(Date.now() - started < 2000, 'in, out (exit) and closed without waiting on the connection');
    const wrong = await login.attempt(OWN.user, 'not-the-password');
    t.match(wrong, { verdict: 'refused', said: /Login incorrect/ });
    t.ok(wrong.ms >= 2500, `BusyBox's 3 s before it refuses, inside the answer's wait (${wrong.ms} ms)`);
  });

  t.test('network-login fails: admin/admin gets in, the pairs before and after it are answered', async (t) => {
    const outcome = await noDefaultAccepted(surface(login), BUILT_IN_DEFAULTS.slice(0, 5));
    t.equal(outcome.verdict, 'fail');
    t.match(outcome, {
      evidence: { accepted: [{ user: 'admin', password: '***' }], answers: { refused: 4, accepted: 1 } },
    });
    t.notOk('untested' in (outcome as { evidence: object }).evidence, 'no pair went without a login prompt');
  });

  t.test("brute-force is judged, not could-not-test: BusyBox's 3 s on every failure is a fixed delay", async (t) => {
    const outcome = await bruteForceThrottled(surface(login), ATTEMPTS);
    t.equal(outcome.verdict, 'fail');
    if (outcome.verdict !== 'fail') return;
    t.match(outcome.evidence, {
      silent: 0,
      busy: 0,
      trend: { shape: 'fixed-delay' },
      seen: /a fixed delay on every failure, not throttling/,
      afterwards: /own login: accepted/,
    });
    t.ok(
      (outcome.evidence.seriesMs as number[]).every((ms) => ms >= 2500),
      'every wrong password refused after about 3 s',
    );
  });
});
