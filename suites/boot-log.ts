/**
 * boot-log: after a power cycle the board boots cleanly, says who it is, and its boot log shows the
 * security state the profile demands (secure boot verified, JTAG not left open).
 */
import t from 'tap';
import { useBoard, type BootRecord } from '../harness/index.ts';

const hex = (code: number) => `0x${code.toString(16)}`;

await useBoard(t, async ({ board, check, skip }) => {
  const { boot, resetReasons } = board.profile;

  type Verdict = { ok: boolean; evidence: Record<string, unknown> } | { skip: string };
  interface BootCheck {
    name: string;
    provisions: string[];
    judge: (record: BootRecord) => Verdict;
  }

  const checks: BootCheck[] = [
    {
      name: `boot banner and ready line within ${boot.deadlineMs} ms of power-on`,
      provisions: ['5.9-2'],
      judge: (r) => ({
        ok: r.ready,
        evidence: {
          banner: r.bannerSeen ? 'seen' : `no line matching ${boot.banner}`,
          ready: r.ready ? `after ${r.readyAfterMs} ms` : `no line matching ${boot.ready}`,
          failure: r.failure?.detail.seen,
          tail: r.lines.slice(-8),
        },
      }),
    },
    {
      name: 'no crash signature during boot',
      provisions: ['5.9-2', '5.13-1'],
      judge: (r) => ({
        ok: r.crashes.length === 0,
        evidence: { crashes: r.crashes.map((c) => ({ line: c.line, signature: String(c.signature) })) },
      }),
    },
    {
      name: 'reset reason after power-on is a power-on reset',
      provisions: ['5.9-2'],
      judge: (r) =>
        !boot.resetReason
          ? { skip: 'the profile has no reset-reason pattern' }
          : {
              ok: r.resetKind === 'power-on',
              evidence: {
                expected: `a code in reset-reasons.power-on (${(resetReasons['power-on'] ?? []).map(hex).join(', ') || 'none listed'})`,
                seen: r.resetCode === undefined ? 'no reset reason line' : `${hex(r.resetCode)} (${r.resetKind})`,
                lines: r.lines.filter((l) => boot.resetReason!.test(l)),
              },
            },
    },
    {
      name: 'firmware version reported at boot',
      provisions: ['5.3-1'],
      judge: (r) =>
        !boot.version
          ? { skip: 'the profile has no version pattern' }
          : {
              ok: r.version !== undefined,
              evidence: { pattern: String(boot.version), version: r.version ?? 'none reported' },
            },
    },
    ...boot.redFlags.map((flag) => ({
      name: `no red-flag line ${flag}`,
      provisions: ['5.6-4', '5.7-1'],
      judge: (r: BootRecord) => {
        const hits = r.lines.filter((l) => flag.test(l));
        return { ok: hits.length === 0, evidence: { pattern: String(flag), lines: hits } };
      },
    })),
    ...boot.required.map((required) => ({
      name: `required line ${required} present`,
      provisions: ['5.7-1'],
      judge: (r: BootRecord) => {
        const hits = r.lines.filter((l) => required.test(l));
        return {
          ok: hits.length > 0,
          evidence: { pattern: String(required), lines: hits, tail: hits.length ? [] : r.lines.slice(-8) },
        };
      },
    })),
  ];

  if (!board.power) {
    for (const c of checks)
      skip(c.name, 'the rig wires no power control to this board, so it cannot be power-cycled', c.provisions);
  } else {
    const record = await board.powerCycle('boot-log power cycle');
    for (const c of checks) {
      const verdict = c.judge(record);
      if ('skip' in verdict) skip(c.name, verdict.skip, c.provisions);
      else check(c.name, verdict.ok, { provisions: c.provisions, evidence: verdict.evidence });
    }
  }
});
