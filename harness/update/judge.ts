/**
 * How an update attempt is judged by what the board runs afterwards: the boot log's version and the
 * path's own source must agree, and a refused image leaves the current one running, confirmed. The
 * rollback suite judges each bad image this way; the brownout suite reuses it after its cuts.
 */
import { fail, inconclusive, type Outcome, pass } from '../verdict.ts';
import { type Attempt, type Running, sameVersion, type UpdatePath } from './path.ts';
import type { Candidate } from './variants.ts';

/** The two sources' version, or why there is none to judge by. */
export function versionOf(path: UpdatePath, r: Running): { version: string } | { outcome: Outcome } {
  const evidence = {
    bootLog: r.bootVersion ?? 'no version line',
    [path.source]: r.pathVersion ?? 'none',
    tail: r.tail,
  };
  if (r.printed === 0) return { outcome: inconclusive('the board printed nothing after its restart') };
  if (!r.ready)
    return {
      outcome: fail({ ...evidence, seen: 'the board did not boot to its ready line after the update attempt' }),
    };
  if (r.bootVersion !== undefined && r.pathVersion !== undefined && !sameVersion(r.bootVersion, r.pathVersion))
    return {
      outcome: fail({ ...evidence, seen: 'the boot log and the second source disagree on the running version' }),
    };
  const version = r.bootVersion ?? r.pathVersion;
  if (version === undefined)
    return { outcome: inconclusive('neither the boot log nor the second source gave a version', evidence) };
  return { version };
}

export function runningVersions(path: UpdatePath, r: Running) {
  return { bootLog: r.bootVersion ?? 'no version line', [path.source]: r.pathVersion ?? 'none' };
}

export function judgeRefusal(path: UpdatePath, attempt: Attempt, offer: Candidate, current: Candidate): Outcome {
  const r = attempt.running;
  const seen = versionOf(path, r);
  if ('outcome' in seen) return seen.outcome;
  const evidence = {
    offered: offer.made,
    offeredVersion: offer.info.version,
    running: runningVersions(path, r),
    bootloader: r.updateLines,
  };
  // Refused before any restart (with the device's words), or at boot (the bootloader's lines say why).
  const refusedAt = attempt.refusedAt ? `${attempt.refusedAt}: ${attempt.deviceSaid}` : 'boot';
  if (path.runs(r, current)) {
    // The current image running is also what an image that never arrived leaves: a refusal needs the
    // image shown delivered and shown turned away.
    const shown = { ...evidence, refusedAt, delivered: attempt.delivered, rejected: attempt.rejected };
    if (attempt.delivered && attempt.rejected) return pass(shown);
    return inconclusive(
      (attempt.delivered
        ? 'the current image still runs, but nothing shows the device turned the offered one away'
        : 'the current image still runs, but nothing shows the offered image reached the device') +
        (attempt.refusedAt ? ` (it stopped at the ${attempt.refusedAt}: ${attempt.deviceSaid})` : ''),
      shown,
    );
  }
  return fail({
    ...evidence,
    seen: sameVersion(seen.version, offer.info.version) ? 'the offered image runs' : 'neither image runs',
  });
}
