// The cotenant policy: priority bands with limited preemption, per lane.
// A lane is a fixed group of tiles chosen by the planner (runtime/admission/plan.ts) per
// tenant mix; each tenant runs in one lane with the granule size the planner chose.
// A lane switches tenant only at a granule boundary (every step holds all lane tiles until
// its barrier), and then runs the most important ready granule:
// - by level (runtime/scheduler/urgency.ts): every guaranteed tenant keeps its static
//   place relative to all others, exactly the processor model of the admission analysis;
// - inside a band of best-effort tenants (between two guaranteed tenants), by urgency:
//   earliest deadline first over requests that can still meet theirs (the tenant's
//   first queued request that can finish in time after the ones before it; ties:
//   priority, tenant index); tenants whose next requests are all predicted hopeless come
//   after them, by priority, then oldest request, then tenant index.
// Best-effort tenants get MoCA-style DRAM budgets when lanes contend; guaranteed tenants
// are never throttled, so their worst case (measured with every other tile saturating
// DRAM) holds.
import type { Dispatch, Job, Policy, SchedState, TenantView, VariantRequest } from './types.ts';
import { allIdle, nextStepIn, plainDispatch, regulate } from './common.ts';
import { variantKey } from './types.ts';
import { bandLevels, hopeless, queueDeadline } from './urgency.ts';

export interface CotenantPlan {
  /** Physical tiles of each lane. */
  readonly lanes: readonly (readonly number[])[];
  /** Per tenant: its lane and compiled variant (tiles = lane size). */
  readonly assignment: readonly { readonly lane: number; readonly variant: VariantRequest }[];
}

export function cotenantPolicy(plan: CotenantPlan, tileBusBytesPerCycle: number): Policy {
  const keys = plan.assignment.map((a) => variantKey(a.variant));
  const laneTenants = plan.lanes.map((_, l) => plan.assignment.flatMap((a, i) => (a.lane === l ? [i] : [])));
  // Levels depend only on the (fixed) tenant list; computed once per list.
  let levelsFor: readonly TenantView[] | undefined;
  let levels: number[] = [];
  const remainingOf = (state: SchedState) => (job: Job): number => {
    const v = state.tenants[job.tenant]!.variants.get(keys[job.tenant]!);
    if (v === undefined) return 0;
    return job.variant === keys[job.tenant] ? v.remainingEst[job.step] ?? 0 : v.remainingEst[0]!;
  };
  return {
    name: 'cotenant',
    variants: (tenants) => tenants.map((_, i) => [plan.assignment[i]!.variant]),
    decide(state: SchedState): Dispatch[] {
      if (levelsFor !== state.tenants) { levels = bandLevels(state.tenants); levelsFor = state.tenants; }
      const remaining = remainingOf(state);
      const planned: Dispatch[] = [];
      for (let l = 0; l < plan.lanes.length; l++) {
        const tiles = plan.lanes[l]!;
        if (!allIdle(state, tiles)) continue;
        let best: Job | undefined;
        let bLevel = 0;
        let bLax = 0;
        for (const t of laneTenants[l]!) {
          const q = state.queues[t]!;
          const head = q[0];
          if (head === undefined || head.running) continue;
          const level = levels[t]!;
          const lax = state.tenants[t]!.guaranteed ? 0 : queueDeadline(q, state.now, remaining);
          if (best === undefined || before(state, level, lax, head, bLevel, bLax, best)) { best = head; bLevel = level; bLax = lax; }
        }
        if (best === undefined) continue;
        const key = keys[best.tenant]!;
        const step = nextStepIn(state, best, key);
        if (step !== undefined) planned.push(plainDispatch(best, key, step, tiles));
      }
      if (plan.lanes.length < 2) return planned;
      return regulate(state, planned, (t) => !t.guaranteed, tileBusBytesPerCycle);
    },
    abandon(state: SchedState): Job[] {
      const remaining = remainingOf(state);
      const out: Job[] = [];
      for (const q of state.queues) {
        for (const j of q) {
          if (j.running || state.tenants[j.tenant]!.guaranteed) continue;
          if (hopeless(state, j, remaining(j))) out.push(j);
        }
      }
      return out;
    },
  };
}

/** Whether candidate a (level, urgency deadline, head job) goes before b. */
function before(state: SchedState, la: number, xa: number, a: Job, lb: number, xb: number, b: Job): boolean {
  if (la !== lb) return la < lb;
  const pa = state.tenants[a.tenant]!.priority;
  const pb = state.tenants[b.tenant]!.priority;
  const fa = xa !== Number.POSITIVE_INFINITY;
  const fb = xb !== Number.POSITIVE_INFINITY;
  if (fa !== fb) return fa;
  if (fa && xa !== xb) return xa < xb;
  if (pa !== pb) return pa > pb;
  if (!fa && a.arrival !== b.arrival) return a.arrival < b.arrival;
  return a.tenant < b.tenant;
}
