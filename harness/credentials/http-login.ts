/**
 * A page behind HTTP Basic or Digest authentication (cameras, routers, printers): the challenge is
 * read from the device's 401, each attempt answers the latest challenge (a fresh nonce, nc 1). A 2xx
 * is accepted, 401 or 403 refused; a rate limit or overload answer (429, 503 ...), a reset or a
 * timeout is busy, with the Retry-After it gave (see busy.ts).
 */
import { randomBytes } from 'node:crypto';
import { authorization, type Challenge, parseChallenge } from '../wire/http-digest.ts';
import { failureVerdict, retryAfterMs, statusVerdict } from './busy.ts';
import type { LoginResult, LoginSurface } from './surface.ts';

const REQUEST_MS = 5000;

export class HttpAuthLogin implements LoginSurface {
  readonly name = 'http-auth';
  private challenge: Challenge | undefined;

  constructor(readonly where: string) {}

  async attempt(user: string, password: string): Promise<LoginResult> {
    const challenge = this.challenge ?? (await this.ask());
    if ('verdict' in challenge) return challenge;
    const url = new URL(this.where);
    const header = authorization(challenge, user, password, {
      method: 'GET',
      uri: `${url.pathname}${url.search}`,
      cnonce: randomBytes(8).toString('hex'),
    });
    const sent = Date.now();
    const answer = await this.get({ authorization: header });
    const ms = Date.now() - sent;
    if (!(answer instanceof Response)) return { ...answer, ms };
    const next = parseChallenge((answer.headers.get('www-authenticate') ?? '').slice(0, 2048));
    if (next) this.challenge = next;
    return { ...judged(answer), ms };
  }

  async close(): Promise<void> {}

  /** The device's challenge: what it answers a request without credentials (or why there is none). */
  private async ask(): Promise<Challenge | LoginResult> {
    const answer = await this.get({});
    if (!(answer instanceof Response)) return { ...answer, ms: 0 };
    this.challenge = parseChallenge((answer.headers.get('www-authenticate') ?? '').slice(0, 2048));
    if (this.challenge) return this.challenge;
    const status = judged(answer);
    if (status.verdict === 'busy') return { ...status, ms: 0 };
    return {
      verdict: 'no-answer',
      ms: 0,
      said: `HTTP ${answer.status}: no Basic or Digest challenge (WWW-Authenticate)`,
    };
  }

  /** One request, its body dropped; or what its failure says. */
  private async get(headers: Record<string, string>): Promise<Response | Pick<LoginResult, 'verdict' | 'said'>> {
    try {
      const response = await fetch(this.where, { headers, signal: AbortSignal.timeout(REQUEST_MS) });
      await response.body?.cancel();
      return response;
    } catch (error) {
      return failureVerdict(error);
    }
  }
}

function judged(response: Response): Omit<LoginResult, 'ms'> {
  const status = statusVerdict(response.status);
  const wait = retryAfterMs(response.headers.get('retry-after'));
  return { ...status, ...(status.verdict === 'busy' && wait !== undefined ? { retryAfterMs: wait } : {}) };
}
