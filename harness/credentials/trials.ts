/**
 * What the default-credentials suite does on one login surface. First the positive control: the
 * device's own credentials (the rig's) are accepted, so a refusal can be told from a dead path and
 * a login from a refusal. Then every default pair, each tried until the device answers it (a busy
 * device backed off, a lockout waited out: attempt.ts), with a good login after every few failures
 * so a lockout never hides a pair; a pair the device never answered is named as not tested. Then 50
 * wrong passwords in a row, timed: locked out, rate limited or answered slower as the failures pile
 * up is throttling; the same answer at full speed, or after the same fixed delay every time, is not
 * (trend.ts). Passwords never reach evidence: pairs are named by user only.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { fail, inconclusive, type Outcome, pass, skip } from '../verdict.ts';
import { type Surface, type Tried, tryPair } from './attempt.ts';
import type { Credential } from './defaults.ts';
import { trendOf } from './trend.ts';

/** Wrong passwords in a row, unless the rig says otherwise (credentials.brute-force-attempts). */
export const BRUTE_FORCE_ATTEMPTS = 50;
/** Pairs in a row the device did not answer, after which the rest are named untested without a try. */
const GIVE_UP_AFTER = 3;
const wrongPassword = () => `hil-${randomBytes(6).toString('hex')}`;
/** What an attempt was answered (and why it stopped, when it gave up), for evidence. */
const answerText = (r: Tried) => `${r.verdict} (${r.said})${r.gaveUp ? `: ${r.gaveUp}` : ''}`;

/** The surface is live and a login can be told: its own credentials get in (or, without them, a wrong one is refused). */
export async function positiveControl(s: Surface): Promise<Outcome | undefined> {
  const probe = s.own ?? { user: 'admin', password: wrongPassword() };
  const r = await tryPair(s, probe);
  const expected = s.own ? 'accepted' : 'refused';
  if (r.verdict === expected) return undefined;
  const answer = r.verdict === 'accepted' || r.verdict === 'refused' ? r.verdict : answerText(r);
  return inconclusive(
    s.own
      ? `the device's own credentials (the rig's) were not accepted (${answer}), so no refusal can be trusted`
      : `a wrong password was not plainly refused (${answer}), and the rig gives no credentials to check a login with`,
    { where: s.surface.where, said: r.said, tries: r.tries },
  );
}

export async function noDefaultAccepted(s: Surface, pairs: readonly Credential[]): Promise<Outcome> {
  const control = await positiveControl(s);
  if (control) return control;
  const every = Math.max(1, (s.lockoutAfter ?? 4) - 1);
  const accepted: Record<string, unknown>[] = [];
  const untested: { pair: string; why: string }[] = [];
  const counts: Record<string, number> = {};
  const retried = { pairs: 0, waitedMs: 0 };
  let failures = 0;
  let unansweredInARow = 0;
  for (const [i, pair] of pairs.entries()) {
    const name = `pair ${i + 1} (${pair.user})`;
    // A device that stopped answering would take every pair's retries: what is left is named, not tried.
    if (unansweredInARow >= GIVE_UP_AFTER) {
      untested.push({ pair: name, why: `not tried: the ${GIVE_UP_AFTER} pairs before it got no answer` });
      continue;
    }
    // A good login resets the device's failure count, so its lockout never hides the next pairs.
    if (s.own && failures >= every) {
      await tryPair(s, s.own);
      failures = 0;
    }
    const r = await tryPair(s, pair);
    counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
    if (r.tries > 1) {
      retried.pairs++;
      retried.waitedMs += r.waitedMs;
    }
    const answered = r.verdict === 'accepted' || r.verdict === 'refused';
    unansweredInARow = answered ? 0 : unansweredInARow + 1;
    if (r.verdict === 'accepted')
      accepted.push({
        user: pair.user,
        password: '***',
        said: r.said,
        ...(r.tries > 1 ? { tries: r.tries } : {}),
        ...(r.screenshot ? { screenshot: r.screenshot } : {}),
      });
    else failures++;
    if (!answered) untested.push({ pair: name, why: answerText(r) });
  }
  const evidence = {
    where: s.surface.where,
    tried: pairs.length,
    answers: counts,
    ...(retried.pairs > 0 ? { retried } : {}),
    users: [...new Set(pairs.map((p) => p.user))],
  };
  if (accepted.length > 0)
    return fail({
      ...evidence,
      seen: `logged in with a default pair: ${accepted.map((a) => `${a.user}/***`).join(', ')}`,
      accepted,
      ...(untested.length > 0 ? { untested } : {}),
    });
  if (untested.length > 0) {
    const named = untested.slice(0, 10).map((u) => u.pair);
    const more = untested.length > named.length ? ` and ${untested.length - named.length} more` : '';
    return inconclusive(
      `${untested.length} of ${pairs.length} pairs were not tested (the device was busy, locked or did not answer: never a refusal): ${named.join(', ')}${more}`,
      { ...evidence, untested },
    );
  }
  return pass(evidence);
}

/** Wrong passwords in a row: locked out, rate limited or slowed with the failures, or a finding. */
export async function bruteForceThrottled(s: Surface, attempts = BRUTE_FORCE_ATTEMPTS): Promise<Outcome> {
  const user = s.own?.user ?? 'admin';
  const series: { ms: number; verdict: string }[] = [];
  for (let i = 0; i < attempts; i++) {
    const r = await s.surface.attempt(user, wrongPassword());
    series.push({ ms: r.ms, verdict: r.verdict });
    if (r.verdict === 'accepted')
      return fail({ where: s.surface.where, seen: `a random password was accepted for ${user}` });
  }
  const ms = series.map((r) => r.ms);
  const count = (verdict: string) => series.filter((r) => r.verdict === verdict).length;
  const locked = count('locked');
  // A rate limit or overload answer, a reset or a timeout is the device (or what guards it) refusing to go on.
  const busy = count('busy');
  const silent = count('no-answer');
  const trend = trendOf(ms);
  const throttled = locked > 0 || busy > 0 || silent > 0 || trend.shape === 'growing';
  // Slowed or locked is also what a dying device looks like: afterwards, with any lockout waited out,
  // the device must let its own login in again (or, with no credentials in the rig, plainly refuse a
  // wrong one), or nothing is shown. A device that locked nothing, slowed nothing and answered every
  // time has no lockout to wait out.
  if (throttled) await sleep(s.lockoutMs);
  const after = await tryPair(s, s.own ?? { user, password: wrongPassword() });
  const alive = after.verdict === (s.own ? 'accepted' : 'refused');
  const evidence = {
    where: s.surface.where,
    attempts,
    locked,
    busy,
    silent,
    trend,
    seriesMs: ms,
    afterwards: `${s.own ? "the device's own login" : 'a wrong password'}: ${answerText(after)}`,
  };
  if (throttled) {
    if (alive) return pass(evidence);
    return inconclusive(
      s.own
        ? 'the device slowed, locked, was busy or went quiet, and afterwards its own login did not get in: throttling, or a device that is dying'
        : 'the device slowed, locked, was busy or went quiet, and afterwards did not plainly refuse a wrong password: throttling, or a device that is dying',
      evidence,
    );
  }
  if (trend.shape === 'fixed-delay')
    return fail({
      ...evidence,
      seen:
        `${attempts} wrong passwords, each answered after about ${trend.medianMs.last10} ms, not slower as they went ` +
        `on (${trend.slopeMsPerAttempt} ms per attempt): a fixed delay on every failure, not throttling. It costs one ` +
        'connection a constant; an attacker with a few connections goes as fast as without it. No lockout, growing back-off or rate limit',
    });
  return fail({
    ...evidence,
    seen: `${attempts} wrong passwords at full speed: no lockout, delay or rate limit`,
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
    const r = await tryPair(s, peer.own);
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
