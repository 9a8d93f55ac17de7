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

/** The IXIT items (TS 103 701 Annex C) each suite relies on. */
export const SUITE_IXIT: Record<string, string[]> = {
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

/** `rig`: the run's rig, where the caller has read it already. */
export function labResults(folder: RunFolder, rig = loadRunRig(folder.summary.run.rigFile)): LabResult[] {
  return folder.results.flatMap((result) => {
    const ixit = ixitItems(rig, result.board, SUITE_IXIT[result.suite] ?? [], result.firmware);
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
