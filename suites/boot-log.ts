/**
 * boot-log: after a power cycle the board boots cleanly, says who it is, and its boot log shows the
 * security state the profile demands (secure boot verified, JTAG not left open).
 */
import t from 'tap';
import { useBoard } from '../harness/index.ts';

const { board, check, skip } = await useBoard(t);
const { boot } = board.profile;

if (!board.power) {
  skip('boot banner and ready line within the deadline', 'the rig wires no power control to this board', ['5.9-2']);
} else {
  const record = await board.powerCycle('boot-log power cycle');
  const bootLines = record.lines;

  check(`boot banner and ready line within ${record.deadlineMs} ms of power-on`, record.ready, {
    provisions: ['5.9-2'],
    evidence: {
      banner: record.bannerSeen ? 'seen' : `no line matching ${boot.banner}`,
      ready: record.ready ? `after ${record.readyAfterMs} ms` : `no line matching ${boot.ready}`,
      failure: record.failure?.detail.seen,
      tail: bootLines.slice(-8),
    },
  });

  check('no crash signature during boot', record.crashes.length === 0, {
    provisions: ['5.9-2', '5.13-1'],
    evidence: { crashes: record.crashes.map((c) => ({ line: c.line, signature: String(c.signature) })) },
  });

  if (!boot.resetReason) {
    skip('reset reason after power-on is a power-on reset', 'the profile has no reset-reason pattern', ['5.9-2']);
  } else {
    check('reset reason after power-on is a power-on reset', record.resetKind === 'power-on', {
      provisions: ['5.9-2'],
      evidence: {
        expected: `a code in reset-reasons.power-on (${(board.profile.resetReasons['power-on'] ?? []).map((c) => `0x${c.toString(16)}`).join(', ') || 'none listed'})`,
        seen: record.resetCode === undefined ? 'no reset reason line' : `0x${record.resetCode.toString(16)} (${record.resetKind})`,
        lines: bootLines.filter((l) => boot.resetReason!.test(l)),
      },
    });
  }

  if (!boot.version) {
    skip('firmware version reported at boot', 'the profile has no version pattern', ['5.3-1']);
  } else {
    check('firmware version reported at boot', record.version !== undefined, {
      provisions: ['5.3-1'],
      evidence: { pattern: String(boot.version), version: record.version ?? 'none reported' },
    });
  }

  for (const flag of boot.redFlags) {
    const hits = bootLines.filter((l) => flag.test(l));
    check(`no red-flag line ${flag}`, hits.length === 0, {
      provisions: ['5.6-4', '5.7-1'],
      evidence: { pattern: String(flag), lines: hits },
    });
  }

  for (const required of boot.required) {
    const hits = bootLines.filter((l) => required.test(l));
    check(`required line ${required} present`, hits.length > 0, {
      provisions: ['5.7-1'],
      evidence: { pattern: String(required), lines: hits, tail: hits.length ? [] : bootLines.slice(-8) },
    });
  }
}
