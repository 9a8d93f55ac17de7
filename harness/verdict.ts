/**
 * The four outcomes of a check, in the same words everywhere: probes return them, suites report
 * them, TAP, summary.json and the terminal show them.
 * - pass: the device did what the check demands, with the evidence;
 * - fail: the device is insecure, with the evidence;
 * - skip: the check cannot apply to this board (no such interface or action), with the reason;
 * - inconclusive: we could not test (a port vanished, an instrument did not answer, a check that
 *   would pass on silence had no positive control), with the reason. Never folded into the others.
 */
import type { Evidence } from './evidence.ts';

export type Verdict = 'pass' | 'fail' | 'skip' | 'inconclusive';

export type Outcome =
  | { verdict: 'pass' | 'fail'; evidence: Evidence }
  | { verdict: 'inconclusive'; reason: string; evidence: Evidence }
  | { verdict: 'skip'; reason: string };

export const pass = (evidence: Evidence): Outcome => ({ verdict: 'pass', evidence });
export const fail = (evidence: Evidence): Outcome => ({ verdict: 'fail', evidence });
/** Pass when `ok`, fail otherwise. */
export const judged = (ok: boolean, evidence: Evidence): Outcome => ({ verdict: ok ? 'pass' : 'fail', evidence });
export const inconclusive = (reason: string, evidence: Evidence = {}): Outcome => ({
  verdict: 'inconclusive',
  reason,
  evidence,
});
export const skip = (reason: string): Outcome => ({ verdict: 'skip', reason });
