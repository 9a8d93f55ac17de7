/**
 * Evidence in the shape a test lab reports EN 303 645 against ETSI TS 103 701 V1.1.1: each check
 * names the functional test case it supports (`<provision>-2<unit>`: the case numbers here are
 * derived, on the pattern of V1.1.1, where a provision's functional case follows its conceptual
 * one, and the unit letter is the check's place among the suite's checks for that provision), the
 * IXIT items it relied on (filled from the run's rig and profile), and a verdict PASS or FAIL only; skipped and could-not-test are harness
 * states, kept apart (REFERENCE.md 1.4).
 */
import type { FirmwareSeen } from '../firmware-seen.ts';
import type { Check } from '../runner/tap-results.ts';
import { type IxitItem, ixitItems, loadRunRig } from './ixit.ts';
import type { RunFolder } from './run-folder.ts';

/** EN 303 645 V2.1.1 clause titles; the UK Code of Practice guideline n is clause 5.n. */
export const CLAUSES: Record<string, string> = {
  '5.1': 'No universal default passwords',
  '5.2': 'Implement a means to manage reports of vulnerabilities',
  '5.3': 'Keep software updated',
  '5.4': 'Securely store sensitive security parameters',
  '5.5': 'Communicate securely',
  '5.6': 'Minimize exposed attack surfaces',
  '5.7': 'Ensure software integrity',
  '5.8': 'Ensure that personal data is secure',
  '5.9': 'Make systems resilient to outages',
  '5.13': 'Validate input data',
};

/** The three UK PSTI requirements and the provisions that give deemed compliance (REFERENCE.md 1.3). */
export const PSTI = [
  { requirement: '1. Passwords unique per product or user-defined', provisions: ['5.1-1', '5.1-2'], bench: true },
  { requirement: '2. Information on how to report security issues', provisions: ['5.2-1'], bench: false },
  { requirement: '3. Information on the minimum security update period', provisions: ['5.3-13'], bench: false },
];

/** The IXIT items (TS 103 701 Annex C) each suite relies on. */
const IXIT: Record<string, string[]> = {
  'boot-log': ['20-SecBoot'],
  'debug-interfaces': ['15-Intf'],
  rollback: ['7-UpdMech', '20-SecBoot'],
  fuzz: ['29-InpVal', '15-Intf'],
  brownout: ['23-ResMech', '20-SecBoot', '7-UpdMech'],
  'tls-pinning': ['15-Intf'],
  'default-credentials': ['1-AuthMech', '15-Intf'],
};

export interface LabResult {
  board: string;
  suite: string;
  check: string;
  title: string;
  testCases: string[];
  kind: 'functional';
  ixit: IxitItem[];
  /** TS 103 701 knows PASS and FAIL only. */
  verdict?: 'PASS' | 'FAIL';
  /** Ours, never a verdict: the check was skipped or could not be made. */
  harnessState?: 'skipped' | 'could not test';
  reason?: string;
  /** The build the check was made on, as the board's boot in its suite said (none: no boot seen there). */
  firmware?: FirmwareSeen;
  evidence: Record<string, unknown>;
}

export const clauseOf = (provision: string) => provision.split('-')[0]!;

export function labResults(folder: RunFolder): LabResult[] {
  const rig = loadRunRig(folder.summary.run.rigFile);
  return folder.results.flatMap((result) => {
    const ixit = ixitItems(rig, result.board, IXIT[result.suite] ?? [], result.firmware);
    const seen = new Map<string, number>();
    return result.checks.map((check: Check) => {
      const testCases = check.provisions.map((p) => {
        const unit = seen.get(p) ?? 0;
        seen.set(p, unit + 1);
        return `${p}-2${String.fromCharCode(97 + (unit % 26))}`;
      });
      const state =
        check.verdict === 'pass' || check.verdict === 'fail'
          ? { verdict: check.verdict === 'pass' ? ('PASS' as const) : ('FAIL' as const) }
          : {
              harnessState: check.verdict === 'skip' ? ('skipped' as const) : ('could not test' as const),
              reason: check.reason ?? '',
            };
      return {
        board: result.board,
        suite: result.suite,
        check: check.id,
        title: check.title,
        testCases,
        kind: 'functional' as const,
        ixit,
        ...state,
        ...(result.firmware ? { firmware: result.firmware } : {}),
        evidence: check.evidence,
      };
    });
  });
}
