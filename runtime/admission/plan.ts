// Admission and the cotenant plan: lanes (tile groups), each tenant's lane and granule,
// and the response-time verdict of every tenant.
//
// For every lane layout (one lane of all tiles, two halves, …, single tiles) tenants are
// placed highest priority first, each into the least-loaded lane where every guaranteed
// tenant still passes; within a lane each takes the coarsest granule every guaranteed
// tenant above it tolerates as blocking (lanes.ts). Costs come from a CostProvider (board
// measurements: runtime/executor/probe.ts). Among the feasible layouts, the fewest lanes
// within POOLING_MARGIN of the lowest peak lane utilization wins.
//
// Memory budgets (docs/scheduler.md, "Memory budgets"): when no mixed placement passes, a
// layout may instead keep guaranteed tenants in the first lanes and best-effort tenants in
// the others, whose tiles the board then throttles to a fixed DRAM budget. The guaranteed
// lanes' costs are measured with those tiles' traffic generators saturating, but running
// through their throttle engines set to the budget, plus the engine's burst allowance; the
// loosest budget of the ladder that makes every guaranteed tenant pass is chosen
// (best-effort lanes keep the most bandwidth).
import { analyzeTask, maxGranule, taskCost } from './rta.ts';
import { throughputAdmission } from './throughput.ts';
import {
  analyzeIn,
  rtaTask,
  sizeLane,
  toleranceIn,
  tryBudgeted,
  tryLayout,
  type LaneContext,
  type Layout,
  type Placed,
} from './lanes.ts';
import {
  POOLING_MARGIN,
  type AdmissionOptions,
  type AdmissionResult,
  type AdmissionTenant,
  type CostProvider,
  type EstimateProvider,
  type TenantVerdict,
} from './types.ts';

export * from './types.ts';

/** Default per-tile budget ladder, loosest first: the fair share of DRAM and halvings. */
export function budgetLadder(dramBytesPerCycle: number, boardTiles: number): number[] {
  const fair = dramBytesPerCycle / boardTiles;
  return [fair, fair / 2, fair / 4, fair / 8];
}

export async function planAdmission(
  ts: readonly AdmissionTenant[],
  boardTiles: number,
  measured: CostProvider,
  estimate?: EstimateProvider,
  opts: AdmissionOptions = {},
): Promise<AdmissionResult> {
  // No guarantee to keep and deadlines far off: plan for throughput (throughput.ts).
  const forThroughput = await throughputAdmission(ts, boardTiles, estimate, opts);
  if (forThroughput !== undefined) return forThroughput;
  const floor = opts.granuleFloor ?? 0;
  const cost: CostProvider =
    floor > 0 ? async (i, v, c) => (await measured(i, v, c)).map((q) => Math.max(q, floor)) : measured;
  const forced = ts.find((t) => t.tiles !== undefined)?.tiles;
  const sizes: number[] = [];
  for (let n = boardTiles; n >= 1; n = Math.floor(n / 2))
    if (
      boardTiles % n === 0 &&
      (forced === undefined || n === forced) &&
      (opts.contended !== false || n === boardTiles)
    )
      sizes.push(n);
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
    // peaks may be unbounded (a best-effort tenant without a minimum gap): equal infinities tie
    (a, b) =>
      Number(b.feasible) - Number(a.feasible) ||
      (a.peak === b.peak ? 0 : a.peak - b.peak) ||
      a.lanes - b.lanes,
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
    // The same lane sized against saturating co-runners, for the "bound without budgets"
    // column (once per lane of a budgeted plan that holds a guaranteed tenant).
    const plainTasks =
      budgeted && placed.some((p) => ts[p.tenant]!.guaranteed)
        ? (
            await sizeLane(
              ts,
              placed.map((q) => q.tenant),
              best.laneTiles,
              {
                contention: { others: boardTiles - best.laneTiles, budgeted: 0, budget: Infinity },
                extraBlocking: 0,
              },
              cost,
              estimate,
            )
          ).map((q) => rtaTask(ts, q))
        : undefined;
    for (const [k, p] of placed.entries()) {
      const t = ts[p.tenant]!;
      const r = analyzeIn(tasks, k, ctx);
      const queueNeeded =
        t.minGap === undefined || !Number.isFinite(r.bound) ? 1 : Math.max(1, Math.ceil(r.bound / t.minGap));
      const limit = opts.queueLimits?.[p.tenant];
      const queueOk = limit === undefined || queueNeeded <= limit;
      const verdict = !t.guaranteed ? 'best-effort' : r.schedulable && queueOk ? 'guaranteed' : 'rejected';
      const boundWithoutBudgets =
        plainTasks !== undefined && t.guaranteed ? analyzeTask(plainTasks, k).bound : undefined;
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
  if ((t.jitter ?? 0) > 0)
    out.push(
      `a faster host→board link: the bound counts ${t.jitter} cycles of link jitter for ${t.name} (measured by \`cotenant hello\` or set with --link-jitter), and every granule as at least that long`,
    );
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
