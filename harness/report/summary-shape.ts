/**
 * Whether parsed JSON is a summary.json as the runner writes it (runner/summary.ts): the first
 * field that is not, as `results[2].checks[0] has no verdict`. Keys it does not know are let be.
 */
import type { RunSummary } from '../runner/summary.ts';

type Kind = 'string' | 'boolean' | 'count' | 'number' | 'object' | 'array' | 'verdict';

const EXPECTED: Record<Kind, string> = {
  string: 'a string',
  boolean: 'true or false',
  count: 'a whole number',
  number: 'a number',
  object: 'an object',
  array: 'an array',
  verdict: 'pass, fail, skip or inconclusive',
};

const VERDICTS: ReadonlySet<unknown> = new Set(['pass', 'fail', 'skip', 'inconclusive']);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fits(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'count':
      return Number.isSafeInteger(value) && (value as number) >= 0;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'verdict':
      return VERDICTS.has(value);
    default:
      return typeof value === kind;
  }
}

/** What a value is, short: `an array`, `null`, `"maybe"`. */
function described(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/** The first of `fields` of `object` (at `at`) missing or of another kind; `?` marks a field that may be absent. */
function firstProblem(object: Json, at: string, fields: Record<string, Kind>): string | undefined {
  for (const [spec, kind] of Object.entries(fields)) {
    const optional = spec.endsWith('?');
    const key = optional ? spec.slice(0, -1) : spec;
    const value = object[key];
    const where = `${at}${key}`;
    if (value === undefined) {
      if (optional) continue;
      return at === '' ? `it has no "${key}"` : `${at.slice(0, -1)} has no ${key}`;
    }
    if (!fits(value, kind)) return `${where} is ${described(value)}, not ${EXPECTED[kind]}`;
  }
  return undefined;
}

/** Each element of `list` an object with `fields`, and whatever `inner` asks of it. */
function eachObject(
  list: unknown[],
  at: string,
  fields: Record<string, Kind>,
  inner: (item: Json, at: string) => string | undefined = () => undefined,
): string | undefined {
  for (const [i, item] of list.entries()) {
    const here = `${at}[${i}]`;
    if (!isObject(item)) return `${here} is ${described(item)}, not an object`;
    const problem = firstProblem(item, `${here}.`, fields) ?? inner(item, here);
    if (problem) return problem;
  }
  return undefined;
}

function summaryProblem(value: unknown): string | undefined {
  if (!isObject(value)) return `it is ${described(value)}, not an object`;
  const top = firstProblem(value, '', { run: 'object', results: 'array' });
  if (top) return top;
  const run = value.run as Json;
  const runProblem = firstProblem(run, 'run.', {
    id: 'string',
    rig: 'string',
    'rigFile?': 'string',
    seed: 'count',
    started: 'string',
    'finished?': 'string',
    complete: 'boolean',
    'interrupted?': 'string',
    'preflight?': 'array',
  });
  if (runProblem) return runProblem;
  const preflight = Array.isArray(run.preflight)
    ? eachObject(run.preflight, 'run.preflight', {
        board: 'string',
        need: 'string',
        expected: 'string',
        seen: 'string',
      })
    : undefined;
  if (preflight) return preflight;
  const result = {
    board: 'string',
    suite: 'string',
    tap: 'string',
    console: 'string',
    pass: 'count',
    fail: 'count',
    skip: 'count',
    inconclusive: 'count',
    'started?': 'string',
    'ms?': 'number',
    'error?': 'string',
    checks: 'array',
  } as const;
  const check = {
    id: 'string',
    title: 'string',
    verdict: 'verdict',
    'reason?': 'string',
    provisions: 'array',
    evidence: 'object',
  } as const;
  return eachObject(value.results as unknown[], 'results', result, (item, at) =>
    eachObject(item.checks as unknown[], `${at}.checks`, check, (c, cAt) =>
      (c.provisions as unknown[]).every((p) => typeof p === 'string')
        ? undefined
        : `${cAt}.provisions holds something other than strings`,
    ),
  );
}

/** Parsed JSON as a run summary, or why it is not one. */
export function asSummary(value: unknown): { summary: RunSummary } | { problem: string } {
  const problem = summaryProblem(value);
  return problem === undefined ? { summary: value as RunSummary } : { problem };
}
