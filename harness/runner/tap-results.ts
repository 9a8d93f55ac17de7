/**
 * Reads a suite's TAP stream into checks: id, title, verdict (an inconclusive check is a failed
 * point marked `inconclusive: true` with its `cause`), provisions and evidence from the YAML block.
 */
import { Parser, type Result } from 'tap-parser';
import { type FirmwareSeen, firmwareFromComment } from '../firmware-seen.ts';
import type { KnownState } from '../known-state.ts';
import type { Verdict } from '../verdict.ts';

export interface Check {
  /** `<suite>/<check>`, stable across runs; a point without one (a suite of someone else's) gets its title. */
  id: string;
  title: string;
  verdict: Verdict;
  /** Why it was skipped or could not be tested. */
  reason?: string;
  provisions: string[];
  evidence: Record<string, unknown>;
}

export interface SuiteOutcome {
  checks: Check[];
  /** False when the stream ended without a plan (the suite died part way). */
  complete: boolean;
  bailout?: string;
  /** What the suite says it left the board in (`# board left: ready`); unknown when it does not say. */
  boardLeft: KnownState;
  /** What the suite says the board ran (`# firmware: {...}`), where its boot said. */
  firmware?: FirmwareSeen;
}

function toCheck(result: Result, prefix: string): Check {
  const diag = (result.diag ?? {}) as Record<string, unknown>;
  const title = prefix + result.name;
  const base = {
    id: typeof diag.id === 'string' ? diag.id : title,
    title,
    provisions: Array.isArray(diag.provisions) ? diag.provisions.map(String) : [],
    evidence:
      typeof diag.evidence === 'object' && diag.evidence !== null ? (diag.evidence as Record<string, unknown>) : {},
  };
  if (result.skip !== false) return { ...base, verdict: 'skip', reason: String(result.skip || 'skipped') };
  if (diag.inconclusive === true) return { ...base, verdict: 'inconclusive', reason: String(diag.cause ?? 'not said') };
  return { ...base, verdict: result.ok ? 'pass' : 'fail' };
}

/** A parser fed with the suite's stdout as it arrives; `done` resolves when the stream ends. */
export function tapResults(
  onCheck: (check: Check) => void = () => undefined,
  onProgress: (text: string) => void = () => undefined,
): {
  parser: Parser;
  done: Promise<SuiteOutcome>;
} {
  const checks: Check[] = [];
  let bailout: string | undefined;
  let boardLeft: KnownState = 'unknown';
  let firmware: FirmwareSeen | undefined;
  const watch = (parser: Parser, prefix: string) => {
    const subtests = new Set<string>();
    parser.on('assert', (result: Result) => {
      // A subtest's closing line repeats its children's verdict: keep only the leaf checks.
      if (subtests.has(result.name)) return;
      const check = toCheck(result, prefix);
      checks.push(check);
      onCheck(check);
    });
    parser.on('child', (child: Parser) => {
      subtests.add(child.name);
      watch(child, `${prefix}${child.name} > `);
    });
  };
  const parser = new Parser();
  watch(parser, '');
  // A suite's progress lines are TAP comments: `# progress: ...`.
  parser.on('comment', (line: string) => {
    const m = /^#\s*progress: (.*)$/.exec(line.trim());
    if (m) onProgress(m[1]!.slice(0, 300));
    const left = /^#\s*board left: (ready|off|unknown)\b/.exec(line.trim());
    if (left) boardLeft = left[1] as KnownState;
    firmware = firmwareFromComment(line) ?? firmware;
  });
  parser.on('bailout', (reason: string) => (bailout = reason || 'bailed out'));
  const done = new Promise<SuiteOutcome>((resolve) => {
    parser.on('complete', (final: { plan: { end: number | null } }) => {
      // A suite declares at least one check: a plan of 1..0 is no finished suite (tap-parser also
      // reports that plan, "no tests found", for a stream that ended before its first point).
      const planned = final.plan.end !== null && final.plan.end > 0;
      resolve({
        checks,
        complete: planned && !bailout,
        boardLeft,
        ...(bailout ? { bailout } : {}),
        ...(firmware ? { firmware } : {}),
      });
    });
  });
  return { parser, done };
}

/** How many checks had each verdict. */
export function countVerdicts(checks: Check[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { pass: 0, fail: 0, skip: 0, inconclusive: 0 };
  for (const check of checks) counts[check.verdict]++;
  return counts;
}
