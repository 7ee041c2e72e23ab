// Planaria baseline (MICRO 2020): tiles split dynamically between co-running requests.
// At every decision point (layer boundaries, arrivals, completions) the waiting requests
// (each tenant's oldest; `instances` of them at once) are
// ranked by a score of priority and remaining time over slack; each gets the fewest tiles
// (1, 2, 4, …) whose estimated remaining time still meets its deadline, and the tiles left
// over are shared by score (planariaGrants). A request that can no longer meet its deadline
// does not take tiles ahead of those that can. A request keeps its tiles for the layer in
// flight.
import type { Dispatch, Job, Policy, SchedState } from './types.ts';
import { nextStepIn, plainDispatch } from './common.ts';
import { readyJobs, remainingEstimate, variantKey } from './types.ts';

function sizes(boardTiles: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= boardTiles; n *= 2) out.push(n);
  return out;
}

export interface PlanariaCandidate {
  /** Tile counts the request can run its next step on, ascending. */
  readonly sizes: readonly number[];
  /** Those of `sizes` whose estimated remaining time still meets the deadline, ascending. */
  readonly meets: readonly number[];
}

/**
 * Planaria's allocation of `free` tiles to candidates in score order (best first): first
 * each candidate that can still meet its deadline gets the fewest tiles that do, while they
 * fit; then the rest is shared by score — every candidate without tiles gets its smallest
 * size, and then granted candidates, best first, double while the tiles last. Returns the
 * tiles per candidate (0 = waits).
 */
export function planariaGrants(cands: readonly PlanariaCandidate[], free: number): number[] {
  const n = cands.map(() => 0);
  let left = free;
  cands.forEach((c, i) => {
    const m = c.meets.find((k) => k <= left);
    if (m !== undefined) {
      n[i] = m;
      left -= m;
    }
  });
  cands.forEach((c, i) => {
    if (n[i] !== 0) return;
    const m = c.sizes.find((k) => k <= left);
    if (m !== undefined) {
      n[i] = m;
      left -= m;
    }
  });
  cands.forEach((c, i) => {
    if (n[i] === 0) return;
    for (;;) {
      const bigger = c.sizes.find((k) => k > n[i]! && k - n[i]! <= left);
      if (bigger === undefined) break;
      left -= bigger - n[i]!;
      n[i] = bigger;
    }
  });
  return n;
}

export function planariaPolicy(): Policy {
  let allowed: number[] = [];
  const keyOf = (n: number) => variantKey({ tiles: n, granule: { kind: 'layer' } });
  return {
    name: 'planaria',
    variants(tenants, boardTiles) {
      allowed = sizes(boardTiles);
      return tenants.map(() => allowed.map((n) => ({ tiles: n, granule: { kind: 'layer' as const } })));
    },
    decide(state: SchedState): Dispatch[] {
      const free: number[] = [];
      state.tileJob.forEach((j, i) => {
        if (j === undefined) free.push(i);
      });
      if (free.length === 0) return [];
      // every request that may run: each tenant's oldest (`instances` of them at most)
      const heads: Job[] = [];
      for (let t = 0; t < state.queues.length; t++) heads.push(...readyJobs(state, t));
      const score = (j: Job) => {
        const t = state.tenants[j.tenant]!;
        const slack = Math.max(1, j.deadline - state.now);
        return (
          (t.priority + 1) * 1000 +
          (1000 * remainingEstimate(t, j, keyOf(allowed[allowed.length - 1]!))) / slack
        );
      };
      heads.sort((a, b) => score(b) - score(a) || a.id - b.id);
      const grants = planariaGrants(
        heads.map((j) => {
          const t = state.tenants[j.tenant]!;
          const sizes = allowed.filter((n) => nextStepIn(state, j, keyOf(n)) !== undefined);
          return {
            sizes,
            meets: sizes.filter((n) => state.now + remainingEstimate(t, j, keyOf(n)) <= j.deadline),
          };
        }),
        free.length,
      );
      const out: Dispatch[] = [];
      let at = 0;
      grants.forEach((n, i) => {
        if (n === 0) return;
        const job = heads[i]!;
        const tiles = free.slice(at, at + n);
        at += n;
        const key = keyOf(n);
        out.push(plainDispatch(job, key, nextStepIn(state, job, key)!, tiles));
      });
      return out;
    },
  };
}
