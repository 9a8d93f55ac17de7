/**
 * A Shelly Gen2/Gen3 relay (Plus 1, Pro 1, Plus Plug S, ...) over its HTTP RPC API:
 *
 *   power: { driver: shelly, url: http://192.168.1.62, switch: 0, password: ... }
 *
 * `GET /rpc/Switch.Set?id=0&on=true` switches (answering `{"was_on":false}`), `GET
 * /rpc/Switch.GetStatus?id=0` reports (`{"id":0,"output":true,...}`); the state is read back after
 * every switch, so a relay that did not switch is an error. A device with authentication enabled
 * answers 401 with an HTTP Digest challenge (SHA-256, qop auth; the user is always `admin`): with
 * `password` the request is sent again with its answer, and the challenge kept for the next ones.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { Type } from '../../config/typebox.ts';
import { HttpUrl, Secret } from '../../config/atoms.ts';
import {
  authorization,
  type Challenge,
  digestResponse,
  parseAuthorization,
  parseChallenge,
} from '../../wire/http-digest.ts';
import { type Relay, relayDriver } from '../driver.ts';
import { listenLoopback } from '../../virtual/listen.ts';

const REQUEST_TIMEOUT_MS = 3000;
/** Shelly's Gen2 authentication has one user. */
const USER = 'admin';

export class ShellyRelay implements Relay {
  private challenge: Challenge | undefined;
  private nc = 0;

  constructor(
    private readonly url: string,
    private readonly id = 0,
    private readonly password?: string,
  ) {}

  get description(): string {
    return `Shelly ${this.url} switch ${this.id}`;
  }

  on(): Promise<void> {
    return this.switchTo(true);
  }

  off(): Promise<void> {
    return this.switchTo(false);
  }

  async state(): Promise<boolean> {
    const status = await this.rpc('Switch.GetStatus', { id: String(this.id) });
    if (typeof status.output !== 'boolean')
      throw new Error(`${this.description}: Switch.GetStatus answered ${JSON.stringify(status).slice(0, 200)}`);
    return status.output;
  }

  async close(): Promise<void> {}

  private async switchTo(on: boolean): Promise<void> {
    await this.rpc('Switch.Set', { id: String(this.id), on: String(on) });
    const now = await this.state();
    if (now !== on)
      throw new Error(`${this.description}: asked for ${on ? 'on' : 'off'}, it reports ${now ? 'on' : 'off'}`);
  }

  private async rpc(method: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const url = new URL(`/rpc/${method}`, this.url);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    let response = await this.get(method, url);
    if (response.status === 401 && this.password !== undefined) {
      this.challenge = parseChallenge((response.headers.get('www-authenticate') ?? '').slice(0, 2048));
      this.nc = 0;
      if (this.challenge?.scheme === 'digest') {
        await response.body?.cancel();
        response = await this.get(method, url);
      }
    }
    const body = (await response.text()).slice(0, 2048);
    if (response.status === 401)
      throw new Error(
        this.password === undefined
          ? `${this.description}: ${method} needs authentication: give the rig's power entry the device's password`
          : `${this.description}: ${method} refused the password (HTTP Digest as ${USER})`,
      );
    if (!response.ok) throw new Error(`${this.description}: ${method} answered HTTP ${response.status}: ${body}`);
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw new Error(`${this.description}: ${method} answered something other than JSON: ${body}`);
    }
  }

  /** One GET, answering the kept Digest challenge when there is one. */
  private async get(method: string, url: URL): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.challenge?.scheme === 'digest' && this.password !== undefined) {
      this.nc += 1;
      headers.authorization = authorization(this.challenge, USER, this.password, {
        method: 'GET',
        uri: `${url.pathname}${url.search}`,
        cnonce: randomBytes(8).toString('hex'),
        nc: this.nc,
      });
    }
    try {
      return await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw new Error(`${this.description}: ${method} failed: ${(error as Error).message}`);
    }
  }
}

export default relayDriver({
  name: 'shelly',
  description: 'a Shelly Gen2/Gen3 relay over HTTP RPC',
  fields: {
    url: HttpUrl,
    switch: Type.Optional(Type.Integer({ minimum: 0, maximum: 3, description: 'the switch id (default 0)' })),
    password: Type.Optional(Secret('the device password, where authentication is enabled (the user is admin)')),
  },
  open: async (c) => new ShellyRelay(c.url, c.switch ?? 0, c.password),

  /**
   * The twin: Switch.Set and Switch.GetStatus as Gen2 firmware answers them; anything else is its
   * error 404. With a password set, a request without a right Digest answer (user admin, SHA-256,
   * qop auth, this twin's nonce and the request's own URI) gets a 401 and the device's challenge.
   */
  twin: async (c, host, contact) => {
    const id = c.switch ?? 0;
    const outputs = [false, false, false, false];
    const challenge: Challenge = {
      scheme: 'digest',
      realm: 'shellyplus1-a8032ab12345',
      nonce: randomBytes(8).toString('hex'),
      qop: ['auth'],
      algorithm: 'SHA-256',
    };
    const wwwAuthenticate = `Digest qop="auth", realm="${challenge.realm}", nonce="${challenge.nonce}", algorithm=SHA-256`;
    const authorized = (method: string, uri: string, header: string) => {
      if (c.password === undefined) return true;
      const f = parseAuthorization(header.slice(0, 2048));
      if (!f || f.username !== USER || f.nonce !== challenge.nonce || f.uri !== uri || f.qop !== 'auth') return false;
      return f.response === digestResponse(challenge, USER, c.password, method, uri, f.nc ?? '', f.cnonce ?? '');
    };
    const server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://shelly');
      const reply = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (!authorized(req.method ?? 'GET', req.url ?? '/', String(req.headers.authorization ?? ''))) {
        res.setHeader('www-authenticate', wwwAuthenticate);
        return reply(401, { code: 401, message: 'Unauthorized' });
      }
      const n = Number(url.searchParams.get('id') ?? '0');
      if (!Number.isInteger(n) || n < 0 || n >= outputs.length)
        return reply(400, { code: -105, message: `Argument 'id', value ${url.searchParams.get('id')} not found!` });
      if (url.pathname === '/rpc/Switch.GetStatus')
        return reply(200, { id: n, source: 'http', output: outputs[n], apower: 0, voltage: 230.1 });
      if (url.pathname === '/rpc/Switch.Set') {
        const on = url.searchParams.get('on');
        if (on !== 'true' && on !== 'false')
          return reply(400, { code: -103, message: "Missing required argument 'on'!" });
        const was = outputs[n]!;
        outputs[n] = on === 'true';
        if (n === id) await contact(outputs[n]!);
        return reply(200, { was_on: was });
      }
      reply(404, { code: 404, message: `No handler for ${url.pathname.replace('/rpc/', '')}` });
    });
    const port = await listenLoopback(server);
    host.onClose(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return { url: `http://127.0.0.1:${port}` };
  },
});
