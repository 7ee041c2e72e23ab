// Naive concurrency (the baseline of GACER's evaluation, mapped to tiles): every tenant with
// work runs at once, the board's tiles split evenly among them, at layer granularity, with
// no regulation. Nothing is chosen per model: no granularity (always one layer per step),
// no partition (equal shares), no throttle. With a tenants holding requests, tenant k of
// them (in tenant order) gets ⌊T/a⌋ tiles, one more for the first T mod a, so all T tiles
// are in use; with more tenants than tiles each gets one tile and they queue for free ones.
// A tenant's share is re-read at every layer boundary (a request switches variant there),
// so when a tenant drains, the others widen. Ready layers start in request order (arrival,
// id) on the lowest-numbered idle tiles; a layer waits until its whole share is idle.
import type { Dispatch, Policy, SchedState } from './types.ts';
import { nextStepIn, plainDispatch } from './common.ts';
import { variantKey } from './types.ts';

/** Tiles of each tenant with work: equal shares of `tiles` over `active` tenants, the
 *  first (tiles mod active) of them one more; at least one each. */
export function naiveShares(tiles: number, active: number): number[] {
  if (active <= 0) return [];
  const base = Math.max(1, Math.floor(tiles / active));
  const extra = active >= tiles ? 0 : tiles - base * active;
  return Array.from({ length: active }, (_, k) => base + (k < extra ? 1 : 0));
}

const keyOf = (n: number) => variantKey({ tiles: n, granule: { kind: 'layer' } });

export function naivePolicy(): Policy {
  return {
    name: 'naive',
    variants(tenants, boardTiles) {
      // Every share the tenant can get for any number of active tenants.
      const sizes = new Set<number>();
      for (let a = 1; a <= tenants.length; a++) for (const s of naiveShares(boardTiles, a)) sizes.add(s);
      const list = [...sizes].sort((x, y) => y - x);
      return tenants.map(() => list.map((n) => ({ tiles: n, granule: { kind: 'layer' as const } })));
    },
    decide(state: SchedState): Dispatch[] {
      const active: number[] = [];
      state.queues.forEach((q, i) => {
        if (q.length > 0) active.push(i);
      });
      const shares = naiveShares(state.tileCount, active.length);
      const shareOf = new Map(active.map((t, k) => [t, shares[k]!]));
      const idle: number[] = [];
      state.tileJob.forEach((j, i) => {
        if (j === undefined) idle.push(i);
      });
      const ready = active
        .map((t) => state.queues[t]![0]!)
        .filter((j) => !j.running)
        .sort((a, b) => a.arrival - b.arrival || a.id - b.id);
      const out: Dispatch[] = [];
      for (const job of ready) {
        const n = shareOf.get(job.tenant)!;
        if (n > idle.length) continue;
        const key = keyOf(n);
        const step = nextStepIn(state, job, key);
        if (step === undefined) continue;
        out.push(plainDispatch(job, key, step, idle.splice(0, n)));
      }
      return out;
    },
  };
}
