// The cotenant policy: priority bands with limited preemption, per lane.
// A lane is a fixed group of tiles chosen by the planner (runtime/admission/plan.ts) per
// tenant mix; each tenant runs in one lane with the granule size the planner chose.
// A lane switches tenant only at a granule boundary (every step holds all lane tiles until
// its barrier), and then runs the most important ready granule:
// - by level (runtime/scheduler/urgency.ts): every guaranteed tenant keeps its static
//   place relative to all others, exactly the processor model of the admission analysis;
// - inside a band of best-effort tenants (between two guaranteed tenants), weighted-fair
//   guarded by EDF (runtime/scheduler/band-order.ts): the tenant furthest below its
//   weighted share ((priority + 1) × predicted slowdown of its head, largest first) whose
//   next granule fits in the slack of every request that earliest-deadline-first would
//   finish in time before it; the EDF head always fits. Tenants whose next requests are
//   all predicted hopeless run only when no tenant of the band can meet a deadline.
// Throttling (docs/scheduler.md, "Throttling rule"): tenants of a lane that holds a
// guaranteed tenant are never throttled, so every step runs with the caps its worst-case
// cost was measured under. Lanes of best-effort tenants only are either held to the fixed
// memory budget admission planned (a sticky THROTTLE setting with no banked credit that
// counts stores too, so its arrival curve holds across steps and covers all its DRAM
// traffic), or, when the plan has no budgets, regulated
// MoCA-style per step (average-case gains; the other lanes' costs were measured against
// saturating traffic, which throttling can only reduce).
import type { Dispatch, Job, Policy, SchedState, TenantView, TileSetup, VariantRequest } from './types.ts';
import { budgetThrottle } from '../admission/budget.ts';
import { THROTTLE_COUNT_STORES } from '../../boards/registers.ts';
import { allIdle, nextStepIn, plainDispatch, regulate } from './common.ts';
import { variantKey } from './types.ts';
import { bandLevels, hopeless, queueUrgency } from './urgency.ts';
import { pickInBand, type BandCandidate } from './band-order.ts';

export interface CotenantPlan {
  /** Physical tiles of each lane. */
  readonly lanes: readonly (readonly number[])[];
  /** Per tenant: its lane and compiled variant (tiles = lane size). */
  readonly assignment: readonly { readonly lane: number; readonly variant: VariantRequest }[];
  /** Per lane: fixed DRAM budget per tile in bytes/cycle (Infinity or absent: none). */
  readonly budgets?: readonly number[];
  /** Per tenant: a whole request's cost on its lane as admission measured it (cycles). The
   *  best-effort order's predictions (remaining work, granule, hopeless) scale the
   *  compiler's per-step estimates by measured ÷ estimated, so they predict the board, not
   *  the compiler's model of it (absent or not finite: the estimates as they are). */
  readonly measuredCycles?: readonly number[];
  /** Throughput plans (no guaranteed tenant, no deadline at stake) are not regulated: a
   *  throttle only moves bandwidth between lanes, and leaves some of it unused. */
  readonly unregulated?: boolean;
}

export function cotenantPolicy(plan: CotenantPlan, tileBusBytesPerCycle: number): Policy {
  const keys = plan.assignment.map((a) => variantKey(a.variant));
  const laneTenants = plan.lanes.map((_, l) => plan.assignment.flatMap((a, i) => (a.lane === l ? [i] : [])));
  // Levels depend only on the (fixed) tenant list; computed once per list.
  let levelsFor: readonly TenantView[] | undefined;
  let levels: number[] = [];
  // Per tenant: measured ÷ estimated cost of a whole request (1 when unknown), fixed once
  // the tenants' variants are known.
  let scaleFor: readonly TenantView[] | undefined;
  let scale: number[] = [];
  const scaleOf = (state: SchedState): number[] => {
    if (scaleFor !== state.tenants) {
      scale = state.tenants.map((tv, i) => {
        const est = tv.variants.get(keys[i]!)?.remainingEst[0] ?? 0;
        const m = plan.measuredCycles?.[i] ?? Number.NaN;
        return est > 0 && Number.isFinite(m) && m > 0 ? m / est : 1;
      });
      scaleFor = state.tenants;
    }
    return scale;
  };
  const remainingOf = (state: SchedState) => {
    const k = scaleOf(state);
    return (job: Job): number => {
      const v = state.tenants[job.tenant]!.variants.get(keys[job.tenant]!);
      if (v === undefined) return 0;
      return (
        k[job.tenant]! *
        (job.variant === keys[job.tenant] ? (v.remainingEst[job.step] ?? 0) : v.remainingEst[0]!)
      );
    };
  };
  // Per-tenant candidate records and EDF scratch, reused by every decision (no allocation).
  const cands: BandCandidate[] = plan.assignment.map((_, i) => ({
    tenant: i,
    priority: 0,
    deadline: 0,
    work: 0,
    granule: 0,
    lag: 0,
    budget: 0,
  }));
  const inBand: BandCandidate[] = [];
  let guardedLanes: boolean[] | undefined;
  const budgetValue = plan.lanes.map((_, l) => {
    const b = plan.budgets?.[l] ?? Number.POSITIVE_INFINITY;
    return Number.isFinite(b) ? budgetThrottle(b, tileBusBytesPerCycle).value : 0;
  });
  const setup: TileSetup[] = plan.lanes.flatMap((tiles, l) =>
    budgetValue[l] !== 0 ? tiles.map((tile) => ({ tile, credit: 0, ctrl: THROTTLE_COUNT_STORES })) : [],
  );
  const edf: BandCandidate[] = [];
  return {
    name: 'cotenant',
    setup,
    variants: (tenants) => tenants.map((_, i) => [plan.assignment[i]!.variant]),
    decide(state: SchedState): Dispatch[] {
      if (levelsFor !== state.tenants) {
        levels = bandLevels(state.tenants);
        levelsFor = state.tenants;
      }
      const remaining = remainingOf(state);
      const planned: Dispatch[] = [];
      for (let l = 0; l < plan.lanes.length; l++) {
        const tiles = plan.lanes[l]!;
        if (!allIdle(state, tiles)) continue;
        // The most important level with a ready head: a guaranteed tenant alone, or a band.
        let level = Number.POSITIVE_INFINITY;
        for (const t of laneTenants[l]!) {
          const head = state.queues[t]![0];
          if (head !== undefined && !head.running && levels[t]! < level) level = levels[t]!;
        }
        if (level === Number.POSITIVE_INFINITY) continue;
        let n = 0;
        let only = -1;
        for (const t of laneTenants[l]!) {
          const q = state.queues[t]!;
          const head = q[0];
          if (head === undefined || head.running || levels[t] !== level) continue;
          only = t;
          if (level % 2 === 1) break;
          const tv = state.tenants[t]!;
          const c = cands[t]!;
          queueUrgency(q, state.now, remaining, c);
          const rem = remaining(head);
          c.priority = tv.priority;
          const est = tv.variants.get(keys[t]!)?.steps[head.variant === keys[t] ? head.step : 0]?.estCycles;
          c.granule = est === undefined ? rem : est * scale[t]!;
          // w × predicted slowdown of the head (waited + remaining) / isolated latency, per
          // cycle of remaining work: the weighted progress the band gains per board cycle.
          c.lag =
            ((tv.priority + 1) * (state.now - head.arrival + rem)) /
            Math.max(1, tv.isolatedCycles) /
            Math.max(1, rem);
          inBand[n++] = c;
        }
        const tenant = n > 1 ? pickInBand(inBand, n, state.now, edf).tenant : only;
        const best = state.queues[tenant]![0]!;
        const key = keys[tenant]!;
        const step = nextStepIn(state, best, key);
        if (step === undefined) continue;
        const b = budgetValue[l]!;
        planned.push(
          b === 0
            ? plainDispatch(best, key, step, tiles)
            : {
                ...plainDispatch(best, key, step, tiles),
                throttle: tiles.map(() => b),
                throttleSticky: true,
              },
        );
      }
      if (plan.lanes.length < 2 || plan.unregulated === true) return planned;
      guardedLanes ??= plan.lanes.map((_, l) => laneTenants[l]!.some((t) => state.tenants[t]!.guaranteed));
      const guarded = guardedLanes;
      // Only tenants of lanes without a guaranteed tenant are regulated: a throttled step in a
      // guaranteed tenant's lane would run longer than its measured (unthrottled) cost and so
      // block or interfere beyond the analysed bound (docs/scheduler.md, "Throttling rule").
      return regulate(
        state,
        planned,
        (_t, tenant) => {
          const lane = plan.assignment[tenant]!.lane;
          return !guarded[lane]! && budgetValue[lane] === 0;
        },
        tileBusBytesPerCycle,
      );
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
