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
import type { GranuleSpec, VariantRequest } from '../scheduler/types.ts';
import { analyzeTask, maxGranule, maxTolerableBlocking, taskCost, type RtaTask } from './rta.ts';

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

/** Worst-case per-step costs of tenant i's model in a variant on a lane (contended: other lanes may run). */
export type CostProvider = (
  tenant: number,
  variant: VariantRequest,
  contended: boolean,
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
}

export interface AdmissionResult {
  readonly feasible: boolean;
  readonly lanes: readonly (readonly number[])[];
  readonly tenants: readonly TenantVerdict[];
  readonly layouts: readonly {
    readonly laneTiles: number;
    readonly lanes: number;
    readonly feasible: boolean;
    readonly peakUtilization: number;
  }[];
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

/** Candidate granules for a lane, coarsest first, plus cycle-bounded ones below `q`. */
function ladder(t: AdmissionTenant, q: number): GranuleSpec[] {
  if (t.granule !== undefined) return [t.granule];
  const out: GranuleSpec[] = [{ kind: 'block', layers: t.layers }];
  for (const n of [8, 4, 2]) if (n < t.layers) out.push({ kind: 'block', layers: n });
  out.push({ kind: 'layer' });
  if (Number.isFinite(q))
    for (const f of [0.8, 0.5, 0.25, 0.1]) out.push({ kind: 'cycles', max: Math.max(1, Math.floor(q * f)) });
  return out;
}

function rtaTask(ts: readonly AdmissionTenant[], p: Placed): RtaTask {
  const t = ts[p.tenant]!;
  return { name: t.name, granules: p.costs, period: t.minGap, deadline: t.deadline };
}

function order(ts: readonly AdmissionTenant[]): number[] {
  return ts.map((_, i) => i).sort((a, b) => ts[b]!.priority - ts[a]!.priority || a - b);
}

/** Chooses granules top-down in one lane; returns the placed tasks (priority order). */
async function sizeLane(
  ts: readonly AdmissionTenant[],
  members: readonly number[],
  laneTiles: number,
  contended: boolean,
  cost: CostProvider,
  estimate: EstimateProvider | undefined,
): Promise<Placed[]> {
  const placed: Placed[] = [];
  for (const [pos, i] of members.entries()) {
    let q = Number.POSITIVE_INFINITY;
    const tasks = placed.map((p) => rtaTask(ts, p));
    placed.forEach((p, k) => {
      if (!ts[p.tenant]!.guaranteed) return;
      q = Math.min(q, maxTolerableBlocking(tasks.slice(0, k + 1), k) + 1);
    });
    // A best-effort tenant below every guaranteed tenant of the lane only blocks others:
    // also keep its granules short against the lane's best-effort deadlines, so urgent
    // requests are not stuck behind a whole model (it interferes with no guarantee, and
    // a granule ≤ q keeps every blocking tolerance above it).
    let beCap = Number.POSITIVE_INFINITY;
    if (!ts[i]!.guaranteed && !members.slice(pos + 1).some((m) => ts[m]!.guaranteed)) {
      for (const m of members)
        if (m !== i && !ts[m]!.guaranteed)
          beCap = Math.min(beCap, Math.floor(BEST_EFFORT_BLOCKING_SHARE * ts[m]!.deadline));
    }
    let chosen: Placed | undefined;
    const candidates = ladder(ts[i]!, Math.min(q, beCap));
    for (const [c, g] of candidates.entries()) {
      const variant = { tiles: laneTiles, granule: g };
      // The best-effort cap is an average-case goal: judged on the compiler's estimate
      // (nothing to compile into DRAM and measure); the guarantee part (q) on measurements.
      if (
        beCap < q &&
        estimate !== undefined &&
        c < candidates.length - 1 &&
        Math.max(...estimate(i, variant)) > beCap
      )
        continue;
      const costs = await cost(i, variant, contended);
      chosen = { tenant: i, variant, costs };
      if (Math.max(...costs) <= Math.min(q, estimate === undefined ? beCap : q)) break;
    }
    placed.push(chosen!);
  }
  return placed;
}

function laneOk(ts: readonly AdmissionTenant[], placed: readonly Placed[]): boolean {
  const tasks = placed.map((p) => rtaTask(ts, p));
  return placed.every((p, k) => !ts[p.tenant]!.guaranteed || analyzeTask(tasks, k).schedulable);
}

function utilization(ts: readonly AdmissionTenant[], placed: readonly Placed[]): number {
  return placed.reduce((s, p) => {
    const gap = ts[p.tenant]!.minGap;
    return (
      s + (gap === undefined ? 0 : taskCost({ name: '', granules: p.costs, period: gap, deadline: 0 }) / gap)
    );
  }, 0);
}

async function tryLayout(
  ts: readonly AdmissionTenant[],
  boardTiles: number,
  laneTiles: number,
  cost: CostProvider,
  estimate: EstimateProvider | undefined,
) {
  const lanes = Math.floor(boardTiles / laneTiles);
  const contended = lanes > 1;
  const members: number[][] = Array.from({ length: lanes }, () => []);
  let sized: Placed[][] = members.map(() => []);
  for (const i of order(ts)) {
    const byLoad = members
      .map((_, l) => l)
      .sort((a, b) => utilization(ts, sized[a]!) - utilization(ts, sized[b]!) || a - b);
    let done = false;
    for (const l of byLoad) {
      const trial = await sizeLane(ts, [...members[l]!, i], laneTiles, contended, cost, estimate);
      if (laneOk(ts, trial)) {
        members[l]!.push(i);
        sized[l] = trial;
        done = true;
        break;
      }
    }
    if (!done) {
      const l = byLoad[0]!;
      members[l]!.push(i);
      sized[l] = await sizeLane(ts, members[l]!, laneTiles, contended, cost, estimate);
    }
  }
  sized = await Promise.all(members.map((m) => sizeLane(ts, m, laneTiles, contended, cost, estimate)));
  const feasible = sized.every((p) => laneOk(ts, p));
  const peak = Math.max(...sized.map((p) => utilization(ts, p)));
  return { laneTiles, lanes, sized, feasible, peak };
}

export async function planAdmission(
  ts: readonly AdmissionTenant[],
  boardTiles: number,
  cost: CostProvider,
  estimate?: EstimateProvider,
): Promise<AdmissionResult> {
  const forced = ts.find((t) => t.tiles !== undefined)?.tiles;
  const sizes: number[] = [];
  for (let n = boardTiles; n >= 1; n = Math.floor(n / 2))
    if (boardTiles % n === 0 && (forced === undefined || n === forced)) sizes.push(n);
  if (sizes.length === 0) sizes.push(Math.min(boardTiles, forced ?? boardTiles));
  const layouts = [];
  for (const n of sizes) layouts.push(await tryLayout(ts, boardTiles, n, cost, estimate));
  const ranked = [...layouts].sort(
    (a, b) => Number(b.feasible) - Number(a.feasible) || a.peak - b.peak || a.lanes - b.lanes,
  );
  // Pooling: fewer, wider lanes share one queue (one busy lane never idles while another
  // is overloaded), so among layouts as feasible as the best, the one with the fewest
  // lanes whose peak utilization is within POOLING_MARGIN of the lowest wins.
  const best = ranked
    .filter((x) => x.feasible === ranked[0]!.feasible && x.peak <= ranked[0]!.peak * POOLING_MARGIN)
    .sort((a, b) => a.lanes - b.lanes)[0]!;
  const lanes = Array.from({ length: best.lanes }, (_, l) =>
    Array.from({ length: best.laneTiles }, (_, k) => l * best.laneTiles + k),
  );
  const verdicts = new Array<TenantVerdict>(ts.length);
  best.sized.forEach((placed, l) => {
    const tasks = placed.map((p) => rtaTask(ts, p));
    placed.forEach((p, k) => {
      const t = ts[p.tenant]!;
      const r = analyzeTask(tasks, k);
      const verdict = !t.guaranteed ? 'best-effort' : r.schedulable ? 'guaranteed' : 'rejected';
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
        suggestions: verdict === 'rejected' ? suggest(ts, placed, k, r) : [],
      };
    });
  });
  return {
    feasible: best.feasible,
    lanes,
    tenants: verdicts,
    layouts: layouts.map((x) => ({
      laneTiles: x.laneTiles,
      lanes: x.lanes,
      feasible: x.feasible,
      peakUtilization: x.peak,
    })),
  };
}

/** What would make a rejected tenant fit, in terms a person can act on. */
function suggest(
  ts: readonly AdmissionTenant[],
  placed: readonly Placed[],
  k: number,
  r: ReturnType<typeof analyzeTask>,
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
  const tol = maxTolerableBlocking(tasks.slice(0, k + 1), k);
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
      return analyzeTask(rest, k - 1).schedulable;
    })
    .map((h) => ts[h]!.name);
  if (removable.length > 0)
    out.push(`fewer tenants: without ${removable.join(' or ')} (higher priority, same lane) ${t.name} fits`);
  return out;
}
