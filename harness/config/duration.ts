/** Durations in config files: a number of milliseconds, or a string such as `250ms`, `5s`, `2m`. */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m)$';

/** The longest wait a timer can hold (2^31-1 ms): anything longer would silently fire at once. */
export const MAX_DURATION_MS = 2_147_483_647;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${JSON.stringify(value)} (expected e.g. 500ms, 5s, 2m)`);
  return Math.round(Number(match[1]) * (UNIT_MS[match[2]!] ?? 1));
}
