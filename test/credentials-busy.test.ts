// A busy answer did not test the password (issue 27): test peers that answer 429 and 503 (with and
// without Retry-After), reset the connection, hang, or close a telnet-style login before it answers.
// Each is retried, then named untested, never counted a refusal; in a brute force each is evidence of
// throttling; a back-off that grows with each failure is throttling. Pure parts: statuses, Retry-After.
import t, { type Test } from 'tap';
import './helpers/children.ts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tryPair } from '../harness/credentials/attempt.ts';
import { failureVerdict, retryAfterMs, statusVerdict } from '../harness/credentials/busy.ts';
import { BUILT_IN_DEFAULTS } from '../harness/credentials/defaults.ts';
import { HttpAuthLogin } from '../harness/credentials/http-login.ts';
import { TcpLogin } from '../harness/credentials/tcp-login.ts';
import { bruteForceThrottled, noDefaultAccepted } from '../harness/credentials/trials.ts';
import { WebLogin } from '../harness/credentials/web-login.ts';

const OWN = { user: 'hil', password: 'Kq8-own-label-27' };
const CHALLENGE = { 'www-authenticate': 'Basic realm="hil-peer"' };

/** Who a request's Basic credentials name, and whether they are `OWN` (or admin/admin where that is let in). */
function credentialsOf(req: IncomingMessage): { user: string; password: string } | undefined {
  const m = /^Basic (\S+)$/.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const at = text.indexOf(':');
  return { user: text.slice(0, at), password: text.slice(at + 1) };
}

const isOwn = (c?: { user: string; password: string }) => c?.user === OWN.user && c.password === OWN.password;

/** An HTTP peer on loopback; `answer` decides each request (the n-th with credentials counts from 1). */
async function httpPeer(
  t: Test,
  answer: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<{ url: string; times: number[] }> {
  let n = 0;
  const times: number[] = [];
  const server = createServer((req, res) => {
    if (!req.headers.authorization) {
      res.writeHead(401, CHALLENGE).end('authentication required');
      return;
    }
    times.push(Date.now());
    answer(req, res, ++n);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, times };
}

const basic = (res: ServerResponse, ok: boolean) =>
  ok ? res.writeHead(200).end('camera ok') : res.writeHead(401, CHALLENGE).end('authentication failed');

t.test('statuses: 2xx in, 401/403 refused, rate limits and overloads busy, the rest no answer', async (t) => {
  t.equal(statusVerdict(200).verdict, 'accepted');
  t.equal(statusVerdict(401).verdict, 'refused');
  t.equal(statusVerdict(403).verdict, 'refused');
  for (const status of [420, 429, 502, 503, 504, 509, 529]) t.equal(statusVerdict(status).verdict, 'busy', `${status}`);
  t.match(statusVerdict(503).said, /HTTP 503: rate limited or overloaded/);
  t.same(statusVerdict(500), { verdict: 'no-answer', said: 'HTTP 500: not an answer to a password' });
  t.equal(retryAfterMs('7'), 7000, 'seconds');
  t.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 30_000, 'a date');
  t.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 08:00:00 GMT')), 0, 'a date past');
  t.equal(retryAfterMs('soon'), undefined);
  t.equal(retryAfterMs(null), undefined);
  t.equal(failureVerdict(new DOMException('aborted', 'TimeoutError')).verdict, 'busy', 'a timeout');
  t.equal(failureVerdict(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })).verdict, 'busy');
  t.equal(failureVerdict(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })).verdict, 'no-answer');
});

t.test('a 503 for the one pair that works: retried, and it fails the check (it was a false pass)', async (t) => {
  // The device's front answers admin/admin's first try with 503 and no Retry-After, as nginx's
  // limit_req does: counted a refusal, this check passed with the default pair open.
  const peer = await httpPeer(t, (req, res) => {
    const c = credentialsOf(req);
    const admin = c?.user === 'admin' && c.password === 'admin';
    if (admin && !seen.has('admin')) {
      seen.add('admin');
      res.writeHead(503).end('<html><body>503 Service Temporarily Unavailable</body></html>');
      return;
    }
    basic(res, isOwn(c) || admin);
  });
  const seen = new Set<string>();
  const login = new HttpAuthLogin(peer.url);
  const first = await login.attempt('admin', 'admin');
  t.match(first, { verdict: 'busy', said: /HTTP 503/ }, 'the 503 is busy, not refused');
  t.notOk('retryAfterMs' in first, 'no Retry-After: the back-off decides');
  seen.clear();
  const outcome = await noDefaultAccepted({ surface: login, own: OWN, lockoutMs: 500 }, BUILT_IN_DEFAULTS.slice(0, 6));
  t.equal(outcome.verdict, 'fail');
  t.match(outcome, {
    evidence: {
      seen: 'logged in with a default pair: admin/***',
      accepted: [{ user: 'admin', password: '***', tries: 2 }],
      retried: { pairs: 1, waitedMs: 250 },
    },
  });
});

t.test('Retry-After is honoured: the next try waits what the device asked', async (t) => {
  const peer = await httpPeer(t, (_req, res, n) => {
    if (n <= 2) res.writeHead(429, { 'retry-after': '1' }).end('slow down');
    else basic(res, false);
  });
  const r = await tryPair({ surface: new HttpAuthLogin(peer.url), lockoutMs: 0 }, { user: 'admin', password: 'x' });
  t.match(r, { verdict: 'refused', tries: 3, waitedMs: 2000 });
  const gaps = peer.times.slice(1).map((at, i) => at - peer.times[i]!);
  t.ok(
    gaps.every((g) => g >= 990),
    `each try a second after the last (${gaps.join(', ')} ms)`,
  );
});

t.test('pairs a device will not answer are named untested, and the check is inconclusive', async (t) => {
  // Its own login goes through; every other pair is put off for an hour, past the 30 s a pair may wait.
  const peer = await httpPeer(t, (req, res) => {
    if (isOwn(credentialsOf(req))) basic(res, true);
    else res.writeHead(503, { 'retry-after': '3600' }).end('maintenance');
  });
  const started = Date.now();
  const outcome = await noDefaultAccepted(
    { surface: new HttpAuthLogin(peer.url), own: OWN, lockoutMs: 500 },
    BUILT_IN_DEFAULTS.slice(0, 5),
  );
  t.ok(Date.now() - started < 5000, 'no hour waited, nor 30 s');
  t.equal(outcome.verdict, 'inconclusive', 'never a pass: nothing was refused');
  if (outcome.verdict !== 'inconclusive') return;
  t.match(outcome.reason, /^5 of 5 pairs were not tested .*never a refusal\): pair 1 \(root\), pair 2 \(root\)/);
  t.match(outcome.evidence, {
    answers: { busy: 3 },
    untested: [
      {
        pair: 'pair 1 (root)',
        why: 'busy (HTTP 503: rate limited or overloaded): after 1 try it asked for 3600000 ms more, past the 30000 ms a pair may wait',
      },
      { pair: 'pair 2 (root)' },
      { pair: 'pair 3 (root)' },
      { pair: 'pair 4 (admin)', why: 'not tried: the 3 pairs before it got no answer' },
      { pair: 'pair 5 (root)' },
    ],
  });
  t.notMatch(JSON.stringify(outcome), /xc3511|vizxv/, 'pairs named by user only');
});

t.test('a reset connection is busy and retried; a request that hangs is busy', async (t) => {
  const peer = await httpPeer(t, (req, res, n) => {
    if (n === 1) req.socket.resetAndDestroy();
    else basic(res, isOwn(credentialsOf(req)));
  });
  const login = new HttpAuthLogin(peer.url);
  const reset = await login.attempt('admin', 'admin');
  t.match(reset, { verdict: 'busy' }, `reset: ${reset.said}`);
  t.match(await tryPair({ surface: login, lockoutMs: 0 }, OWN), { verdict: 'accepted', tries: 1 });
  const hang = await httpPeer(t, () => undefined);
  const hung = await new HttpAuthLogin(hang.url).attempt('admin', 'admin');
  t.match(hung, { verdict: 'busy', said: /timeout|aborted/i }, 'no answer in 5 s');
});

/** A telnet-style peer: `login: `, `Password: `, then what `answer` does with the connection. */
async function telnetPeer(t: Test, answer: (socket: Socket, n: number) => void): Promise<TcpLogin> {
  let n = 0;
  const server: Server = createTcpServer((socket) => {
    socket.on('error', () => undefined);
    socket.write('camera login: ');
    let lines = 0;
    socket.on('data', (chunk) => {
      lines += chunk.toString('latin1').split('\n').length - 1;
      if (lines === 1) socket.write('Password: ');
      if (lines === 2) answer(socket, ++n);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const dialog = {
    userPrompt: /login: $/m,
    passwordPrompt: /Password: $/m,
    accepted: /[$#] $/m,
    refused: /Login incorrect/m,
  };
  return new TcpLogin('127.0.0.1', (server.address() as { port: number }).port, dialog);
}

t.test(
  'telnet-style: a reset or a hang-up before the answer is busy, then retried on a fresh connection',
  async (t) => {
    const login = await telnetPeer(t, (socket, n) => {
      if (n === 1) socket.resetAndDestroy();
      else if (n === 2) socket.end();
      else socket.write('Login incorrect\r\ncamera login: ');
    });
    t.match(await login.attempt('admin', 'admin'), { verdict: 'busy', said: /connection was reset/ });
    t.match(await login.attempt('admin', 'admin'), { verdict: 'busy', said: /connection was closed by the device/ });
    t.match(await tryPair({ surface: login, lockoutMs: 0 }, { user: 'admin', password: 'admin' }), {
      verdict: 'refused',
      tries: 1,
    });
  },
);

t.test('telnet-style: a device that never answers the password is busy after 6 s, not refused', async (t) => {
  const login = await telnetPeer(t, () => undefined);
  const started = Date.now();
  t.match(await login.attempt('admin', 'admin'), { verdict: 'busy', said: /nothing within 6000 ms/ });
  t.ok(Date.now() - started < 8000, 'and the connection it left open is not waited on');
});

t.test('brute force: 503s from a rate limit are throttling, not full speed', async (t) => {
  const peer = await httpPeer(t, (req, res, n) => {
    if (n % 2 === 0) res.writeHead(503).end('busy');
    else basic(res, isOwn(credentialsOf(req)));
  });
  const outcome = await bruteForceThrottled({ surface: new HttpAuthLogin(peer.url), own: OWN, lockoutMs: 100 });
  t.equal(outcome.verdict, 'pass');
  t.match(outcome, { evidence: { busy: 25, locked: 0, afterwards: /own login: accepted/ } });
});

t.test('brute force: a back-off that grows with each failure is throttling, and the series shows it', async (t) => {
  // 20 ms more for each failure in a row (the 400 ms would make this test 8 minutes long).
  let failures = 0;
  const peer = await httpPeer(t, (req, res) => {
    const ok = isOwn(credentialsOf(req));
    const delay = ok ? 0 : 20 * failures++;
    if (ok) failures = 0;
    setTimeout(() => basic(res, ok), delay);
  });
  const outcome = await bruteForceThrottled({ surface: new HttpAuthLogin(peer.url), own: OWN, lockoutMs: 100 });
  t.equal(outcome.verdict, 'pass', 'throttled, and its own login gets in afterwards');
  if (outcome.verdict !== 'pass') return;
  const evidence = outcome.evidence as { trend: { shape: string; slopeMsPerAttempt: number }; seriesMs: number[] };
  t.equal(evidence.trend.shape, 'growing');
  t.ok(
    Math.abs(evidence.trend.slopeMsPerAttempt - 20) < 5,
    `about 20 ms per attempt (${evidence.trend.slopeMsPerAttempt})`,
  );
  t.equal(evidence.seriesMs.length, 50);
  t.ok(evidence.seriesMs[49]! >= 980, 'the last answer came after about a second');
});

t.test('the web form: a 503 for the login is busy, with its Retry-After; a 500 is no answer', async (t) => {
  let posts = 0;
  const server = createServer((req, res) => {
    if (req.method === 'POST' && ++posts <= 2) {
      const status = posts === 1 ? 503 : 500;
      res.writeHead(status, { 'retry-after': '2', 'content-type': 'text/html' }).end(`<p>${status}</p>`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      '<form method="post" action="/login"><input name="user"><input type="password" name="password"><button type="submit">Go</button></form>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const login = new WebLogin(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, {}, t.testdir({}));
  try {
    t.match(await login.attempt('admin', 'admin'), { verdict: 'busy', retryAfterMs: 2000, said: /HTTP 503/ });
    t.match(
      await login.attempt('admin', 'admin'),
      { verdict: 'no-answer', said: 'HTTP 500: not an answer to a password' },
      'a server error page has no password field, and is no login',
    );
    t.match(await login.attempt('admin', 'admin'), { verdict: 'refused' }, 'then the form answers');
  } finally {
    await login.close();
  }
});
