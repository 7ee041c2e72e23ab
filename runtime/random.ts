// Seeded pseudo-random numbers for everything that must replay: arrivals, workload draws,
// property tests. mulberry32 (32-bit state, passes SmallCrush for this use); never
// Math.random. Same seed → same sequence on every machine (only 32-bit integer ops and
// one division by 2^32).

import { mulberry32Unit } from '../boards/prng.ts';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Index drawn with probability proportional to weights[i]. */
  weighted(weights: readonly number[]): number;
  /** An independent generator derived from this one's seed and a label (stable per label). */
  fork(label: string): Random;
}

export function createRandom(seed: number): Random {
  const next = mulberry32Unit((seed >>> 0) ^ 0x9e3779b9);
  return {
    next,
    int(lo, hi) {
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    exponential(mean) {
      // 1 - u is in (0, 1], so the log is finite.
      return -mean * Math.log(1 - next());
    },
    weighted(weights) {
      const total = weights.reduce((s, w) => s + w, 0);
      let x = next() * total;
      for (let i = 0; i < weights.length; i++) {
        x -= weights[i]!;
        if (x < 0) return i;
      }
      return weights.length - 1;
    },
    fork(label) {
      return createRandom(hashString(label) ^ seed);
    },
  };
}

/** FNV-1a, 32-bit: a stable label → seed mapping. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
