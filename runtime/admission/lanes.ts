// One lane layout at a time: placing tenants into lanes, choosing each tenant's granule in
// its lane, and the analysis context of a lane (its co-runners' behaviour and the extra
// blocking their bursts above a memory budget can add). plan.ts chooses among layouts.
import type { GranuleSpec, VariantRequest } from '../scheduler/types.ts';
import { analyzeTask, maxTolerableBlocking, responseTime, taskCost, type RtaTask } from './rta.ts';
import {
  BEST_EFFORT_BLOCKING_SHARE,
  type AdmissionOptions,
  type AdmissionTenant,
  type Contention,
  type CostProvider,
  type EstimateProvider,
} from './types.ts';

export interface Placed {
  tenant: number;
  variant: VariantRequest;
  costs: readonly number[];
}

/** One lane's analysis context: the co-runners' behaviour and the extra blocking their
 *  bursts above budget can add (0 without budgets). */
export interface LaneContext {
  readonly contention: Contention;
  readonly extraBlocking: number;
}

/** Candidate granules for a lane, coarsest first: the whole model, blocks, layers (cycle-
 *  bounded granules are derived from the tolerance when even layers block too long). */
function ladder(t: AdmissionTenant): GranuleSpec[] {
  if (t.granule !== undefined) return [t.granule];
  const out: GranuleSpec[] = [{ kind: 'block', layers: t.layers }];
  for (const n of [8, 4, 2]) if (n < t.layers) out.push({ kind: 'block', layers: n });
  out.push({ kind: 'layer' });
  return out;
}

export function rtaTask(ts: readonly AdmissionTenant[], p: Placed): RtaTask {
  const t = ts[p.tenant]!;
  return {
    name: t.name,
    granules: p.costs,
    period: t.minGap,
    deadline: t.deadline,
    ...(t.jitter ? { jitter: t.jitter } : {}),
  };
}

function order(ts: readonly AdmissionTenant[]): number[] {
  return ts.map((_, i) => i).sort((a, b) => ts[b]!.priority - ts[a]!.priority || a - b);
}

/** The analysis of task k of a lane, with the lane's extra (burst) blocking added. */
export function analyzeIn(tasks: readonly RtaTask[], k: number, ctx: LaneContext) {
  const r = analyzeTask(tasks, k);
  if (ctx.extraBlocking === 0 || !Number.isFinite(r.bound)) return r;
  const rr = responseTime(tasks, k, r.blocking + ctx.extraBlocking);
  return { ...rr, blocker: r.blocker };
}

export function toleranceIn(tasks: readonly RtaTask[], k: number, ctx: LaneContext, hi?: number): number {
  const tol = maxTolerableBlocking(tasks, k, hi === undefined ? undefined : hi + ctx.extraBlocking);
  return tol < 0 ? tol : Math.max(-1, tol - ctx.extraBlocking);
}

/** Whether every guaranteed tenant of `placed` still passes when a tenant below all of
 *  them runs granules of up to `maxGranule` cycles (it only blocks them). */
function blockingFits(
  ts: readonly AdmissionTenant[],
  placed: readonly Placed[],
  maxGranule: number,
  ctx: LaneContext,
): boolean {
  const tasks = placed.map((p) => rtaTask(ts, p));
  const below = { name: '', granules: [maxGranule], period: undefined, deadline: 0 };
  const all = [...tasks, below];
  return placed.every((p, k) => !ts[p.tenant]!.guaranteed || analyzeIn(all, k, ctx).schedulable);
}

/** Chooses granules top-down in one lane; returns the placed tasks (priority order).
 *  Each tenant takes the coarsest candidate whose measured worst-case granule every
 *  guaranteed tenant above it tolerates as blocking (checked by the full analysis, not a
 *  precomputed tolerance: a deadline of any size costs one analysis per candidate). Only
 *  when even layer granules do not fit is the tolerance searched, bounded by the largest
 *  layer granule, for cycle-bounded candidates. */
export async function sizeLane(
  ts: readonly AdmissionTenant[],
  members: readonly number[],
  laneTiles: number,
  ctx: LaneContext,
  cost: CostProvider,
  estimate: EstimateProvider | undefined,
): Promise<Placed[]> {
  const placed: Placed[] = [];
  for (const [pos, i] of members.entries()) {
    const t = ts[i]!;
    // A best-effort tenant below every guaranteed tenant of the lane only blocks others:
    // also keep its granules short against the lane's best-effort deadlines, so urgent
    // requests are not stuck behind a whole model (an average-case goal, judged on the
    // compiler's estimate: nothing extra is compiled into DRAM and measured).
    let beCap = Number.POSITIVE_INFINITY;
    if (!t.guaranteed && !members.slice(pos + 1).some((m) => ts[m]!.guaranteed)) {
      for (const m of members)
        if (m !== i && !ts[m]!.guaranteed)
          beCap = Math.min(beCap, Math.floor(BEST_EFFORT_BLOCKING_SHARE * ts[m]!.deadline));
    }
    const coarse = ladder(t);
    let chosen: Placed | undefined;
    for (const [c, g] of coarse.entries()) {
      const variant = { tiles: laneTiles, granule: g };
      if (estimate !== undefined && c < coarse.length - 1 && Math.max(...estimate(i, variant)) > beCap)
        continue;
      const costs = await cost(i, variant, ctx.contention);
      chosen = { tenant: i, variant, costs };
      if (blockingFits(ts, placed, Math.max(...costs), ctx)) break;
    }
    const last = chosen!;
    if (t.granule === undefined && !blockingFits(ts, placed, Math.max(...last.costs), ctx)) {
      // Cycle-bounded granules below the lowest tolerance of the guaranteed tenants above.
      const tasks = placed.map((p) => rtaTask(ts, p));
      let q = Number.POSITIVE_INFINITY;
      const hi = Math.max(...last.costs);
      placed.forEach((p, k) => {
        if (ts[p.tenant]!.guaranteed) q = Math.min(q, toleranceIn(tasks, k, ctx, hi) + 1);
      });
      if (q >= 1 && Number.isFinite(q)) {
        for (const f of [0.8, 0.5, 0.25, 0.1]) {
          const variant = {
            tiles: laneTiles,
            granule: { kind: 'cycles' as const, max: Math.max(1, Math.floor(q * f)) },
          };
          const costs = await cost(i, variant, ctx.contention);
          chosen = { tenant: i, variant, costs };
          if (blockingFits(ts, placed, Math.max(...costs), ctx)) break;
        }
      }
    }
    placed.push(chosen!);
  }
  return placed;
}

function laneOk(ts: readonly AdmissionTenant[], placed: readonly Placed[], ctx: LaneContext): boolean {
  const tasks = placed.map((p) => rtaTask(ts, p));
  return placed.every((p, k) => !ts[p.tenant]!.guaranteed || analyzeIn(tasks, k, ctx).schedulable);
}

function utilization(ts: readonly AdmissionTenant[], placed: readonly Placed[]): number {
  return placed.reduce((s, p) => {
    const gap = ts[p.tenant]!.minGap;
    return (
      s + (gap === undefined ? 0 : taskCost({ name: '', granules: p.costs, period: gap, deadline: 0 }) / gap)
    );
  }, 0);
}

export interface Layout {
  readonly laneTiles: number;
  readonly lanes: number;
  readonly sized: Placed[][];
  readonly ctx: LaneContext[];
  readonly budgets: number[];
  readonly feasible: boolean;
  readonly peak: number;
}

/** Places `who` greedily (priority order) into `lanes`, each into the least-loaded lane
 *  that keeps its guaranteed tenants schedulable (else the least-loaded lane). */
async function place(
  ts: readonly AdmissionTenant[],
  who: readonly number[],
  lanes: readonly number[],
  members: number[][],
  sized: Placed[][],
  laneTiles: number,
  ctx: readonly LaneContext[],
  cost: CostProvider,
  estimate: EstimateProvider | undefined,
): Promise<void> {
  for (const i of who) {
    const byLoad = [...lanes].sort(
      (a, b) => utilization(ts, sized[a]!) - utilization(ts, sized[b]!) || a - b,
    );
    let done = false;
    for (const l of byLoad) {
      const trial = await sizeLane(ts, [...members[l]!, i], laneTiles, ctx[l]!, cost, estimate);
      if (laneOk(ts, trial, ctx[l]!)) {
        members[l]!.push(i);
        sized[l] = trial;
        done = true;
        break;
      }
    }
    if (!done) {
      const l = byLoad[0]!;
      members[l]!.push(i);
      sized[l] = await sizeLane(ts, members[l]!, laneTiles, ctx[l]!, cost, estimate);
    }
  }
}

async function finish(
  ts: readonly AdmissionTenant[],
  members: readonly number[][],
  laneTiles: number,
  ctx: LaneContext[],
  budgets: number[],
  cost: CostProvider,
  estimate: EstimateProvider | undefined,
): Promise<Layout> {
  const sized: Placed[][] = [];
  for (const [l, m] of members.entries())
    sized.push(await sizeLane(ts, m, laneTiles, ctx[l]!, cost, estimate));
  const feasible = sized.every((p, l) => laneOk(ts, p, ctx[l]!));
  const peak = Math.max(...sized.map((p) => utilization(ts, p)));
  return { laneTiles, lanes: members.length, sized, ctx, budgets, feasible, peak };
}

/** Mixed placement, every other tile saturating (no budgets). */
export async function tryLayout(
  ts: readonly AdmissionTenant[],
  boardTiles: number,
  laneTiles: number,
  cost: CostProvider,
  estimate: EstimateProvider | undefined,
): Promise<Layout> {
  const lanes = Math.floor(boardTiles / laneTiles);
  const others = boardTiles - laneTiles;
  const ctx: LaneContext[] = Array.from({ length: lanes }, () => ({
    contention: { others: lanes > 1 ? others : 0, budgeted: 0, budget: Number.POSITIVE_INFINITY },
    extraBlocking: 0,
  }));
  const members: number[][] = Array.from({ length: lanes }, () => []);
  const sized: Placed[][] = members.map(() => []);
  const all = Array.from({ length: lanes }, (_, l) => l);
  await place(ts, order(ts), all, members, sized, laneTiles, ctx, cost, estimate);
  return finish(
    ts,
    members,
    laneTiles,
    ctx,
    all.map(() => Number.POSITIVE_INFINITY),
    cost,
    estimate,
  );
}

/** Segregated placement: guaranteed tenants in lanes 0..g-1, best-effort tenants in the
 *  rest, whose tiles are held to `budget` bytes/cycle each. */
export async function tryBudgeted(
  ts: readonly AdmissionTenant[],
  boardTiles: number,
  laneTiles: number,
  g: number,
  budget: number,
  opts: AdmissionOptions,
  cost: CostProvider,
  estimate: EstimateProvider | undefined,
): Promise<Layout> {
  const lanes = Math.floor(boardTiles / laneTiles);
  const others = boardTiles - laneTiles;
  const budgetedTiles = (lanes - g) * laneTiles;
  const extra = opts.burstCycles?.(laneTiles, budgetedTiles, budget) ?? 0;
  const ctx: LaneContext[] = Array.from({ length: lanes }, (_, l) =>
    l < g
      ? { contention: { others, budgeted: budgetedTiles, budget }, extraBlocking: extra }
      : // Best-effort lanes: their own costs only matter to their own (unguaranteed)
        // tenants; measure them as every other lane did before (saturating).
        { contention: { others, budgeted: 0, budget: Number.POSITIVE_INFINITY }, extraBlocking: 0 },
  );
  const members: number[][] = Array.from({ length: lanes }, () => []);
  const sized: Placed[][] = members.map(() => []);
  const ord = order(ts);
  const gLanes = Array.from({ length: g }, (_, l) => l);
  const beLanes = Array.from({ length: lanes - g }, (_, l) => g + l);
  await place(
    ts,
    ord.filter((i) => ts[i]!.guaranteed),
    gLanes,
    members,
    sized,
    laneTiles,
    ctx,
    cost,
    estimate,
  );
  await place(
    ts,
    ord.filter((i) => !ts[i]!.guaranteed),
    beLanes,
    members,
    sized,
    laneTiles,
    ctx,
    cost,
    estimate,
  );
  const budgets = Array.from({ length: lanes }, (_, l) => (l < g ? Number.POSITIVE_INFINITY : budget));
  return finish(ts, members, laneTiles, ctx, budgets, cost, estimate);
}
