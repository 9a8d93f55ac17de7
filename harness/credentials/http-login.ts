/**
 * A page behind HTTP Basic or Digest authentication (cameras, routers, printers): the challenge is
 * read from the device's 401, each attempt answers the latest challenge (a fresh nonce, nc 1). A 2xx
 * is accepted, 401 or 403 refused, 429 (or 503 with Retry-After) a device refusing to try.
 */
import { randomBytes } from 'node:crypto';
import { authorization, type Challenge, parseChallenge } from '../wire/http-digest.ts';
import type { LoginResult, LoginSurface } from './surface.ts';

const REQUEST_MS = 5000;

export class HttpAuthLogin implements LoginSurface {
  readonly name = 'http-auth';
  private challenge: Challenge | undefined;

  constructor(readonly where: string) {}

  async attempt(user: string, password: string): Promise<LoginResult> {
    const challenge = this.challenge ?? (await this.ask());
    if (!challenge) return { verdict: 'no-answer', ms: 0, said: 'no Basic or Digest challenge (WWW-Authenticate)' };
    const url = new URL(this.where);
    const header = authorization(challenge, user, password, {
      method: 'GET',
      uri: `${url.pathname}${url.search}`,
      cnonce: randomBytes(8).toString('hex'),
    });
    const sent = Date.now();
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization: header }, signal: AbortSignal.timeout(REQUEST_MS) });
      await response.body?.cancel();
    } catch (error) {
      return { verdict: 'no-answer', ms: Date.now() - sent, said: (error as Error).message };
    }
    const ms = Date.now() - sent;
    const next = parseChallenge((response.headers.get('www-authenticate') ?? '').slice(0, 2048));
    if (next) this.challenge = next;
    const said = `HTTP ${response.status}`;
    if (response.ok) return { verdict: 'accepted', ms, said };
    if (response.status === 429 || (response.status === 503 && response.headers.has('retry-after')))
      return { verdict: 'locked', ms, said };
    return { verdict: 'refused', ms, said };
  }

  async close(): Promise<void> {}

  /** The device's challenge: what it answers a request without credentials. */
  private async ask(): Promise<Challenge | undefined> {
    try {
      const response = await fetch(this.where, { signal: AbortSignal.timeout(REQUEST_MS) });
      await response.body?.cancel();
      this.challenge = parseChallenge((response.headers.get('www-authenticate') ?? '').slice(0, 2048));
    } catch {
      this.challenge = undefined;
    }
    return this.challenge;
  }
}
