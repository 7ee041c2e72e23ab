// MoCA's scheduling frame, shared by the static-partition baseline and the moca policy:
// tiles in fixed groups (pairs), one request per group at a time, run to completion; any
// waiting request may take any free group (a tenant with `instances` k runs up to k of its
// oldest requests at once, on different groups, as MoCA runs any request on any pair); the
// next request is the one with the highest score priority × 100000 + 100000 × waited /
// isolated time, placed on the group with the earliest predicted finish (here: an idle
// group — a request runs to completion on its group, so an idle group is always the
// earliest; ties go to the lowest tile). static-partition adds nothing; moca regulates
// bandwidth per layer (moca-regulate.ts) and co-locates a memory-heavy model's tail block
// with a waiting lighter request on the same pair, one tile each (colocation.ts).
import type { Dispatch, Job, Policy, SchedState, VariantRequest } from './types.ts';
import { allIdle, nextStepIn, plainDispatch, tileGroups, variantOf } from './common.ts';
import { COLOCATION_PARTNERS, tailStartLayer } from './colocation.ts';
import { mocaRegulator } from './moca-regulate.ts';
import { readyJobs, variantKey } from './types.ts';

export const MOCA_GROUP_TILES = 2;

export function mocaQueueScore(state: SchedState, job: Job): number {
  const t = state.tenants[job.tenant]!;
  return t.priority * 100000 + (100000 * (state.now - job.arrival)) / Math.max(1, t.isolatedCycles);
}

/** What the moca policy adds to the static frame; both on by default (the ablation bench,
 *  bench/moca-ablation.ts, turns one off to measure what each contributes). */
export interface MocaParts {
  readonly regulation?: boolean;
  readonly colocation?: boolean;
}

/** `dim`: the board's array size (MoCA's compute estimate, MACs / DIM² per tile). */
export function partitionPolicy(
  name: 'static-partition' | 'moca',
  dim: number,
  parts: MocaParts = {},
): Policy {
  let key = '';
  let half = '';
  let groups: number[][] = [];
  let models: (string | undefined)[] = [];
  const tailStart = new Map<number, number | undefined>();
  const moca = name === 'moca';
  const regulator = moca && parts.regulation !== false ? mocaRegulator(dim) : undefined;
  const tailOf = (state: SchedState, job: Job): number | undefined => {
    if (!tailStart.has(job.tenant)) {
      const m = models[job.tenant];
      tailStart.set(job.tenant, m === undefined ? undefined : tailStartLayer(m, variantOf(state, job, key)));
    }
    return tailStart.get(job.tenant);
  };
  return {
    name,
    variants(tenants, boardTiles) {
      const size = Math.min(MOCA_GROUP_TILES, boardTiles);
      groups = tileGroups(boardTiles, size);
      models = tenants.map((t) => t.model);
      const v: VariantRequest = { tiles: size, granule: { kind: 'layer' } };
      key = variantKey(v);
      const colocate = moca && parts.colocation !== false && size === 2;
      const h: VariantRequest = { tiles: 1, granule: { kind: 'layer' } };
      half = colocate ? variantKey(h) : '';
      // Co-location runs heavy tails and their partners on one tile each.
      const pairs = Object.entries(COLOCATION_PARTNERS);
      const split = (m: string | undefined) =>
        m !== undefined && pairs.some(([heavy, partners]) => heavy === m || partners.includes(m));
      return tenants.map((t) => (colocate && split(t.model) ? [v, h] : [v]));
    },
    decide(state: SchedState): Dispatch[] {
      const planned: Dispatch[] = [];
      const taken = new Set<number>();
      const waiting: Job[] = [];
      for (let t = 0; t < state.queues.length; t++)
        for (const j of readyJobs(state, t)) if (j.started === undefined) waiting.push(j);
      waiting.sort((a, b) => mocaQueueScore(state, b) - mocaQueueScore(state, a) || a.id - b.id);
      const start = (job: Job, variant: string, tiles: readonly number[]): void => {
        taken.add(job.id);
        const step = nextStepIn(state, job, variant);
        if (step !== undefined) planned.push(plainDispatch(job, variant, step, tiles));
      };
      for (const g of groups) {
        // Started requests continue where they run: the whole group, or one tile of it.
        const residents: Job[] = [];
        for (let t = 0; t < state.queues.length; t++)
          for (const j of readyJobs(state, t))
            if (j.started !== undefined && g.includes(j.tiles[0]!)) residents.push(j);
        if (residents.length === 0) {
          if (!allIdle(state, g)) continue;
          const job = waiting.find((j) => !taken.has(j.id));
          if (job !== undefined) start(job, key, g);
          continue;
        }
        for (const r of residents) {
          if (r.running) continue;
          if (r.variant === half) {
            start(r, half, r.tiles);
            continue;
          }
          if (!allIdle(state, g)) continue;
          // A heavy request in its tail block takes one tile and gives the other to the
          // best-scored waiting request of a partner model.
          const tail = half === '' ? undefined : tailOf(state, r);
          const partners = COLOCATION_PARTNERS[models[r.tenant] ?? ''];
          const partner =
            tail !== undefined && r.nextLayer >= tail && partners !== undefined
              ? waiting.find((j) => !taken.has(j.id) && partners.includes(models[j.tenant] ?? ''))
              : undefined;
          if (partner === undefined) start(r, key, g);
          else {
            start(r, half, [g[0]!]);
            start(partner, half, [g[1]!]);
          }
        }
      }
      return regulator === undefined ? planned : regulator.regulate(state, planned);
    },
  };
}
