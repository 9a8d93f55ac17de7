/**
 * A Tasmota (or Tasmota-compatible) Wi-Fi relay over HTTP, for power or a boot strap:
 *
 *   power: { driver: tasmota, url: http://192.168.1.60, relay: 1, user: admin, password: ..., timeout: 3s }
 *   boot-strap: { driver: tasmota, url: http://192.168.1.61, relay: 2 }
 *
 * `GET /cm?cmnd=Power1%20Off` answers `{"POWER1":"OFF"}` (`POWER` on a single-relay device); the
 * reply is checked, so a relay that did not switch is an error. The twin is the same HTTP API.
 * `timeout` is how long a request may wait for its answer: a relay answers once it has switched,
 * and the rig host's relay in front of a QEMU board answers once QEMU runs the machine.
 */
import { createServer } from 'node:http';
import { Type } from '../../config/typebox.ts';
import { Duration, HttpUrl, Secret } from '../../config/atoms.ts';
import { parseDuration } from '../../config/duration.ts';
import { type Relay, relayDriver } from '../driver.ts';
import { listenLoopback } from '../../virtual/listen.ts';

const REQUEST_TIMEOUT_MS = 3000;

export class TasmotaRelay implements Relay {
  constructor(
    private readonly url: string,
    private readonly relay = 1,
    private readonly credentials?: { user: string; password: string },
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  get description(): string {
    return `Tasmota relay ${this.url} #${this.relay}`;
  }

  on(): Promise<void> {
    return this.switchTo('ON');
  }

  off(): Promise<void> {
    return this.switchTo('OFF');
  }

  async state(): Promise<boolean> {
    return (await this.command(`Power${this.relay}`)) === 'ON';
  }

  async close(): Promise<void> {}

  private async switchTo(state: 'ON' | 'OFF'): Promise<void> {
    const reported = await this.command(`Power${this.relay} ${state === 'ON' ? 'On' : 'Off'}`);
    if (reported !== state) throw new Error(`${this.description}: asked for ${state}, relay reports ${reported}`);
  }

  private async command(command: string): Promise<string> {
    const url = new URL('/cm', this.url);
    url.searchParams.set('cmnd', command);
    if (this.credentials) {
      url.searchParams.set('user', this.credentials.user);
      url.searchParams.set('password', this.credentials.password);
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      const why = timedOut ? `no answer within ${this.timeoutMs} ms` : (error as Error).message;
      throw new Error(`${this.description}: "${command}" failed: ${why}`);
    }
    const body = (await response.text()).slice(0, 1024);
    if (!response.ok) throw new Error(`${this.description}: "${command}" answered HTTP ${response.status}: ${body}`);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw new Error(`${this.description}: "${command}" answered something other than JSON: ${body}`);
    }
    const value = parsed[`POWER${this.relay}`] ?? (this.relay === 1 ? parsed.POWER : undefined);
    if (typeof value !== 'string') throw new Error(`${this.description}: "${command}" answered ${body}`);
    return value;
  }
}

const credentialsOf = (c: { user?: string; password?: string }) =>
  c.password !== undefined ? { user: c.user ?? 'admin', password: c.password } : undefined;

export default relayDriver({
  name: 'tasmota',
  description: 'a Tasmota relay over HTTP',
  fields: {
    url: HttpUrl,
    relay: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
    user: Type.Optional(Type.String()),
    password: Type.Optional(Secret('the relay web password')),
    timeout: Type.Optional({ ...Duration, description: 'how long a request may wait for its answer (default 3s)' }),
  },
  open: async (c) =>
    new TasmotaRelay(
      c.url,
      c.relay ?? 1,
      credentialsOf(c),
      c.timeout === undefined ? undefined : parseDuration(c.timeout),
    ),

  /**
   * The twin: Power, Power On/Off/Toggle/1/0/2 (Power2..8 for more relays), replying as Tasmota
   * does. With a password set, requests must carry `user` and `password`; others get its warning.
   */
  twin: async (c, host, contact) => {
    const index = c.relay ?? 1;
    const credentials = credentialsOf(c);
    const relays = Array.from({ length: index }, () => false);
    const server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://relay');
      const reply = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname !== '/cm') return reply(404, { error: 'not found' });
      const given = { user: url.searchParams.get('user'), password: url.searchParams.get('password') };
      if (credentials && (given.user !== credentials.user || given.password !== credentials.password)) {
        return reply(401, { WARNING: 'Need user=<username>&password=<password>' });
      }
      const m = /^Power(\d?)(?:\s+(On|Off|Toggle|1|0|2))?$/i.exec((url.searchParams.get('cmnd') ?? '').trim());
      const n = m ? (m[1] ? Number(m[1]) : 1) : 0;
      if (!m || n < 1 || n > relays.length) return reply(200, { Command: 'Unknown' });
      const action = m[2]?.toLowerCase();
      if (action) {
        const closed =
          action === 'on' || action === '1' ? true : action === 'off' || action === '0' ? false : !relays[n - 1];
        relays[n - 1] = closed;
        try {
          if (n === index) await contact(closed);
        } catch (error) {
          return reply(500, { error: (error as Error).message });
        }
      }
      reply(200, { [relays.length === 1 && !m[1] ? 'POWER' : `POWER${n}`]: relays[n - 1] ? 'ON' : 'OFF' });
    });
    const port = await listenLoopback(server);
    host.onClose(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return { url: `http://127.0.0.1:${port}` };
  },
});
