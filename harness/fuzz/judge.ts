/**
 * A campaign's verdict. A crash signature the board printed fails the check, whether or not it came
 * back on a restarted board. What the harness only inferred (a reboot, a hang, a dead board, a port
 * gone) fails once confirmed; unconfirmed it is listed with its reproducer, and a campaign with
 * nothing else is inconclusive. So is one that could not go on, one that had no way to ask the board
 * whether it lives, and a console campaign with no grammar to start from: none of them is a pass.
 */
import { fail, inconclusive, type Outcome, pass } from '../verdict.ts';
import type { FuzzResult } from './run.ts';

export function campaignOutcome(result: FuzzResult): Outcome {
  const fails = result.reproducers.filter((r) => r.kind === 'crash' || r.confirmed);
  const unconfirmed = result.reproducers.filter((r) => !fails.includes(r));
  const evidence = {
    seed: result.seed,
    cases: result.cases,
    seconds: Number(result.seconds.toFixed(1)),
    casesPerSecond: Number((result.cases / Math.max(result.seconds, 0.001)).toFixed(1)),
    liveness: result.asked ? `asked by its ${result.asked}` : result.cannotAsk,
    ...(result.grammar ? { grammar: result.grammar.source } : {}),
    monitors: result.synopsis,
    failures: fails,
    ...(unconfirmed.length > 0 ? { unconfirmed } : {}),
    ...(result.stopped ? { stopped: result.stopped } : {}),
    ...(result.coverage
      ? {
          coverage:
            'unavailable' in result.coverage
              ? `unavailable, so the campaign ran black-box: ${result.coverage.unavailable}`
              : result.coverage,
        }
      : {}),
  };
  if (fails.length > 0) return fail(evidence);
  const reasons = [
    ...(unconfirmed.length > 0
      ? [
          `${unconfirmed.map((r) => r.signature).join(', ')}: inferred by the harness, not seen again on a restarted board (listed with ${unconfirmed.length === 1 ? 'its reproducer' : 'their reproducers'})`,
        ]
      : []),
    ...(result.stopped ? [result.stopped] : []),
    ...(result.cannotAsk ? [result.cannotAsk] : []),
    ...(result.grammar?.empty
      ? [`the grammar part: no command to start from (${result.grammar.source}) and no sample lines (fuzz.samples)`]
      : []),
  ];
  return reasons.length > 0 ? inconclusive(reasons.join('; '), evidence) : pass(evidence);
}
