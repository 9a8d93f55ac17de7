// The brute force's answer times judged by their trend (harness/credentials/trend.ts): a back-off
// that grows with each failure is throttling, a fixed delay on every failure (lighttpd's second) is
// not, a few slow answers from a loaded host make no trend, and a back-off that levels off at its cap
// or a delay that starts after a few failures still rose with them.
import t from 'tap';
import { DELAY_MS, median, RISE_MS, theilSen, trendOf } from '../harness/credentials/trend.ts';

const series = (n: number, at: (i: number) => number) => Array.from({ length: n }, (_, i) => at(i));
/** A deterministic jitter of up to ±`ms` (a loaded host's noise), so every run judges the same series. */
const jitter = (i: number, ms: number) => (((i * 7919) % 13) / 6 - 1) * ms;

t.test('median and Theil–Sen: exact on a line, unmoved by outliers', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5, 'even count: the mean of the middle two');
  t.equal(median([]), 0);
  t.same(theilSen([5, 9, 13, 17]), { slope: 4, intercept: 5 }, 'a line is its own fit');
  const spiky = series(30, (i) => 10 + 2 * i);
  spiky[3] = 5000;
  spiky[17] = 4000;
  spiky[25] = 0;
  t.same(theilSen(spiky), { slope: 2, intercept: 10 }, 'three wild answers out of 30 move nothing');
});

t.test('a back-off 400 ms longer for each failure is throttling', async (t) => {
  const trend = trendOf(series(50, (i) => 3 + 400 * i + jitter(i, 5)));
  t.equal(trend.shape, 'growing');
  t.ok(Math.abs(trend.slopeMsPerAttempt - 400) < 2, `about 400 ms per attempt (${trend.slopeMsPerAttempt})`);
  t.ok(trend.fittedMs.last > 19_000, 'the fitted line ends near 19.6 s');
});

t.test('a fixed delay of a second on every failure is a delay, not throttling', async (t) => {
  const trend = trendOf(series(50, (i) => 1000 + jitter(i, 40)));
  t.equal(trend.shape, 'fixed-delay');
  t.ok(Math.abs(trend.slopeMsPerAttempt) < 2, `no slope to speak of (${trend.slopeMsPerAttempt} ms per attempt)`);
  t.ok(Math.abs(trend.medianMs.last10 - 1000) < 50, 'the delay itself is reported');
  t.ok(trend.medianMs.first5 > DELAY_MS, 'there from the first attempt');
});

t.test('a back-off on top of a fixed delay is throttling, though it never triples', async (t) => {
  // 1 s, and 30 ms more for each failure: the last ten answers are about 2.3 times the first five,
  // which the old rule (three times) called full speed; the line rises 1.5 s over the run.
  const trend = trendOf(series(50, (i) => 1000 + 30 * i + jitter(i, 20)));
  t.ok(trend.medianMs.last10 < 3 * trend.medianMs.first5, 'not three times the start');
  t.equal(trend.shape, 'growing');
  t.ok(Math.abs(trend.slopeMsPerAttempt - 30) < 2, `about 30 ms per attempt (${trend.slopeMsPerAttempt})`);
});

t.test('a fixed delay that drifts up with a loaded host is still a fixed delay', async (t) => {
  // 1000 ms to 1290 ms over the run: under RISE_MS, and nowhere near half as slow again.
  t.equal(trendOf(series(50, (i) => 1000 + 6 * i + jitter(i, 30))).shape, 'fixed-delay');
});

t.test('full speed: fast answers, a little noise, no trend', async (t) => {
  const trend = trendOf(series(50, (i) => 4 + jitter(i, 3)));
  t.equal(trend.shape, 'full-speed');
  t.ok(trend.fittedMs.last < RISE_MS);
});

t.test('one slow answer near the end of a fast run is no trend', async (t) => {
  const s = series(50, (i) => 5 + jitter(i, 2));
  s[48] = 2500; // the host swapped, once
  t.equal(trendOf(s).shape, 'full-speed');
});

t.test('a back-off that grows and then levels off at its cap still rose with the failures', async (t) => {
  // 400 ms more each failure up to a 2 s cap: most of the line is flat, so the Theil–Sen slope is
  // about 0; the answers at the end against those at the start say it rose.
  const trend = trendOf(series(50, (i) => Math.min(400 * i, 2000) + 3));
  t.equal(trend.shape, 'growing');
  t.ok(trend.slopeMsPerAttempt < 50, `the slope alone would miss it (${trend.slopeMsPerAttempt})`);
  t.same(trend.medianMs, { first5: 803, last10: 2003 });
});

t.test('a delay that starts after five failures rose with them', async (t) => {
  t.equal(trendOf(series(50, (i) => (i < 5 ? 4 : 1500))).shape, 'growing');
});

t.test('a slow-down of a few milliseconds is noise, not throttling', async (t) => {
  // Twice as slow at the end, but by 40 ms: a busy host, not a device reacting to the failures.
  t.equal(trendOf(series(50, (i) => 40 + i)).shape, 'full-speed');
});
