/**
 * What an HTTP answer or a failed connection says about one login attempt. A 2xx let us in; 401
 * and 403 refused the password. A rate limit or an overloaded server or proxy (nginx's `limit_req`
 * answers 503 by default, many APIs 429), a connection reset, a request that timed out: the
 * password was never tried, so the attempt is `busy` (retried, and never counted as a refusal). Any
 * other status answered something else than the password. Pure.
 */
import type { LoginResult } from './surface.ts';

/** Rate limited (429; 420 from older APIs), overloaded or its upstream away (502, 503, 504, 509, 529). */
export const BUSY_STATUSES: ReadonlySet<number> = new Set([420, 429, 502, 503, 504, 509, 529]);

/** Retry-After (RFC 9110 10.2.3), seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The verdict of an HTTP status for one attempt at a password, with what to say of it. */
export function statusVerdict(status: number): Pick<LoginResult, 'verdict' | 'said'> {
  const said = `HTTP ${status}`;
  if (status >= 200 && status < 300) return { verdict: 'accepted', said };
  if (status === 401 || status === 403) return { verdict: 'refused', said };
  if (BUSY_STATUSES.has(status)) return { verdict: 'busy', said: `${said}: rate limited or overloaded` };
  return { verdict: 'no-answer', said: `${said}: not an answer to a password` };
}

const CODES_BUSY = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** A request or connection that failed: busy when it was reset or timed out, else no answer. */
export function failureVerdict(error: unknown): Pick<LoginResult, 'verdict' | 'said'> {
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const said = [e.message ?? String(error), e.cause?.message].filter(Boolean).join(': ');
  if (e.name === 'TimeoutError' || (code && CODES_BUSY.has(code))) return { verdict: 'busy', said };
  return { verdict: 'no-answer', said };
}
