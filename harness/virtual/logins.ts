/**
 * The virtual board's logins: a console `login` command, a telnet-style login service on loopback
 * TCP, and a small web UI (a form login, and an HTTP Digest page as cameras have). Each surface has
 * its own gate: the device's own password (from the rig), locked for LOCKOUT_MS after LOCKOUT_AFTER
 * failures in a row, a success resetting the count. Flaws: `default-password` (admin/admin accepted
 * too), `no-throttling` (never locks), `shared-password` (every unit uses one fleet password),
 * `login-dies` (the telnet-style service slows under a run of failures, then stops answering for good:
 * slowed down is not throttled when nothing answers afterwards).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { VirtualFlaw } from '../config/schema.ts';
import { digestResponse, parseAuthorization } from '../wire/http-digest.ts';
import { SERVER_GREETING, TelnetDecoder } from '../wire/telnet.ts';
import { listenLoopback } from './listen.ts';

export const LOCKOUT_AFTER = 5;
export const LOCKOUT_MS = 1500;
/** What every unit with the shared-password flaw uses, whatever it was provisioned with. */
export const FLEET_PASSWORD = 'hil-fleet-0001';

/** login-dies: failures in a row from which each answer is STRAIN_STEP_MS slower, and at which it dies. */
const STRAIN_FROM = 30;
const STRAIN_STEP_MS = 60;
const DIES_AT = 50;

export type Verdict = 'accepted' | 'refused' | 'locked';

export class LoginGate {
  private failures = 0;
  /** Failures since the last good login, locked or not (the login-dies flaw's strain). */
  private inARow = 0;
  private lockedUntil = 0;
  readonly user: string;
  private readonly password: string;

  constructor(
    own: { user?: string; password?: string },
    private readonly flaws: readonly VirtualFlaw[],
  ) {
    this.user = own.user ?? 'admin';
    this.password = flaws.includes('shared-password')
      ? FLEET_PASSWORD
      : (own.password ?? randomBytes(9).toString('base64url'));
  }

  /** One attempt; `matches` says whether a password is the one given (Digest sends only a hash of it). */
  check(user: string, matches: (password: string) => boolean): Verdict {
    const throttled = !this.flaws.includes('no-throttling');
    if (throttled && Date.now() < this.lockedUntil) {
      this.inARow++;
      return 'locked';
    }
    const ok =
      (user === this.user && matches(this.password)) ||
      (this.flaws.includes('default-password') && user === 'admin' && matches('admin'));
    if (ok) {
      this.failures = 0;
      this.inARow = 0;
      return 'accepted';
    }
    this.inARow++;
    if (throttled && ++this.failures >= LOCKOUT_AFTER) {
      this.failures = 0;
      this.lockedUntil = Date.now() + LOCKOUT_MS;
    }
    return 'refused';
  }

  /** How much later than at once the next answer comes, or 'dead' once the login-dies flaw has killed it. */
  strain(): number | 'dead' {
    if (!this.flaws.includes('login-dies')) return 0;
    if (this.inARow >= DIES_AT) return 'dead';
    return Math.max(0, this.inARow - STRAIN_FROM + 1) * STRAIN_STEP_MS;
  }
}

const ANSWERS: Record<Verdict, string> = {
  accepted: 'Welcome, you are logged in',
  refused: 'Login incorrect',
  locked: 'Too many failed logins: locked, try again later',
};

/** The login dialogue on a line-based console: user name, then the password (not echoed). */
export class LoginDialogue {
  private user: string | undefined;
  active = false;

  constructor(private readonly gate: LoginGate) {}

  /** Whether typed characters are echoed now (never while the password is typed). */
  get echoes(): boolean {
    return !(this.active && this.user !== undefined);
  }

  start(): string {
    this.active = true;
    this.user = undefined;
    return 'login: ';
  }

  /** A line typed while the dialogue runs: what to print, and whether the dialogue is over. */
  line(text: string): { output: string; done: boolean } {
    if (this.user === undefined) {
      this.user = text.trim();
      return { output: 'Password: ', done: false };
    }
    const verdict = this.gate.check(this.user, (p) => p === text);
    this.active = false;
    return { output: `${ANSWERS[verdict]}\r\n`, done: true };
  }
}

/** A telnet-style login service: options negotiated (and ignored), then the same dialogue, forever. */
export function serveTelnetLogin(gate: LoginGate): (socket: Socket) => void {
  return (socket) => {
    const telnet = new TelnetDecoder();
    const dialogue = new LoginDialogue(gate);
    let line = '';
    socket.on('error', () => undefined);
    socket.write(Buffer.concat([SERVER_GREETING, Buffer.from(`hil-virtual telnetd\r\n${dialogue.start()}`)]));
    socket.on('data', (chunk: Buffer) => {
      for (const byte of telnet.push(chunk).data) {
        if (byte !== 0x0d && byte !== 0x0a) {
          if (line.length < 128) line += String.fromCharCode(byte);
          continue;
        }
        if (byte === 0x0a && line === '') continue;
        const strain = gate.strain();
        if (strain === 'dead') return; // the service is gone: it reads and answers nothing
        const answer = dialogue.line(line);
        line = '';
        const reply = answer.done ? `${answer.output}login: ` : answer.output;
        if (answer.done) dialogue.start();
        if (strain === 0) socket.write(reply);
        else setTimeout(() => socket.destroyed || socket.write(reply), strain);
      }
    });
  };
}

const FORM = (message: string) =>
  `<!doctype html><html><head><title>hil-virtual</title></head><body><h1>hil-virtual</h1><p class="msg">${message}</p>` +
  '<form method="post" action="/login"><label>User <input name="user" type="text"></label>' +
  '<label>Password <input name="password" type="password"></label><button type="submit">Log in</button></form></body></html>';
const HOME = (user: string) =>
  `<!doctype html><html><head><title>hil-virtual</title></head><body><h1>hil-virtual</h1><p id="status">Logged in as ${user}</p><a href="/logout">Log out</a></body></html>`;

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 4096) break;
  }
  return text;
}

/** The web UI: `/` (form login, session cookie) and `/cgi-bin/status` (HTTP Digest, MD5, qop auth). */
export async function startWebUi(
  form: LoginGate,
  digest: LoginGate,
): Promise<{ port: number; close(): Promise<void> }> {
  const sessions = new Set<string>();
  const nonce = randomBytes(16).toString('hex');
  const realm = 'hil-virtual';
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://device');
    const session = /(?:^|;\s*)sid=([0-9a-f]{32})/.exec(req.headers.cookie ?? '')?.[1];
    const html = (status: number, page: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
      res.end(page);
    };
    if (url.pathname === '/cgi-bin/status') {
      const fields = parseAuthorization(String(req.headers.authorization ?? '').slice(0, 2048));
      const challenge = { 'www-authenticate': `Digest realm="${realm}", qop="auth", nonce="${nonce}", algorithm=MD5` };
      if (!fields?.username || fields.nonce !== nonce) return html(401, 'authentication required', challenge);
      const c = { scheme: 'digest' as const, realm, nonce, qop: ['auth'], algorithm: 'MD5' as const };
      const verdict = digest.check(
        fields.username,
        (p) =>
          digestResponse(
            c,
            fields.username!,
            p,
            req.method ?? 'GET',
            fields.uri ?? '',
            fields.nc ?? '',
            fields.cnonce ?? '',
          ) === fields.response,
      );
      if (verdict === 'accepted') return html(200, '<p id="status">camera ok</p>');
      return verdict === 'locked' ? html(429, 'too many attempts') : html(401, 'authentication failed', challenge);
    }
    if (url.pathname === '/login' && req.method === 'POST') {
      const params = new URLSearchParams(await body(req));
      const verdict = form.check(params.get('user') ?? '', (p) => p === params.get('password'));
      if (verdict === 'locked') return html(429, FORM('Too many failed logins: try again later'));
      if (verdict === 'refused') return html(200, FORM('Invalid user name or password'));
      const sid = randomBytes(16).toString('hex');
      sessions.add(sid);
      return html(303, '', { location: '/', 'set-cookie': `sid=${sid}; HttpOnly; Path=/` });
    }
    if (url.pathname === '/logout' && session) sessions.delete(session);
    if (url.pathname === '/' && session && sessions.has(session)) return html(200, HOME(form.user));
    html(200, FORM('Please log in'));
  });
  const port = await listenLoopback(server);
  return {
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
