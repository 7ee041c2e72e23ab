// MoCA's scheduling frame, shared by the static-partition baseline and the moca policy:
// tiles in fixed groups (pairs), one request per group at a time, run to completion; the
// next request is the one with the highest score priority × 100000 + 100000 × waited /
// isolated time. static-partition adds no throttling; moca regulates bandwidth per layer.
import type { Dispatch, Job, Policy, SchedState } from './types.ts';
import { allIdle, nextStepIn, plainDispatch, tileGroups } from './common.ts';
import { mocaRegulator } from './moca-regulate.ts';
import { variantKey } from './types.ts';

export const MOCA_GROUP_TILES = 2;

export function mocaQueueScore(state: SchedState, job: Job): number {
  const t = state.tenants[job.tenant]!;
  return t.priority * 100000 + (100000 * (state.now - job.arrival)) / Math.max(1, t.isolatedCycles);
}

/** `dim`: the board's array size (MoCA's compute estimate, MACs / DIM² per tile). */
export function partitionPolicy(name: 'static-partition' | 'moca', dim: number): Policy {
  let key = '';
  const regulator = name === 'moca' ? mocaRegulator(dim) : undefined;
  let groups: number[][] = [];
  return {
    name,
    variants(tenants, boardTiles) {
      const size = Math.min(MOCA_GROUP_TILES, boardTiles);
      groups = tileGroups(boardTiles, size);
      const v = { tiles: size, granule: { kind: 'layer' as const } };
      key = variantKey(v);
      return tenants.map(() => [v]);
    },
    decide(state: SchedState): Dispatch[] {
      const planned: Dispatch[] = [];
      const taken = new Set<number>();
      const waiting = state.queues
        .map((q) => q[0])
        .filter((j): j is Job => j !== undefined && !j.running && j.started === undefined);
      waiting.sort((a, b) => mocaQueueScore(state, b) - mocaQueueScore(state, a) || a.id - b.id);
      for (const g of groups) {
        if (!allIdle(state, g)) continue;
        // A started request continues on its own group.
        let job: Job | undefined;
        for (const q of state.queues) {
          const h = q[0];
          if (h !== undefined && !h.running && h.started !== undefined && h.tiles[0] === g[0]) job = h;
        }
        if (job === undefined) job = waiting.find((j) => !taken.has(j.id));
        if (job === undefined) continue;
        taken.add(job.id);
        const step = nextStepIn(state, job, key);
        if (step !== undefined) planned.push(plainDispatch(job, key, step, g));
      }
      return regulator === undefined ? planned : regulator.regulate(state, planned);
    },
  };
}
