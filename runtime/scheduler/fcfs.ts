// FCFS baseline: one request at a time on the whole board, in arrival order, never
// preempted (its layers run back to back).
import type { Dispatch, Policy, SchedState } from './types.ts';
import { allIdle, nextStepIn, plainDispatch } from './common.ts';
import { variantKey } from './types.ts';

export function fcfsPolicy(): Policy {
  let key = '';
  return {
    name: 'fcfs',
    variants(tenants, boardTiles) {
      const v = { tiles: boardTiles, granule: { kind: 'layer' as const } };
      key = variantKey(v);
      return tenants.map(() => [v]);
    },
    decide(state: SchedState): Dispatch[] {
      const all = Array.from({ length: state.tileCount }, (_, i) => i);
      if (!allIdle(state, all)) return [];
      let pick;
      for (const q of state.queues) {
        const h = q[0];
        if (h === undefined) continue;
        if (h.started !== undefined) { pick = h; break; } // the request in service continues
        if (pick === undefined || h.arrival < pick.arrival || (h.arrival === pick.arrival && h.id < pick.id)) pick = h;
      }
      if (pick === undefined) return [];
      const step = nextStepIn(state, pick, key);
      return step === undefined ? [] : [plainDispatch(pick, key, step, all)];
    },
  };
}
