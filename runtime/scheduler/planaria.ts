// Planaria-like baseline (MICRO 2020): tiles split dynamically between co-running requests.
// At every layer boundary a request gets the fewest tiles (1, 2, 4, …) whose estimated
// remaining time still meets its deadline, in order of a score of priority and remaining
// time; tiles left over go to the highest-scored requests. A request keeps its tiles for
// the layer in flight (repartitioning happens at layer boundaries, arrivals, completions).
import type { Dispatch, Job, Policy, SchedState } from './types.ts';
import { nextStepIn, plainDispatch } from './common.ts';
import { remainingEstimate, variantKey } from './types.ts';

function sizes(boardTiles: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= boardTiles; n *= 2) out.push(n);
  return out;
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
      const heads = state.queues.map((q) => q[0]).filter((j): j is Job => j !== undefined && !j.running);
      const score = (j: Job) => {
        const t = state.tenants[j.tenant]!;
        const slack = Math.max(1, j.deadline - state.now);
        return (
          (t.priority + 1) * 1000 +
          (1000 * remainingEstimate(t, j, keyOf(allowed[allowed.length - 1]!))) / slack
        );
      };
      heads.sort((a, b) => score(b) - score(a) || a.id - b.id);
      const grants: { job: Job; n: number }[] = [];
      let left = free.length;
      for (const j of heads) {
        if (left === 0) break;
        const t = state.tenants[j.tenant]!;
        const fits = allowed.filter((n) => n <= left && nextStepIn(state, j, keyOf(n)) !== undefined);
        if (fits.length === 0) continue;
        const meets = fits.find((n) => state.now + remainingEstimate(t, j, keyOf(n)) <= j.deadline);
        const n = meets ?? fits[fits.length - 1]!;
        grants.push({ job: j, n });
        left -= n;
      }
      // Share what is left with the highest-scored requests (double while it fits).
      for (const g of grants) {
        while (left > 0) {
          const bigger = allowed.find(
            (n) => n > g.n && n - g.n <= left && nextStepIn(state, g.job, keyOf(n)) !== undefined,
          );
          if (bigger === undefined) break;
          left -= bigger - g.n;
          g.n = bigger;
        }
      }
      const out: Dispatch[] = [];
      let at = 0;
      for (const g of grants) {
        const tiles = free.slice(at, at + g.n);
        at += g.n;
        const key = keyOf(g.n);
        out.push(plainDispatch(g.job, key, nextStepIn(state, g.job, key)!, tiles));
      }
      return out;
    },
  };
}
