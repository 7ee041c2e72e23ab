// Throughput mode of the cotenant planner (GACER's idea — Granularity-Aware ConcurrEncy
// Regulation, Yu et al., MLSys 2023: pick each tenant's granularity and the spatial
// partition of the accelerator together, for throughput, from profiles — mapped to tiles).
//
// Used when nothing needs a deadline analysis: no tenant is guaranteed and every deadline
// is far above the response the plan predicts (THROUGHPUT_DEADLINE_MARGIN), so deadlines
// cannot be what limits the mix. The plan then only has to keep the board busy:
// - each tenant's model is profiled alone on k = 1..T tiles (measured cycles and measured
//   DRAM bytes) in layer and whole-model granules; the layer granule is kept unless the
//   whole model is at least TRIAL_MIN_GAIN faster;
// - every split of the tenants into lanes × every split of up to T tiles over those lanes
//   (tiles may stay idle) is scored (exhaustively, up to MAX_THROUGHPUT_TENANTS tenants) by
//   a model of a closed loop at full load: a lane serves its tenants one request each in
//   turn, so each gets one request per round T_l = Σ C_j(k_l); the lanes together ask
//   D = Σ_l (Σ_j bytes_j(k_l)) / T_l bytes per cycle of DRAM, and when D exceeds the
//   board's bandwidth every lane is slowed by D / bandwidth. Tenant i's progress =
//   C_i(T) / R_i (R_i: predicted time per request): work per cycle in units of "one request
//   on the whole board", so a light model's requests are not worth more than a heavy one's;
// - rule: among the layouts whose least progress is within FAIRNESS_SLACK of the best least
//   progress, the most total progress (ties: fewer lanes, then enumeration order);
// - the model is approximate: with a TrialProvider, its best TRIAL_CANDIDATES layouts, its
//   TRIAL_CANDIDATES fairest and the plain equal split run on the board in a short closed
//   loop and the same rule picks among the measured rates (GACER's profile-guided search,
//   here at the level of whole layouts); then each tenant's other granule is tried in the
//   chosen layout, one tenant at a time, kept when the rule prefers the measured result by
//   TRIAL_MIN_GAIN (a granule fastest alone need not be fastest next to co-runners).
import type { GranuleSpec, VariantRequest } from '../scheduler/types.ts';
import { naiveShares } from '../scheduler/naive.ts';
import type {
  AdmissionOptions,
  AdmissionResult,
  AdmissionTenant,
  EstimateProvider,
  TenantVerdict,
} from './types.ts';

/** Plans with more tenants than this are not searched (the split count grows as Bell(n)). */
export const MAX_THROUGHPUT_TENANTS = 6;
/** A layout may give any tenant this share less progress than the fairest layout would
 *  guarantee it, for more work per cycle in total. */
export const FAIRNESS_SLACK = 0.1;
/** Deadlines must exceed the predicted response by this factor for the throughput plan. */
export const THROUGHPUT_DEADLINE_MARGIN = 10;

/** One measured run of a tenant's model alone on a lane. */
export interface Profile {
  readonly cycles: number;
  /** DRAM bytes read + written (the board's counters). */
  readonly dramBytes: number;
  /** Steps of the variant and the longest one's cycles. */
  readonly steps: number;
  readonly maxStep: number;
}

export type ProfileProvider = (tenant: number, variant: VariantRequest) => Promise<Profile>;

export interface Layout {
  readonly lanes: readonly (readonly number[])[];
  readonly assignment: readonly { readonly lane: number; readonly variant: VariantRequest }[];
}

/** A short closed loop of `layout` on the board, tenant i making requests[i] requests:
 *  per tenant, completed requests per cycle over the full-load window (metrics/window.ts). */
export type TrialProvider = (layout: Layout, requests: readonly number[]) => Promise<readonly number[]>;

/** Layouts the model ranks highest that are tried on the board (when trials are possible). */
export const TRIAL_CANDIDATES = 4;
/** A granule change found in trial runs is kept only if it gains at least this share of
 *  the measured total (short trials do not resolve smaller differences). */
export const TRIAL_MIN_GAIN = 0.01;
/** A trial lasts about this many requests of its slowest tenant. */
export const TRIAL_ROUNDS = 6;

export interface ThroughputPlan extends Layout {
  /** Predicted time per request at full load (cycles), per tenant. */
  readonly response: readonly number[];
  /** Predicted work rate over the sequential one (one request at a time on all tiles,
   *  which scores 1): Σ_i C_i(T) / R_i. */
  readonly predictedSpeedup: number;
  /** Per tenant: measured cycles alone on all tiles (the sequential request time). */
  readonly wholeBoardCycles: readonly number[];
  /** With trials: the chosen layout's measured Σ_i C_i(T) × rate_i, and the trial runs made. */
  readonly measuredSpeedup?: number;
  readonly tried?: number;
}

/** Candidate granules, coarsest first: the whole model, layers. */
export function throughputGranules(t: { readonly layers: number }): GranuleSpec[] {
  return [{ kind: 'block', layers: t.layers }, { kind: 'layer' }];
}

/** All ways to split items 0..n-1 into non-empty groups (restricted growth strings). */
export function setPartitions(n: number): number[][][] {
  const out: number[][][] = [];
  const assign = new Array<number>(n).fill(0);
  const rec = (i: number, groups: number): void => {
    if (i === n) {
      const g: number[][] = Array.from({ length: groups }, () => []);
      assign.forEach((a, k) => g[a]!.push(k));
      out.push(g);
      return;
    }
    for (let a = 0; a <= groups; a++) {
      assign[i] = a;
      rec(i + 1, Math.max(groups, a + 1));
    }
  };
  if (n > 0) rec(0, 0);
  return out;
}

/** All ordered ways to write `total` as `parts` positive integers. */
export function compositions(total: number, parts: number): number[][] {
  if (parts === 1) return total >= 1 ? [[total]] : [];
  const out: number[][] = [];
  for (let first = 1; first <= total - (parts - 1); first++)
    for (const rest of compositions(total - first, parts - 1)) out.push([first, ...rest]);
  return out;
}

interface Best {
  readonly variant: VariantRequest;
  readonly p: Profile;
}

/** Predicted score and per-tenant response of one layout (see the file comment). */
export function scoreLayout(
  groups: readonly (readonly number[])[],
  sizes: readonly number[],
  profile: (tenant: number, tiles: number) => Profile,
  wholeBoard: readonly number[],
  dramBytesPerCycle: number,
): { least: number; total: number; response: number[] } {
  const round = groups.map((g, l) => g.reduce((s, i) => s + profile(i, sizes[l]!).cycles, 0));
  let demand = 0;
  groups.forEach((g, l) => {
    demand += g.reduce((s, i) => s + profile(i, sizes[l]!).dramBytes, 0) / round[l]!;
  });
  const stretch = Math.max(1, demand / dramBytesPerCycle);
  const response: number[] = new Array<number>(wholeBoard.length).fill(0);
  let least = Number.POSITIVE_INFINITY;
  let total = 0;
  groups.forEach((g, l) => {
    for (const i of g) {
      response[i] = round[l]! * stretch;
      const progress = wholeBoard[i]! / response[i];
      least = Math.min(least, progress);
      total += progress;
    }
  });
  return { least, total, response };
}

export async function planThroughput(
  ts: readonly { readonly layers: number }[],
  boardTiles: number,
  measure: ProfileProvider,
  dramBytesPerCycle: number,
  trial?: TrialProvider,
): Promise<ThroughputPlan> {
  const n = ts.length;
  // Per tenant and tile count: the faster granule's profile.
  const best: Best[][] = [];
  for (let i = 0; i < n; i++) {
    const row: Best[] = [];
    for (let k = 1; k <= boardTiles; k++) {
      let b: Best | undefined;
      // Finest first; a coarser granule replaces it only when clearly faster (by
      // TRIAL_MIN_GAIN): a finer one keeps the lane switchable at no measurable cost.
      for (const granule of [...throughputGranules(ts[i]!)].reverse()) {
        const variant = { tiles: k, granule };
        const p = await measure(i, variant);
        if (b === undefined || p.cycles * (1 + TRIAL_MIN_GAIN) < b.p.cycles) b = { variant, p };
      }
      row.push(b!);
    }
    best.push(row);
  }
  const prof = (i: number, k: number) => best[i]![k - 1]!.p;
  const wholeBoard = best.map((r) => r[boardTiles - 1]!.p.cycles);
  const all: Scored[] = [];
  for (const groups of setPartitions(n)) {
    if (groups.length > boardTiles) continue;
    // Lanes may leave tiles idle: where a model's DRAM traffic grows with its tile count,
    // fewer busy tiles can finish more work.
    for (let used = groups.length; used <= boardTiles; used++)
      for (const sizes of compositions(used, groups.length))
        all.push({ groups, sizes, ...scoreLayout(groups, sizes, prof, wholeBoard, dramBytesPerCycle) });
  }
  // The most work per cycle among the layouts that keep every tenant's progress within
  // FAIRNESS_SLACK of the best guaranteed minimum (ties: fewer lanes, then enumeration order).
  const ranked = pickOrder(all);
  const layoutOf = (x: Scored): Layout => {
    let next = 0;
    const lanes = x.sizes.map((k) => Array.from({ length: k }, () => next++));
    const assignment = new Array<{ lane: number; variant: VariantRequest }>(n);
    x.groups.forEach((g, l) => {
      for (const i of g) assignment[i] = { lane: l, variant: best[i]![x.sizes[l]! - 1]!.variant };
    });
    return { lanes, assignment };
  };
  if (trial === undefined) {
    const c = ranked[0]!;
    return { ...layoutOf(c), response: c.response, predictedSpeedup: c.total, wholeBoardCycles: wholeBoard };
  }
  // Profile-guided: the model's best few (judged with twice the slack, the model being
  // approximate) and its fairest few run on the board, and the same rule picks among the
  // measured figures.
  const candidates = pickOrder(all, 2 * FAIRNESS_SLACK).slice(0, TRIAL_CANDIDATES);
  const fairest = [...all].sort((a, b) => b.least - a.least || b.total - a.total).slice(0, TRIAL_CANDIDATES);
  // And the plain equal split (every tenant its own lane, naive concurrency's shares): the
  // model may misjudge it, and a plan should never lose to the obvious one.
  const shares = naiveShares(boardTiles, n);
  const equal = all.find(
    (x) => x.groups.length === n && x.sizes.length === n && x.sizes.every((k, l) => k === shares[l]),
  );
  for (const f of [...fairest, ...(equal !== undefined && n <= boardTiles ? [equal] : [])])
    if (!candidates.includes(f)) candidates.push(f);
  // Request counts come from the model's responses (`basis`): about TRIAL_ROUNDS requests
  // of the slowest tenant, the others the same time.
  const runTrial = async (layout: Layout, c: Scored, basis: Scored = c): Promise<Scored> => {
    const slowest = Math.max(...basis.response);
    const requests = basis.response.map((r) => Math.max(2, Math.ceil((TRIAL_ROUNDS * slowest) / r)));
    const rates = await trial(layout, requests);
    const progress = rates.map((x, i) => x * wholeBoard[i]!);
    return {
      ...c,
      least: Math.min(...progress),
      total: progress.reduce((a, b) => a + b, 0),
      response: rates.map((x) => (x > 0 ? 1 / x : Number.POSITIVE_INFINITY)),
    };
  };
  const measured: Scored[] = [];
  for (const c of candidates) measured.push(await runTrial(layoutOf(c), c));
  const m = pickOrder(measured)[0]!;
  const predicted = candidates[measured.indexOf(m)]!;
  // Granularity under contention: the granule each tenant got from its isolated profile is
  // re-tried, one tenant at a time, with its other candidates in the chosen layout; a
  // change stays when the same rule prefers the measured result.
  let layout = layoutOf(m);
  let cur: Scored = m;
  let tried = measured.length;
  for (let i = 0; i < n; i++) {
    const now = layout.assignment[i]!.variant;
    for (const granule of throughputGranules(ts[i]!)) {
      if (JSON.stringify(granule) === JSON.stringify(now.granule)) continue;
      const assignment = layout.assignment.map((a, j) =>
        j === i ? { lane: a.lane, variant: { tiles: now.tiles, granule } } : a,
      );
      const alt = await runTrial({ lanes: layout.lanes, assignment }, cur, predicted);
      tried++;
      if (alt.total > cur.total * (1 + TRIAL_MIN_GAIN) && pickOrder([cur, alt])[0] === alt) {
        cur = alt;
        layout = { lanes: layout.lanes, assignment };
      }
    }
  }
  return {
    ...layout,
    response: cur.response,
    predictedSpeedup: predicted.total,
    measuredSpeedup: cur.total,
    tried,
    wholeBoardCycles: wholeBoard,
  };
}

interface Scored {
  readonly groups: number[][];
  readonly sizes: number[];
  readonly least: number;
  readonly total: number;
  readonly response: number[];
}

/** Layouts whose least progress is within FAIRNESS_SLACK of the best, most total progress
 *  first (ties: fewer lanes, then the given order). */
function pickOrder(xs: readonly Scored[], slack = FAIRNESS_SLACK): Scored[] {
  const bestLeast = Math.max(...xs.map((x) => x.least));
  return xs
    .map((x, k) => ({ x, k }))
    .filter(({ x }) => x.least >= (1 - slack) * bestLeast)
    .sort(
      (a, b) =>
        (Math.abs(a.x.total - b.x.total) <= 1e-9 * Math.max(a.x.total, b.x.total)
          ? 0
          : b.x.total - a.x.total) ||
        a.x.groups.length - b.x.groups.length ||
        a.k - b.k,
    )
    .map(({ x }) => x);
}

/**
 * The throughput plan as an admission result, or undefined when it does not apply: a
 * guaranteed tenant, a scenario override of tiles or granule, more than
 * MAX_THROUGHPUT_TENANTS tenants, no profiles, or a deadline below
 * THROUGHPUT_DEADLINE_MARGIN × the predicted response (checked first against the
 * compiler's whole-board estimate, so deadline-driven mixes are not profiled at all).
 */
export async function throughputAdmission(
  ts: readonly AdmissionTenant[],
  boardTiles: number,
  estimate: EstimateProvider | undefined,
  opts: AdmissionOptions,
): Promise<AdmissionResult | undefined> {
  const tp = opts.throughput;
  if (
    tp === undefined ||
    opts.contended === false ||
    ts.length > MAX_THROUGHPUT_TENANTS ||
    ts.some((t) => t.guaranteed || t.tiles !== undefined || t.granule !== undefined)
  )
    return undefined;
  const loose = (i: number, cycles: number) => ts[i]!.deadline >= THROUGHPUT_DEADLINE_MARGIN * cycles;
  if (estimate !== undefined) {
    const whole = ts.map((_, i) =>
      estimate(i, { tiles: boardTiles, granule: { kind: 'layer' } }).reduce((a, b) => a + b, 0),
    );
    if (!whole.every((c, i) => loose(i, c))) return undefined;
  }
  const plan = await planThroughput(ts, boardTiles, tp.profile, tp.dramBytesPerCycle, tp.trial);
  if (!plan.response.every((r, i) => loose(i, r))) return undefined;
  const verdicts: TenantVerdict[] = [];
  for (const [i, t] of ts.entries()) {
    const a = plan.assignment[i]!;
    const p = await tp.profile(i, a.variant);
    const response = Math.ceil(plan.response[i]!);
    verdicts.push({
      name: t.name,
      priority: t.priority,
      guaranteed: false,
      lane: a.lane,
      variant: a.variant,
      wcet: p.cycles,
      maxGranule: p.maxStep,
      granules: p.steps,
      minGap: t.minGap,
      deadline: t.deadline,
      bound: response,
      slack: t.deadline - response,
      verdict: 'best-effort',
      blocking: 0,
      blocker: undefined,
      suggestions: [],
      budget: Number.POSITIVE_INFINITY,
      boundWithoutBudgets: undefined,
      queueNeeded: 1,
    });
  }
  return {
    feasible: true,
    lanes: plan.lanes,
    laneBudgets: plan.lanes.map(() => Number.POSITIVE_INFINITY),
    tenants: verdicts,
    mode: 'throughput',
    predictedSpeedup: plan.predictedSpeedup,
    ...(plan.measuredSpeedup !== undefined
      ? { measuredSpeedup: plan.measuredSpeedup, layoutsTried: plan.tried }
      : {}),
    layouts: [],
  };
}
