/** Reads a suite's TAP stream into checks: name, verdict, provisions and evidence from the YAML block. */
import { Parser, type Result } from 'tap-parser';

export interface Check {
  name: string;
  ok: boolean;
  skip: string | false;
  provisions: string[];
  evidence: Record<string, unknown>;
}

export interface SuiteOutcome {
  checks: Check[];
  pass: number;
  fail: number;
  skip: number;
  bailout?: string;
  /** False when the stream ended without a plan (the suite died part way). */
  complete: boolean;
}

function toCheck(result: Result, prefix: string): Check {
  const diag = (result.diag ?? {}) as Record<string, unknown>;
  const provisions = Array.isArray(diag.provisions) ? diag.provisions.map(String) : [];
  const evidence =
    typeof diag.evidence === 'object' && diag.evidence !== null ? (diag.evidence as Record<string, unknown>) : {};
  const skip = result.skip === false ? false : String(result.skip || 'skipped');
  return { name: prefix + result.name, ok: result.ok, skip, provisions, evidence };
}

/** A parser fed with the suite's stdout as it arrives; `done` resolves when the stream ends. */
export function tapResults(onCheck: (check: Check) => void = () => undefined): {
  parser: Parser;
  done: Promise<SuiteOutcome>;
} {
  const checks: Check[] = [];
  let bailout: string | undefined;
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
  parser.on('bailout', (reason: string) => (bailout = reason || 'bailed out'));
  const done = new Promise<SuiteOutcome>((resolve) => {
    parser.on('complete', (final: { plan: { end: number | null } }) => {
      const fail = checks.filter((c) => !c.ok && !c.skip).length;
      const skip = checks.filter((c) => c.skip).length;
      resolve({
        checks,
        pass: checks.length - fail - skip,
        fail,
        skip,
        bailout,
        complete: final.plan.end !== null && !bailout,
      });
    });
  });
  return { parser, done };
}
