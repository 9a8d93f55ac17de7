// default-credentials through `hil run`: hardened boards pass every check on every surface (web UI
// in Chromium, HTTP Digest, console, telnet-style); each flaw fails exactly its check; no password
// reaches the run folder; a default login is photographed; no Chromium process outlives the run.
import t from 'tap';
import './helpers/children.ts';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hilRun } from './helpers/run.ts';

// Seven boards, two of them driving Chromium, side by side: minutes on a loaded 2-core machine (215 s
// beside one other test file; 300 s ran out at a load average of 15, every assertion so far holding).
t.setTimeout(600_000);

const id = (check: string) => `default-credentials/${check}`;
const CHECKS = ['web-ui', 'console-login', 'network-login', 'brute-force', 'per-device'].map(id).sort();
const FAILS: Record<string, string[]> = {
  'hardened-a': [],
  'hardened-b': [],
  'default-password': ['web-ui', 'console-login', 'network-login'],
  'no-throttling': ['brute-force'],
  'shared-a': ['per-device'],
  'shared-b': ['per-device'],
};

/** Chromium processes on this machine (this is the only test file that starts one). */
const chromiums = () =>
  readdirSync('/proc').filter((p) => {
    try {
      return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'latin1').startsWith('/usr/bin/chromium');
    } catch {
      return false;
    }
  }).length;

const before = chromiums();
const out = t.testdir({});
const run = hilRun(['--rig', 'test/fixtures/rigs/credentials-flaws.yaml', '--suite', 'default-credentials'], out);

t.test('each board fails exactly the checks of its flaw, and passes the rest', async (t) => {
  t.equal(run.status, 1, 'exit 1', { stderr: run.stderr.slice(-1500) });
  for (const [board, failing] of Object.entries(FAILS)) {
    t.same(run.having(board, 'fail'), failing.map(id).sort(), `${board} fails ${failing.join(', ') || 'nothing'}`);
    t.same(
      run.having(board, 'pass'),
      CHECKS.filter((c) => !failing.map(id).includes(c)),
      `${board} passes the rest`,
    );
  }
});

t.test('evidence: pairs by user only, the answers, the timing series, the peer that got in', async (t) => {
  const web = run.check('hardened-a', id('web-ui')).evidence as Record<string, { evidence: Record<string, unknown> }>;
  t.match(web.surface1!.evidence, { where: /\/$/, tried: 61, answers: { refused: 61 }, users: ['root', 'admin'] });
  t.match(web.surface2!.evidence, { where: /\/cgi-bin\/status$/, answers: { refused: 61 } }, 'HTTP Digest');
  const console = run.check('default-password', id('console-login')).evidence;
  t.match(console, {
    seen: 'logged in with a default pair: admin/***',
    accepted: [{ user: 'admin', password: '***' }],
  });
  const form = run.check('default-password', id('web-ui')).evidence as {
    surface1: { evidence: { accepted: { screenshot: string }[] } };
  };
  const shot = form.surface1.evidence.accepted[0]!.screenshot;
  t.ok(existsSync(shot) && statSync(shot).size > 1000, 'a screenshot of the default login is in the run folder');
  t.ok(shot.startsWith(out), 'inside the run folder');
  const brute = run.check('no-throttling', id('brute-force')).evidence;
  t.match(brute, { seen: /50 wrong passwords at full speed/, locked: 0, busy: 0, trend: { shape: 'full-speed' } });
  t.equal((brute.seriesMs as number[]).length, 50, 'the response-time series');
  const hardened = run.check('hardened-b', id('brute-force')).evidence as Record<
    string,
    { evidence: { where: string; locked: number; busy: number } }
  >;
  t.match(hardened, { surface1: { evidence: { where: /\/cgi-bin\/status$/, locked: 0 } } });
  t.ok(hardened.surface1!.evidence.busy > 0, "the Digest page's 429 lockout is busy: evidence of throttling");
  t.ok(hardened.surface3!.evidence.locked > 0, 'the telnet-style login says it is locked');
  t.match(run.check('shared-a', id('per-device')).evidence, {
    seen: "shared-b's credentials open this board too: not unique per device",
  });
});

t.test('slowed down, then dead: the brute force proves nothing when the own login fails afterwards', async (t) => {
  const brute = run.check('login-dies', id('brute-force'));
  t.equal(brute.verdict, 'inconclusive', 'not a pass: a dying service also slows down');
  t.match(brute.reason, /afterwards its own login did not get in/);
  const tcp = Object.values(brute.evidence as Record<string, { evidence: Record<string, unknown> }>).find((s) =>
    String(s.evidence.where).includes(':'),
  );
  t.match(tcp?.evidence, { afterwards: /own login: no-answer/, locked: Number });
  t.same(
    run.having('login-dies', 'pass'),
    CHECKS.filter((c) => c !== id('brute-force') && c !== id('web-ui')),
    'every other check passes (it has no web UI): the console and the defaults were fine',
  );
  t.match(run.check('hardened-a', id('brute-force')).evidence, {
    surface1: { evidence: { afterwards: /own login: accepted/ } },
  });
});

t.test('no password reaches the run folder; the browser is gone', async (t) => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (!entry.name.endsWith('.png')) files.push(join(dir, entry.name));
    }
  };
  walk(out);
  for (const secret of [
    'Qx7-hardened-a-41',
    'Kp2-hardened-b-93',
    'hil-fleet-0001',
    'xc3511',
    '7ujMko0vizxv',
    'raspberry',
  ])
    t.same(
      files.filter((f) => readFileSync(f, 'latin1').includes(secret)),
      [],
      `"${secret.slice(0, 3)}..." is in no log, TAP or summary`,
    );
  t.match(
    readFileSync(join(out, 'hardened-a', 'default-credentials.log'), 'latin1'),
    /\*\*\* \(\d+ bytes typed that are not recorded: a password\)/,
  );
  t.equal(chromiums(), before, 'no Chromium process outlives the run');
});

t.test(
  'a hostile page: its markup and scripts stay in the browser; evidence keeps only its rendered text',
  async (t) => {
    const { createServer } = await import('node:http');
    const { WebLogin } = await import('../harness/credentials/web-login.ts');
    const beacons: string[] = [];
    const page =
      '<!doctype html><html><head><title>cam</title><script>alert("x"); document.title = "ran";</script></head><body>' +
      '<p>Device <b>name</b><img src="/nope" onerror="fetch(\'/beacon?onerror\')"><script>fetch("/beacon?inline")</script></p>' +
      '<form method="post" action="/login"><input name="user"><input type="password" name="password"><button type="submit">Go</button></form></body></html>';
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/beacon')) beacons.push(req.url);
      res.writeHead(req.url === '/nope' ? 404 : 200, { 'content-type': 'text/html' });
      res.end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => server.close());
    const login = new WebLogin(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, {}, t.testdir({}));
    try {
      const result = await login.attempt('admin', 'admin');
      t.equal(result.verdict, 'refused', 'an alert() on the page does not hang the attempt');
      t.match(result.said, /Device name/);
      t.notMatch(result.said, /[<>]|onerror|fetch|script/, 'no markup and no script source in the evidence');
      t.ok(beacons.length > 0, "the page's own scripts ran, in the browser only");
    } finally {
      await login.close();
    }
    t.equal(chromiums(), before, 'closed: no Chromium left');
  },
);
