/**
 * The fuzzer's randomness: a counter-based generator, so case N is computed from (seed, N) alone,
 * without generating cases 0..N-1, and the same on every platform (32-bit integer arithmetic only:
 * Math.imul and shifts, never floating point in the state). Each case's stream is mulberry32
 * started from a murmur3-style mix of the seed and the case index.
 */

/** murmur3's 32-bit finalizer: every input bit affects every output bit. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: a uniform 32-bit unsigned integer. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n), n <= 2^32 (the small modulo bias does not matter to a fuzzer). */
  below(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }

  /** True about `percent` times in 100. */
  chance(percent: number): boolean {
    return this.below(100) < percent;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[this.below(items.length)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/** The generator of case `index` (0 <= index < 2^53) of the campaign with `seed`. */
export function caseRng(seed: number, index: number): Rng {
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`case index ${index} is not a whole number >= 0`);
  const low = index >>> 0;
  const high = Math.floor(index / 0x100000000) >>> 0;
  return new Rng(mix32(mix32(seed >>> 0) ^ mix32(low + 0x9e3779b9) ^ mix32(high ^ 0x7f4a7c15)));
}
