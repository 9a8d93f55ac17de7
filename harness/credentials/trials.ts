/**
 * What the default-credentials suite does on one login surface. First the positive control: the
 * device's own credentials (the rig's) are accepted, so a refusal can be told from a dead path and
 * a login from a refusal. Then every default pair, with a good login after every few failures so a
 * lockout never hides a pair (and, where the device does lock, its lockout waited out). Then 50
 * wrong passwords in a row, timed: a device that answers them all at full speed has no throttling.
 * Passwords never reach evidence: pairs are named by user only.
 */
import { randomBytes } from 'node:crypto';
import { fail, inconclusive, type Outcome, pass, skip } from '../verdict.ts';
import type { Credential } from './defaults.ts';
import type { LoginResult, LoginSurface } from './surface.ts';

export interface Surface {
  surface: LoginSurface;
  /** The device's own credentials, from the rig: the positive control. */
  own?: Credential;
  /** Failures the firmware allows before it locks (profile); without it, a good login every 3. */
  lockoutAfter?: number;
  lockoutMs: number;
}

const BRUTE_FORCE_ATTEMPTS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const wrongPassword = () => `hil-${randomBytes(6).toString('hex')}`;

/** One attempt, with a lockout waited out once. */
async function attempt(s: Surface, pair: Credential): Promise<LoginResult> {
  const first = await s.surface.attempt(pair.user, pair.password);
  if (first.verdict !== 'locked') return first;
  await sleep(s.lockoutMs);
  return s.surface.attempt(pair.user, pair.password);
}

/** The surface is live and a login can be told: its own credentials get in (or, without them, a wrong one is refused). */
export async function positiveControl(s: Surface): Promise<Outcome | undefined> {
  const probe = s.own ?? { user: 'admin', password: wrongPassword() };
  const r = await attempt(s, probe);
  const expected = s.own ? 'accepted' : 'refused';
  if (r.verdict === expected) return undefined;
  return inconclusive(
    s.own
      ? `the device's own credentials (the rig's) were not accepted (${r.verdict}), so no refusal can be trusted`
      : `a wrong password was not plainly refused (${r.verdict}), and the rig gives no credentials to check a login with`,
    { where: s.surface.where, said: r.said },
  );
}

export async function noDefaultAccepted(s: Surface, pairs: readonly Credential[]): Promise<Outcome> {
  const control = await positiveControl(s);
  if (control) return control;
  const every = Math.max(1, (s.lockoutAfter ?? 4) - 1);
  const accepted: Record<string, unknown>[] = [];
  const untested: string[] = [];
  const counts: Record<string, number> = {};
  let failures = 0;
  for (const pair of pairs) {
    // A good login resets the device's failure count, so its lockout never hides the next pairs.
    if (s.own && failures >= every) {
      await attempt(s, s.own);
      failures = 0;
    }
    const r = await attempt(s, pair);
    counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
    if (r.verdict === 'accepted')
      accepted.push({
        user: pair.user,
        password: '***',
        said: r.said,
        ...(r.screenshot ? { screenshot: r.screenshot } : {}),
      });
    else {
      failures++;
      if (r.verdict !== 'refused') untested.push(`${pair.user} (${r.verdict}: ${r.said})`);
    }
  }
  const evidence = {
    where: s.surface.where,
    tried: pairs.length,
    answers: counts,
    users: [...new Set(pairs.map((p) => p.user))],
  };
  if (accepted.length > 0)
    return fail({
      ...evidence,
      seen: `logged in with a default pair: ${accepted.map((a) => `${a.user}/***`).join(', ')}`,
      accepted,
    });
  if (untested.length > 0)
    return inconclusive(`${untested.length} pairs got no plain answer`, { ...evidence, untested });
  return pass(evidence);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** 50 wrong passwords in a row: locked out, slowed down or rate limited, or a finding. */
export async function bruteForceThrottled(s: Surface): Promise<Outcome> {
  const user = s.own?.user ?? 'admin';
  const series: { ms: number; verdict: string }[] = [];
  for (let i = 0; i < BRUTE_FORCE_ATTEMPTS; i++) {
    const r = await s.surface.attempt(user, wrongPassword());
    series.push({ ms: r.ms, verdict: r.verdict });
    if (r.verdict === 'accepted')
      return fail({ where: s.surface.where, seen: `a random password was accepted for ${user}` });
  }
  const ms = series.map((r) => r.ms);
  const early = median(ms.slice(0, 5));
  const late = median(ms.slice(-10));
  const locked = series.filter((r) => r.verdict === 'locked').length;
  const silent = series.filter((r) => r.verdict === 'no-answer').length;
  // Slowed: the last attempts take three times as long as the first, and at least 300 ms more.
  const slowed = late > Math.max(3 * early, early + 300);
  // Slowed or locked is also what a dying device looks like: afterwards, with any lockout waited out,
  // the device must let its own login in again (or, with no credentials in the rig, plainly refuse a
  // wrong one), or nothing is shown. A device that locked nothing, slowed nothing and answered every
  // time has no lockout to wait out.
  if (locked > 0 || slowed || silent > 0) await sleep(s.lockoutMs);
  const after = await attempt(s, s.own ?? { user, password: wrongPassword() });
  const alive = after.verdict === (s.own ? 'accepted' : 'refused');
  const evidence = {
    where: s.surface.where,
    attempts: BRUTE_FORCE_ATTEMPTS,
    locked,
    silent,
    medianMs: { first5: early, last10: late },
    seriesMs: ms,
    afterwards: `${s.own ? "the device's own login" : 'a wrong password'}: ${after.verdict} (${after.said})`,
  };
  if (locked > 0 || slowed || silent > 0) {
    if (alive) return pass(evidence);
    return inconclusive(
      s.own
        ? 'the device slowed, locked or went quiet, and afterwards its own login did not get in: throttling, or a device that is dying'
        : 'the device slowed, locked or went quiet, and afterwards did not plainly refuse a wrong password: throttling, or a device that is dying',
      evidence,
    );
  }
  return fail({
    ...evidence,
    seen: `${BRUTE_FORCE_ATTEMPTS} wrong passwords at full speed: no lockout, delay or rate limit`,
  });
}

/** Another board's credentials (same profile) must not open this one. */
export async function peersRefused(s: Surface, peers: { board: string; own: Credential }[]): Promise<Outcome> {
  if (peers.length === 0) return skip('the rig has no other board of this profile with its own credentials');
  const control = await positiveControl(s);
  if (control) return control;
  const results = [];
  for (const peer of peers) {
    const same = s.own !== undefined && peer.own.password === s.own.password && peer.own.user === s.own.user;
    const r = await attempt(s, peer.own);
    results.push({ peer: peer.board, user: peer.own.user, sameAsOwn: same, verdict: r.verdict });
  }
  const opened = results.filter((r) => r.verdict === 'accepted');
  const evidence = { where: s.surface.where, peers: results };
  if (opened.length > 0)
    return fail({
      ...evidence,
      seen: `${opened.map((o) => o.peer).join(', ')}'s credentials open this board too: not unique per device`,
    });
  if (results.some((r) => r.verdict !== 'refused'))
    return inconclusive('not every peer login got a plain refusal', evidence);
  return pass(evidence);
}
