/**
 * Every EN 303 645 provision for one board, with one status an assessor can work from:
 * - bench evidence: a check on this board gave it a PASS or FAIL (the worst shown);
 * - declared: the manufacturer answered it in declarations.yaml, and no check decided it;
 * - not applicable: a conditional provision the manufacturer says does not apply, and why;
 * - open: neither. A check that could not test or was skipped is listed, but decides nothing.
 * The PSTI requirements are read from their deemed-compliance provisions' statuses.
 */
import { type Answer, answerFor, type LoadedDeclarations } from '../config/declarations.ts';
import { PROVISIONS, PSTI } from '../standards/en303645.ts';
import type { LabResult } from './lab.ts';

export type ProvisionState = 'bench evidence' | 'declared' | 'not applicable' | 'open';
export const PROVISION_STATES: readonly ProvisionState[] = ['bench evidence', 'declared', 'not applicable', 'open'];

export interface CheckOnProvision {
  suite: string;
  check: string;
  testCase: string;
  verdict?: 'PASS' | 'FAIL';
  harnessState?: 'skipped' | 'could not test';
}

export interface ProvisionStatus {
  provision: string;
  modal: 'M' | 'R';
  label: string;
  condition?: string;
  status: ProvisionState;
  /** Bench evidence only: FAIL when any check on it failed. */
  outcome?: 'PASS' | 'FAIL';
  checks: CheckOnProvision[];
  /** The manufacturer's answer, shown whatever decided the status (a bench FAIL beside a declaration). */
  declaration?: Answer;
}

export function boardProvisions(
  board: string,
  lab: LabResult[],
  declarations: LoadedDeclarations | undefined,
): ProvisionStatus[] {
  const mine = lab.filter((r) => r.board === board);
  return PROVISIONS.map((p) => {
    const checks: CheckOnProvision[] = mine.flatMap((r) =>
      r.testCases
        .filter((tc) => tc.replace(/-2[a-z]$/, '') === p.id)
        .map((testCase) => ({
          suite: r.suite,
          check: r.check,
          testCase,
          ...(r.verdict ? { verdict: r.verdict } : { harnessState: r.harnessState! }),
        })),
    );
    const declaration = answerFor(declarations, board, 'provisions', p.id);
    const decided = checks.filter((c) => c.verdict);
    const base = {
      provision: p.id,
      modal: p.modal,
      label: p.label,
      ...(p.condition ? { condition: p.condition } : {}),
      checks,
      ...(declaration ? { declaration } : {}),
    };
    if (decided.length > 0)
      return {
        ...base,
        status: 'bench evidence' as const,
        outcome: decided.some((c) => c.verdict === 'FAIL') ? ('FAIL' as const) : ('PASS' as const),
      };
    if (declaration?.declared) return { ...base, status: 'declared' as const };
    if (declaration?.['not-applicable']) return { ...base, status: 'not applicable' as const };
    return { ...base, status: 'open' as const };
  });
}

export interface PstiStatus {
  requirement: string;
  provisions: ProvisionStatus[];
  /** Met only when each provision is met: a PASS on the bench, declared, or not applicable. */
  state: 'met' | 'not met' | 'open';
}

export function pstiStatus(statuses: ProvisionStatus[]): PstiStatus[] {
  return PSTI.map((req) => {
    const provisions = req.provisions.map((id) => statuses.find((s) => s.provision === id)!);
    const state = provisions.some((s) => s.outcome === 'FAIL')
      ? 'not met'
      : provisions.some((s) => s.status === 'open')
        ? 'open'
        : 'met';
    return { requirement: req.requirement, provisions, state };
  });
}

/** How many provisions have each status: a board's line on the summary page. */
export function statusCounts(statuses: ProvisionStatus[]): Record<ProvisionState, number> & { failed: number } {
  const counts = { 'bench evidence': 0, declared: 0, 'not applicable': 0, open: 0, failed: 0 };
  for (const s of statuses) {
    counts[s.status]++;
    if (s.outcome === 'FAIL') counts.failed++;
  }
  return counts;
}
