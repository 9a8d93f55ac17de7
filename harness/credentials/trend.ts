/**
 * How a brute force's answer times move over its attempts, and what that says. Throttling answers
 * a run of failures by slowing down as they pile up: a back-off that grows with each failure, or a
 * delay that starts after the first few. A delay that is the same on every failure (lighttpd waits
 * about a second before each 401 it sends) slows one connection by a constant and never reacts to
 * the run: an attacker with a few connections goes just as fast. So the answers are judged by their
 * trend, measured two ways: the Theil–Sen line (the median of the slopes between every two attempts,
 * so a few slow answers from a loaded host do not make a trend), and the answers at the end against
 * those at the start (which catches a back-off that grows and then levels off at its cap). Pure.
 */

/** A rise smaller than this is noise on a loaded host, not a device slowing down. */
export const RISE_MS = 300;
/** Answers this slow on every attempt are a delay of the device's own, not its speed. */
export const DELAY_MS = 500;

export type TrendShape = 'growing' | 'fixed-delay' | 'full-speed';

export interface Trend {
  shape: TrendShape;
  /** Theil–Sen slope: how much later each answer comes than the one before, in ms. */
  slopeMsPerAttempt: number;
  /** The fitted line's answer time at the first and the last attempt. */
  fittedMs: { first: number; last: number };
  /** The median answer time of the first five attempts and of the last ten. */
  medianMs: { first5: number; last10: number };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The Theil–Sen line through (attempt index, answer time): its slope and its intercept. */
export function theilSen(series: readonly number[]): { slope: number; intercept: number } {
  const slopes: number[] = [];
  for (let i = 0; i < series.length; i++)
    for (let j = i + 1; j < series.length; j++) slopes.push((series[j]! - series[i]!) / (j - i));
  const slope = median(slopes);
  return { slope, intercept: median(series.map((y, x) => y - slope * x)) };
}

/** Risen: by at least RISE_MS, and by at least half of where it started. */
const risen = (from: number, to: number) => to - from >= RISE_MS && to >= 1.5 * Math.max(from, 0);

/** The trend of a series of answer times, one per attempt in the order they were made. */
export function trendOf(series: readonly number[]): Trend {
  const { slope, intercept } = theilSen(series);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  const fittedMs = { first: round(intercept), last: round(intercept + slope * Math.max(series.length - 1, 0)) };
  const medianMs = { first5: median(series.slice(0, 5)), last10: median(series.slice(-10)) };
  const growing = risen(fittedMs.first, fittedMs.last) || risen(medianMs.first5, medianMs.last10);
  const shape: TrendShape = growing ? 'growing' : median(series) >= DELAY_MS ? 'fixed-delay' : 'full-speed';
  return { shape, slopeMsPerAttempt: round(slope), fittedMs, medianMs };
}
