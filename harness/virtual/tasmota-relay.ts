/**
 * A virtual Tasmota relay: `GET /cm?cmnd=Power%20On` (Off, Toggle, bare Power to query; Power2..8
 * for more relays), replying `{"POWER":"ON"}` as Tasmota does. With a password set, requests must
 * carry `user` and `password` parameters, and others get Tasmota's warning reply.
 */
import { createServer, type Server } from 'node:http';

export class VirtualTasmota {
  readonly relays: boolean[];
  private server: Server | undefined;

  constructor(
    relayCount: number,
    /** Called on a switch; the reply waits for it (a QEMU board is on or off when the relay answers). */
    private readonly onChange: (relay: number, closed: boolean) => void | Promise<void>,
    private readonly credentials?: { user: string; password: string },
  ) {
    this.relays = Array.from({ length: relayCount }, () => false);
  }

  async listen(): Promise<number> {
    const server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://relay');
      const reply = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname !== '/cm') return reply(404, { error: 'not found' });
      if (
        this.credentials &&
        (url.searchParams.get('user') !== this.credentials.user ||
          url.searchParams.get('password') !== this.credentials.password)
      ) {
        return reply(401, { WARNING: 'Need user=<username>&password=<password>' });
      }
      const command = (url.searchParams.get('cmnd') ?? '').trim();
      const m = /^Power(\d?)(?:\s+(On|Off|Toggle|1|0|2))?$/i.exec(command);
      const index = m ? (m[1] ? Number(m[1]) : 1) : 0;
      if (!m || index < 1 || index > this.relays.length) return reply(200, { Command: 'Unknown' });
      const action = m[2]?.toLowerCase();
      if (action) {
        const closed =
          action === 'on' || action === '1'
            ? true
            : action === 'off' || action === '0'
              ? false
              : !this.relays[index - 1];
        this.relays[index - 1] = closed;
        try {
          await this.onChange(index, closed);
        } catch (error) {
          return reply(500, { error: (error as Error).message });
        }
      }
      const key = this.relays.length === 1 && !m[1] ? 'POWER' : `POWER${index}`;
      reply(200, { [key]: this.relays[index - 1] ? 'ON' : 'OFF' });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('relay server has no TCP address');
    return address.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
