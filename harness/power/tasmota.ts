/**
 * A Tasmota (or Tasmota-compatible) Wi-Fi relay over HTTP:
 *
 *   power: { driver: tasmota, url: http://192.168.1.60, relay: 1, user: admin, password: ... }
 *
 * `GET /cm?cmnd=Power1%20Off` answers `{"POWER1":"OFF"}` (`POWER` on a single-relay device); the
 * reply is checked, so a relay that did not switch is an error.
 */
import { cycleWith, DEFAULT_OFF_MS, type Power } from './power.ts';

const REQUEST_TIMEOUT_MS = 3000;

export class TasmotaRelay implements Power {
  constructor(
    private readonly url: string,
    private readonly relay = 1,
    private readonly credentials?: { user: string; password: string },
    readonly offMs = DEFAULT_OFF_MS,
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

  cycle(offMs = this.offMs): Promise<void> {
    return cycleWith(this, offMs);
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
      response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw new Error(`${this.description}: "${command}" failed: ${(error as Error).message}`);
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
