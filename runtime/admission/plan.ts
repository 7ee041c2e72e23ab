// Admission and the cotenant plan: lanes (tile groups), each tenant's lane and granule,
// and the response-time verdict of every tenant.
//
// For every lane layout (one lane of all tiles, two halves, …, single tiles) tenants are
// placed highest priority first, each into the least-loaded lane where every guaranteed
// tenant still passes. Within a lane, granules are chosen top-down: tenant j may run
// granules up to Q_j = min over guaranteed k above it of (largest blocking k tolerates + 1),
// and takes the coarsest granule candidate whose worst-case step cost fits (every boundary
// costs, so no finer than needed). Costs come from a CostProvider (board measurements:
// runtime/executor/probe.ts). The feasible layout with the lowest peak lane utilization
// wins (ties: fewer lanes).
//
// Memory budgets (docs/scheduler.md, "Memory budgets"): when no mixed placement passes, a
// layout may instead keep guaranteed tenants in the first lanes and best-effort tenants in
// the others, whose tiles the board then throttles to a fixed DRAM budget. The guaranteed
// lanes' costs are measured with those tiles generating traffic at the budget rather than
// saturating, plus the throttle engine's burst allowance; the loosest budget of the
// ladder that makes every guaranteed tenant pass is chosen (best-effort lanes keep the
// most bandwidth).
import type { GranuleSpec, VariantRequest } from '../scheduler/types.ts';
import {
  analyzeTask,
  maxGranule,
  maxTolerableBlocking,
  responseTime,
  taskCost,
  type RtaTask,
} from './rta.ts';

export interface AdmissionTenant {
  readonly name: string;
  readonly priority: number;
  readonly guaranteed: boolean;
  /** Relative deadline, cycles. */
  readonly deadline: number;
  /** Minimum inter-arrival, cycles (undefined: no bound). */
  readonly minGap: number | undefined;
  /** Number of layers of the model (for block granules). */
  readonly layers: number;
  /** Scenario overrides. */
  readonly tiles?: number;
  readonly granule?: GranuleSpec;
}

/** What the tiles outside a lane do while it runs: none (one lane), all saturate, or the
 *  last `budgeted` of them are held to `budget` bytes/cycle each and the rest saturate. */
export interface Contention {
  readonly others: number;
  readonly budgeted: number;
  /** Bytes per cycle per budgeted tile (Infinity when budgeted = 0). */
  readonly budget: number;
}

/** Worst-case per-step costs of tenant i's model in a variant on a lane under `contention`. */
export type CostProvider = (
  tenant: number,
  variant: VariantRequest,
  contention: Contention,
) => Promise<readonly number[]>;
/** The compiler's per-step estimates of a variant (cheap: nothing placed on the board). */
export type EstimateProvider = (tenant: number, variant: VariantRequest) => readonly number[];

export interface TenantVerdict {
  readonly name: string;
  readonly priority: number;
  readonly guaranteed: boolean;
  readonly lane: number;
  readonly variant: VariantRequest;
  readonly wcet: number;
  readonly maxGranule: number;
  readonly granules: number;
  readonly minGap: number | undefined;
  readonly deadline: number;
  readonly bound: number;
  readonly slack: number;
  readonly verdict: 'guaranteed' | 'rejected' | 'best-effort';
  readonly blocking: number;
  readonly blocker: string | undefined;
  readonly suggestions: readonly string[];
  /** DRAM budget of this tenant's lane tiles, bytes/cycle per tile (Infinity: none). */
  readonly budget: number;
  /** Guaranteed tenants under budgets: the bound with every other tile saturating instead
   *  (Infinity when that would not be schedulable at all; undefined without budgets). */
  readonly boundWithoutBudgets: number | undefined;
  /** Requests of this tenant that may wait at once in the worst case (⌈bound/minGap⌉). */
  readonly queueNeeded: number;
}

export interface AdmissionResult {
  readonly feasible: boolean;
  readonly lanes: readonly (readonly number[])[];
  /** Per lane: the DRAM budget its tiles are throttled to (bytes/cycle per tile; Infinity: none). */
  readonly laneBudgets: readonly number[];
  readonly tenants: readonly TenantVerdict[];
  readonly layouts: readonly {
    readonly laneTiles: number;
    readonly lanes: number;
    readonly feasible: boolean;
    readonly peakUtilization: number;
    readonly budget: number;
  }[];
}

/** Admission inputs beyond the tenants. */
export interface AdmissionOptions {
  /** Try memory budgets on best-effort lanes when a plain layout fails (default true). */
  readonly budgets?: boolean;
  /** Budget ladder, bytes/cycle per tile, loosest first (default: budgetLadder(board)). */
  readonly budgetLadder?: readonly number[];
  /** Extra blocking, in cycles, that the co-runners' bursts above their budget can cause
   *  a lane of `laneTiles` tiles (the throttle engine's arrival curve; session.ts). */
  readonly burstCycles?: (laneTiles: number, budgetedTiles: number, budget: number) => number;
  /** Board queue limit per tenant, to check ⌈R/T⌉ against (default: unchecked). */
  readonly queueLimits?: readonly number[];
}

/** Share of a best-effort co-tenant's deadline a best-effort granule may block it for. */
export const BEST_EFFORT_BLOCKING_SHARE = 0.25;

/** A layout with fewer lanes is preferred while its peak lane utilization is at most this
 *  factor above the lowest (see planAdmission). */
export const POOLING_MARGIN = 1.1;

interface Placed {
  tenant: number;
  variant: VariantRequest;
  costs: readonly number[];
}

/** One lane's analysis context: the co-runners' behaviour and the extra blocking their
 *  bursts above budget can add (0 without budgets). */
interface LaneContext {
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

function rtaTask(ts: readonly AdmissionTenant[], p: Placed): RtaTask {
  const t = ts[p.tenant]!;
  return { name: t.name, granules: p.costs, period: t.minGap, deadline: t.deadline };
}

function order(ts: readonly AdmissionTenant[]): number[] {
  return ts.map((_, i) => i).sort((a, b) => ts[b]!.priority - ts[a]!.priority || a - b);
}

/** The analysis of task k of a lane, with the lane's extra (burst) blocking added. */
function analyzeIn(tasks: readonly RtaTask[], k: number, ctx: LaneContext) {
  const r = analyzeTask(tasks, k);
  if (ctx.extraBlocking === 0 || !Number.isFinite(r.bound)) return r;
  const rr = responseTime(tasks, k, r.blocking + ctx.extraBlocking);
  return { ...rr, blocker: r.blocker };
}

function toleranceIn(tasks: readonly RtaTask[], k: number, ctx: LaneContext, hi?: number): number {
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
async function sizeLane(
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

interface Layout {
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
async function tryLayout(
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
async function tryBudgeted(
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

/** Default per-tile budget ladder, loosest first: the fair share of DRAM and halvings. */
export function budgetLadder(dramBytesPerCycle: number, boardTiles: number): number[] {
  const fair = dramBytesPerCycle / boardTiles;
  return [fair, fair / 2, fair / 4, fair / 8];
}

export async function planAdmission(
  ts: readonly AdmissionTenant[],
  boardTiles: number,
  cost: CostProvider,
  estimate?: EstimateProvider,
  opts: AdmissionOptions = {},
): Promise<AdmissionResult> {
  const forced = ts.find((t) => t.tiles !== undefined)?.tiles;
  const sizes: number[] = [];
  for (let n = boardTiles; n >= 1; n = Math.floor(n / 2))
    if (boardTiles % n === 0 && (forced === undefined || n === forced)) sizes.push(n);
  if (sizes.length === 0) sizes.push(Math.min(boardTiles, forced ?? boardTiles));
  const layouts: Layout[] = [];
  for (const n of sizes) layouts.push(await tryLayout(ts, boardTiles, n, cost, estimate));
  // Budgets only when no plain layout admits everything: a budget costs best-effort
  // tenants bandwidth, so it is spent only where it buys a guarantee.
  const hasGuaranteed = ts.some((t) => t.guaranteed);
  const hasBestEffort = ts.some((t) => !t.guaranteed);
  if (opts.budgets !== false && hasGuaranteed && hasBestEffort && !layouts.some((x) => x.feasible)) {
    const ladderBytes = opts.budgetLadder ?? [];
    search: for (const n of sizes) {
      const lanes = Math.floor(boardTiles / n);
      for (let g = 1; g < lanes; g++)
        for (const b of ladderBytes) {
          const x = await tryBudgeted(ts, boardTiles, n, g, b, opts, cost, estimate);
          layouts.push(x);
          if (x.feasible) break search;
        }
    }
  }
  const ranked = [...layouts].sort(
    (a, b) => Number(b.feasible) - Number(a.feasible) || a.peak - b.peak || a.lanes - b.lanes,
  );
  // Pooling: fewer, wider lanes share one queue (one busy lane never idles while another
  // is overloaded), so among layouts as feasible as the best, the one with the fewest
  // lanes whose peak utilization is within POOLING_MARGIN of the lowest wins.
  const best = ranked
    .filter((x) => x.feasible === ranked[0]!.feasible && x.peak <= ranked[0]!.peak * POOLING_MARGIN)
    .sort((a, b) => a.lanes - b.lanes || budgetOf(b) - budgetOf(a))[0]!;
  const lanes = Array.from({ length: best.lanes }, (_, l) =>
    Array.from({ length: best.laneTiles }, (_, k) => l * best.laneTiles + k),
  );
  const budgeted = best.budgets.some((b) => Number.isFinite(b));
  const verdicts = new Array<TenantVerdict>(ts.length);
  for (const [l, placed] of best.sized.entries()) {
    const ctx = best.ctx[l]!;
    const tasks = placed.map((p) => rtaTask(ts, p));
    for (const [k, p] of placed.entries()) {
      const t = ts[p.tenant]!;
      const r = analyzeIn(tasks, k, ctx);
      const queueNeeded =
        t.minGap === undefined || !Number.isFinite(r.bound) ? 1 : Math.max(1, Math.ceil(r.bound / t.minGap));
      const limit = opts.queueLimits?.[p.tenant];
      const queueOk = limit === undefined || queueNeeded <= limit;
      const verdict = !t.guaranteed ? 'best-effort' : r.schedulable && queueOk ? 'guaranteed' : 'rejected';
      let boundWithoutBudgets: number | undefined;
      if (budgeted && t.guaranteed) {
        const plain = await sizeLane(
          ts,
          placed.map((q) => q.tenant),
          best.laneTiles,
          {
            contention: { others: boardTiles - best.laneTiles, budgeted: 0, budget: Infinity },
            extraBlocking: 0,
          },
          cost,
          estimate,
        );
        boundWithoutBudgets = analyzeTask(
          plain.map((q) => rtaTask(ts, q)),
          k,
        ).bound;
      }
      const suggestions =
        verdict !== 'rejected'
          ? []
          : !r.schedulable
            ? suggest(ts, placed, k, r, ctx)
            : [
                `a queueLimit of at least ${queueNeeded} for ${t.name} (now ${limit}): up to ⌈bound / minGap⌉ = ${queueNeeded} of its requests can wait at once`,
              ];
      verdicts[p.tenant] = {
        name: t.name,
        priority: t.priority,
        guaranteed: t.guaranteed,
        lane: l,
        variant: p.variant,
        wcet: taskCost(tasks[k]!),
        maxGranule: maxGranule(tasks[k]!),
        granules: p.costs.length,
        minGap: t.minGap,
        deadline: t.deadline,
        bound: r.bound,
        slack: t.deadline - r.bound,
        verdict,
        blocking: r.blocking,
        blocker: r.blocker >= 0 ? ts[placed[r.blocker]!.tenant]!.name : undefined,
        suggestions,
        budget: best.budgets[l]!,
        boundWithoutBudgets,
        queueNeeded,
      };
    }
  }
  return {
    feasible: best.feasible && verdicts.every((v) => v.verdict !== 'rejected'),
    lanes,
    laneBudgets: best.budgets,
    tenants: verdicts,
    layouts: layouts.map((x) => ({
      laneTiles: x.laneTiles,
      lanes: x.lanes,
      feasible: x.feasible,
      peakUtilization: x.peak,
      budget: budgetOf(x),
    })),
  };
}

function budgetOf(x: Layout): number {
  return Math.min(...x.budgets);
}

/** What would make a rejected tenant fit, in terms a person can act on. */
function suggest(
  ts: readonly AdmissionTenant[],
  placed: readonly Placed[],
  k: number,
  r: ReturnType<typeof analyzeTask>,
  ctx: LaneContext,
): string[] {
  const out: string[] = [];
  const t = ts[placed[k]!.tenant]!;
  const tasks = placed.map((p) => rtaTask(ts, p));
  if (t.minGap === undefined)
    out.push(
      `give ${t.name} a minimum gap between requests (periodic or sporadic arrivals): a guarantee needs a bounded arrival rate`,
    );
  if (Number.isFinite(r.bound))
    out.push(`a deadline of at least ${r.bound} cycles for ${t.name} (now ${t.deadline})`);
  else if (r.reason !== undefined) out.push(r.reason);
  const tol = toleranceIn(tasks.slice(0, k + 1), k, ctx);
  if (r.blocker >= 0 && tol >= 0) {
    const who = ts[placed[r.blocker]!.tenant]!.name;
    out.push(
      `a smaller granule of ${who}: at most ${tol + 1} cycles (its largest is ${maxGranule(tasks[r.blocker]!)}); set its "granule" to ${tol + 1}`,
    );
  }
  const removable = placed
    .slice(0, k)
    .map((p) => p.tenant)
    .filter((h) => {
      const rest = placed.filter((p) => p.tenant !== h).map((p) => rtaTask(ts, p));
      return analyzeIn(rest, k - 1, ctx).schedulable;
    })
    .map((h) => ts[h]!.name);
  if (removable.length > 0)
    out.push(`fewer tenants: without ${removable.join(' or ')} (higher priority, same lane) ${t.name} fits`);
  return out;
}
