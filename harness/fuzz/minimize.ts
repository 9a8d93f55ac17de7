/**
 * Delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing Input",
 * 2002): ddmin over a list of units (the bytes of a case, or the cases before it), testing subsets
 * and complements at ever finer granularity, bounded by a number of tests, each of which costs a
 * board restart.
 */
export async function ddmin<T>(
  units: readonly T[],
  fails: (candidate: T[]) => Promise<boolean>,
  budget: { tests: number },
): Promise<T[]> {
  let current = [...units];
  let n = 2;
  while (current.length >= 2 && budget.tests > 0) {
    const size = Math.ceil(current.length / n);
    const chunks: T[][] = [];
    for (let i = 0; i < current.length; i += size) chunks.push(current.slice(i, i + size));
    let reduced = false;
    for (const chunk of chunks) {
      if (budget.tests-- <= 0) return current;
      if (await fails(chunk)) {
        current = chunk;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && chunks.length > 2) {
      for (let i = 0; i < chunks.length; i++) {
        const complement = chunks.filter((_, j) => j !== i).flat();
        if (budget.tests-- <= 0) return current;
        if (await fails(complement)) {
          current = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(n * 2, current.length);
    }
  }
  return current;
}
