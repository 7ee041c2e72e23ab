// The cotenant policy: static priorities with limited preemption, per lane.
// A lane is a fixed group of tiles chosen by the planner (runtime/admission/plan.ts) per
// tenant mix; each tenant runs in one lane with the granule size the planner chose.
// A lane switches tenant only at a granule boundary (every step holds all lane tiles until
// its barrier), and then runs the highest-priority ready granule (ties: tenant index).
// This is exactly the processor model of the admission analysis. Best-effort tenants get
// MoCA-style DRAM budgets when lanes contend; guaranteed tenants are never throttled, so
// their worst case (measured with every other tile saturating DRAM) holds.
import type { Dispatch, Policy, SchedState, VariantRequest } from './types.ts';
import { allIdle, byPriority, nextStepIn, plainDispatch, regulate } from './common.ts';
import { variantKey } from './types.ts';

export interface CotenantPlan {
  /** Physical tiles of each lane. */
  readonly lanes: readonly (readonly number[])[];
  /** Per tenant: its lane and compiled variant (tiles = lane size). */
  readonly assignment: readonly { readonly lane: number; readonly variant: VariantRequest }[];
}

export function cotenantPolicy(plan: CotenantPlan, tileBusBytesPerCycle: number): Policy {
  const keys = plan.assignment.map((a) => variantKey(a.variant));
  const laneTenants = plan.lanes.map((_, l) => plan.assignment.flatMap((a, i) => (a.lane === l ? [i] : [])));
  return {
    name: 'cotenant',
    variants: (tenants) => tenants.map((_, i) => [plan.assignment[i]!.variant]),
    decide(state: SchedState): Dispatch[] {
      const planned: Dispatch[] = [];
      const order = byPriority(state);
      plan.lanes.forEach((tiles, l) => {
        if (!allIdle(state, tiles)) return;
        let best;
        for (const t of laneTenants[l]!) {
          const head = state.queues[t]![0];
          if (head === undefined || head.running) continue;
          if (best === undefined || order(head, best) < 0) best = head;
        }
        if (best === undefined) return;
        const key = keys[best.tenant]!;
        const step = nextStepIn(state, best, key);
        if (step !== undefined) planned.push(plainDispatch(best, key, step, tiles));
      });
      if (plan.lanes.length < 2) return planned;
      return regulate(state, planned, (t) => !t.guaranteed, tileBusBytesPerCycle);
    },
  };
}
