/**
 * One credential pair tried until the device answers it, as a careful client would: a device that
 * says it is locked out gets its lockout (the profile's) waited out once; a busy one (a rate limit
 * or overload answer, a reset, a timeout: see busy.ts) gets what it asked for in Retry-After, or a
 * back-off that grows (250 ms, 1 s, 4 s, 16 s), within MAX_TRIES tries and RETRY_BUDGET_MS of
 * waiting. A pair still not answered then was not tested, and says why: it is never a refusal.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Credential } from './defaults.ts';
import type { LoginResult, LoginSurface } from './surface.ts';

const MAX_TRIES = 5;
/** Waiting on a busy device, per pair; a lockout the profile declares is waited on top of it. */
const RETRY_BUDGET_MS = 30_000;
const FIRST_BACKOFF_MS = 250;

export interface Surface {
  surface: LoginSurface;
  /** The device's own credentials, from the rig: the positive control. */
  own?: Credential;
  /** Failures the firmware allows before it locks (profile); without it, a good login every 3. */
  lockoutAfter?: number;
  lockoutMs: number;
}

export interface Tried extends LoginResult {
  tries: number;
  /** Time spent waiting between tries. */
  waitedMs: number;
  /** Why it stopped without an answer to the password (busy or locked to the end). */
  gaveUp?: string;
}

export async function tryPair(s: Surface, pair: Credential): Promise<Tried> {
  let waitedMs = 0;
  let busyWaitedMs = 0;
  let lockoutWaited = false;
  for (let tries = 1; ; tries++) {
    const r = await s.surface.attempt(pair.user, pair.password);
    if (r.verdict !== 'busy' && r.verdict !== 'locked') return { ...r, tries, waitedMs };
    const stop = (why: string): Tried => ({ ...r, tries, waitedMs, gaveUp: why });
    const after = `after ${tries} ${tries === 1 ? 'try' : 'tries'}`;
    if (tries >= MAX_TRIES) return stop(`still ${r.verdict} ${after} over ${waitedMs} ms`);
    let wait: number;
    if (r.verdict === 'locked' && !lockoutWaited) {
      wait = s.lockoutMs;
      lockoutWaited = true;
    } else {
      wait = r.retryAfterMs ?? FIRST_BACKOFF_MS * 4 ** (tries - 1);
      if (busyWaitedMs + wait > RETRY_BUDGET_MS)
        return stop(
          `${after} ${r.retryAfterMs !== undefined ? 'it asked for' : 'the next back-off is'} ${wait} ms more, past the ${RETRY_BUDGET_MS} ms a pair may wait`,
        );
      busyWaitedMs += wait;
    }
    await sleep(wait);
    waitedMs += wait;
  }
}
