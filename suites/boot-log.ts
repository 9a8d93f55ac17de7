/**
 * boot-log: after a power cycle the board boots cleanly, says who it is, and its boot log shows the
 * security state the profile demands (secure boot verified, JTAG not left open).
 */
import {
  type BootRecord,
  defineSuite,
  fail,
  inconclusive,
  judged,
  type Outcome,
  pass,
  skip,
} from '../harness/index.ts';

const hex = (code: number) => `0x${code.toString(16)}`;

export default defineSuite(
  {
    name: 'boot-log',
    needs: ['console', 'power'],
    checks: {
      'boots-to-ready': { title: "boot banner and ready line within the profile's deadline", provisions: ['5.9-2'] },
      'no-crash': { title: 'no crash signature during boot', provisions: ['5.9-2', '5.13-1'] },
      'power-on-reset': { title: 'the reset reason after power-on is a power-on reset', provisions: ['5.9-2'] },
      'version-reported': { title: 'a firmware version is reported at boot', provisions: ['5.3-1'] },
      'no-red-flag': { title: "no red-flag line in the boot log (the profile's list)", provisions: ['5.6-4', '5.7-1'] },
      'required-lines': { title: 'every line the profile requires is in the boot log', provisions: ['5.7-1'] },
    },
  },
  async ({ board, report, reportRest }) => {
    const { boot, resetReasons, resetFlags } = board.profile;
    if (!board.power)
      return reportRest(skip('the rig wires no power control to this board, so it cannot be power-cycled'));
    const r: BootRecord = await board.powerCycle('boot-log power cycle');
    const tail = r.lines.slice(-8);
    // Could not test: the port went away, or nothing at all came back (a console or power path not live).
    if (r.portLost)
      return reportRest(inconclusive(`the console's port went away during the boot: ${r.portLost}`, { tail }));
    if (r.lineCount === 0) {
      return reportRest(
        inconclusive('the board printed nothing after power-on: its console or power path is not live'),
      );
    }

    report(
      'boots-to-ready',
      judged(r.ready, {
        deadlineMs: boot.deadlineMs,
        banner: !boot.banner
          ? 'none expected (the profile names no banner)'
          : r.bannerSeen
            ? 'seen'
            : { missing: boot.banner },
        ready: r.ready ? `after ${r.readyAfterMs} ms` : { missing: boot.ready },
        failure: r.failure?.detail.seen,
        tail,
      }),
    );
    // A board that never booted gives nothing to judge the rest by: no check passes for it.
    if (!r.bannerSeen)
      return reportRest(
        inconclusive('the board did not boot (no boot banner), so there is no boot log to judge', { tail }),
      );
    // A boot cut short of its ready line is a truncated log: what was printed still counts (a crash, a
    // red flag, a reset reason, a version), but nothing can be concluded from what is missing from it.
    const unlessCutShort = (outcome: Outcome, missing: string): Outcome =>
      r.ready || outcome.verdict === 'skip'
        ? outcome
        : inconclusive(`the boot never reached its ready line, so its log is cut short: ${missing}`, {
            ...outcome.evidence,
            tail,
          });
    const crashes = r.crashes.map((c) => ({ line: c.line, signature: c.signature }));
    report('no-crash', crashes.length > 0 ? fail({ crashes }) : unlessCutShort(pass({ crashes }), 'no crash yet'));
    const resetReason: Outcome = !boot.resetReason
      ? skip('the profile has no reset-reason pattern')
      : judged(r.resetKind === 'power-on', {
          expected: resetFlags
            ? `a flag of reset-flags.power-on first (bits ${(resetFlags['power-on'] ?? []).join(', ') || 'none listed'})`
            : `a code in reset-reasons.power-on (${(resetReasons['power-on'] ?? []).map(hex).join(', ') || 'none listed'})`,
          seen: r.resetCode === undefined ? 'no reset reason line' : `${hex(r.resetCode)} (${r.resetKind})`,
          lines: r.hits(boot.resetReason),
        });
    report(
      'power-on-reset',
      r.resetCode === undefined ? unlessCutShort(resetReason, 'no reset reason line yet') : resetReason,
    );
    const version: Outcome = !boot.version
      ? skip('the profile has no version pattern')
      : judged(r.version !== undefined, { pattern: boot.version, version: r.version ?? 'none reported' });
    report('version-reported', r.version === undefined ? unlessCutShort(version, 'no version line yet') : version);
    const redFlags = linesAgainst(boot.redFlags, r, 'none', 'the profile lists no red-flag lines');
    report('no-red-flag', redFlags.verdict === 'pass' ? unlessCutShort(redFlags, 'no red flag yet') : redFlags);
    const required = linesAgainst(boot.required, r, 'all', 'the profile requires no boot lines');
    report(
      'required-lines',
      required.verdict === 'fail' ? unlessCutShort(required, 'a required line may come later') : required,
    );
  },
);

/** Red flags: no pattern may match any line. Required lines: every pattern must match one. */
function linesAgainst(patterns: RegExp[], r: BootRecord, mustMatch: 'none' | 'all', none: string): Outcome {
  if (patterns.length === 0) return skip(none);
  const hits = patterns.map((pattern) => ({ pattern, lines: r.hits(pattern) }));
  const ok = mustMatch === 'none' ? hits.every((h) => h.lines.length === 0) : hits.every((h) => h.lines.length > 0);
  const shown =
    mustMatch === 'none' ? hits.filter((h) => h.lines.length > 0) : hits.filter((h) => h.lines.length === 0);
  return judged(ok, {
    [mustMatch === 'none' ? 'found' : 'missing']: shown,
    ...(mustMatch === 'all' && !ok ? { tail: r.lines.slice(-8) } : {}),
  });
}
