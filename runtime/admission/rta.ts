// Limited-preemption fixed-priority response-time analysis (docs/scheduler.md; Bril, Lukkien &
// Verhaegh 2009; Yao, Buttazzo & Bertogna for blocking tolerance). One "processor" = one
// lane of tiles that runs one granule at a time. All quantities are whole board cycles.
//
// Tasks are given highest priority first (index 0). Every task's work is a fixed
// sequence of non-preemptive granules; C = their sum. A task with no minimum
// inter-arrival time (Poisson) interferes without bound with everything below it.
//
// Release jitter J (Tindell's formulation; docs/scheduler.md, "The link"): a request reaches
// the host at its arrival, but the board can act on it only up to J cycles later (the
// host→board path). Arrivals a minimum gap T apart then become releases as little as T − J
// apart (⌈(t + J_h)/T_h⌉ of them in a window t), and a response counts from the arrival, so
// the bound includes J_i itself.

export interface RtaTask {
  readonly name: string;
  /** Worst-case cost of each granule of one job, in order. */
  readonly granules: readonly number[];
  /** Minimum inter-arrival time; undefined = no bound. */
  readonly period: number | undefined;
  readonly deadline: number;
  /** Release jitter, cycles (default 0): the most a request's release can lag its arrival. */
  readonly jitter?: number;
}

export interface RtaResult {
  /** Worst-case response time bound (Infinity when no bound exists). */
  readonly bound: number;
  readonly blocking: number;
  /** Index of the lower-priority task whose granule sets the blocking (-1: none). */
  readonly blocker: number;
  /** Length of the level-i busy period and the number of jobs checked in it. */
  readonly busyPeriod: number;
  readonly jobsChecked: number;
  /** Which job of the busy period gives the bound (1-based). */
  readonly worstJob: number;
  readonly schedulable: boolean;
  /** Why there is no finite bound, when there is none. */
  readonly reason?: string;
}

/** Busy periods longer than this are treated as unbounded (the analysis would not terminate usefully). */
const HORIZON_CYCLES = 2 ** 50;

export function taskCost(t: RtaTask): number {
  let c = 0;
  for (const q of t.granules) c += q;
  return c;
}

export function maxGranule(t: RtaTask): number {
  let m = 0;
  for (const q of t.granules) if (q > m) m = q;
  return m;
}

/** B_i = max over lower-priority j of (q_j^max − 1): a lower granule that started one cycle
 *  before the request arrived. */
export function blockingOf(tasks: readonly RtaTask[], i: number): { blocking: number; blocker: number } {
  let blocking = 0;
  let blocker = -1;
  for (let j = i + 1; j < tasks.length; j++) {
    const b = Math.max(0, maxGranule(tasks[j]!) - 1);
    if (b > blocking) {
      blocking = b;
      blocker = j;
    }
  }
  return { blocking, blocker };
}

/** Response-time bound of task i with a given blocking term. */
export function responseTime(
  tasks: readonly RtaTask[],
  i: number,
  blocking: number,
): Omit<RtaResult, 'blocker'> {
  const ti = tasks[i]!;
  const ci = taskCost(ti);
  const last = ti.granules[ti.granules.length - 1] ?? 0;
  const unbounded = (reason: string) => ({
    bound: Number.POSITIVE_INFINITY,
    blocking,
    busyPeriod: Number.POSITIVE_INFINITY,
    jobsChecked: 0,
    worstJob: 0,
    schedulable: false,
    reason,
  });
  let util = 0;
  for (let h = 0; h <= i; h++) {
    const th = tasks[h]!;
    if (th.period === undefined) {
      if (h < i)
        return unbounded(
          `higher-priority ${th.name} has no minimum gap between requests (Poisson), so its interference has no bound`,
        );
      // Own arrivals without a minimum gap: any number of its requests can queue behind
      // each other, so no response bound holds for its later requests.
      return unbounded(
        `${th.name} has no minimum gap between requests (Poisson arrivals), so its own requests can pile up without bound; a guarantee needs periodic or sporadic arrivals with a minGap`,
      );
    }
    util += taskCost(th) / th.period;
  }
  if (util >= 1)
    return unbounded(
      `utilization of ${ti.name} and everything above it is ${(util * 100).toFixed(1)}% ≥ 100%`,
    );
  // From here every task h ≤ i has a minimum gap (the loop above returned otherwise).
  const period = (h: number): number => tasks[h]!.period!;
  const jitter = (h: number): number => tasks[h]!.jitter ?? 0;

  // Level-i busy period: L = B + Σ_{h≤i} ⌈(L + J_h)/T_h⌉ C_h.
  let L = blocking + ci;
  for (let h = 0; h < i; h++) L += taskCost(tasks[h]!);
  for (;;) {
    let next = blocking;
    for (let h = 0; h <= i; h++) next += Math.ceil((L + jitter(h)) / period(h)) * taskCost(tasks[h]!);
    if (next === L) break;
    if (next > HORIZON_CYCLES) return unbounded(`the level busy period of ${ti.name} does not end`);
    L = next;
  }
  const jobs = Math.max(1, Math.ceil((L + jitter(i)) / period(i)));
  let bound = 0;
  let worstJob = 1;
  for (let k = 1; k <= jobs; k++) {
    // Start of the last granule of job k (from the busy period's start):
    // s = B + k·C_i − q_last + Σ_{h<i} (⌊(s + J_h)/T_h⌋ + 1) C_h.
    let s = blocking + k * ci - last;
    for (let h = 0; h < i; h++) s += taskCost(tasks[h]!);
    for (;;) {
      let next = blocking + k * ci - last;
      for (let h = 0; h < i; h++) next += (Math.floor((s + jitter(h)) / period(h)) + 1) * taskCost(tasks[h]!);
      if (next === s) break;
      if (next > HORIZON_CYCLES) return unbounded(`job ${k} of ${ti.name} never starts its last granule`);
      s = next;
    }
    // Job k is released (k−1)·T_i − J_i after the busy period starts, at the earliest, and
    // arrived up to J_i before its release.
    const r = s + last - (k - 1) * period(i) + jitter(i);
    if (r > bound) {
      bound = r;
      worstJob = k;
    }
  }
  return { bound, blocking, busyPeriod: L, jobsChecked: jobs, worstJob, schedulable: bound <= ti.deadline };
}

export function analyzeTask(tasks: readonly RtaTask[], i: number): RtaResult {
  const { blocking, blocker } = blockingOf(tasks, i);
  return { ...responseTime(tasks, i, blocking), blocker };
}

/**
 * Blocking tolerance β_k: the most cycles of lower-priority blocking task k can absorb and
 * still meet its deadline (first job, D ≤ T), max over scheduling points t ≤ D_k of
 * t − Σ_{h≤k} ⌈t/T_h⌉ C_h. Used to size lower tenants' granules (Q_i = min_{k<i} β_k);
 * the full analysis above then confirms the choice. Negative = infeasible even unblocked.
 */
export function blockingTolerance(tasks: readonly RtaTask[], k: number): number {
  const tk = tasks[k]!;
  for (let h = 0; h < k; h++) if (tasks[h]!.period === undefined) return Number.NEGATIVE_INFINITY;
  // With release jitter: the window from release to deadline is D − J_k, and the h-th
  // task's releases in a window t are ⌈(t + J_h)/T_h⌉.
  const window = tk.deadline - (tk.jitter ?? 0);
  if (window <= 0) return Number.NEGATIVE_INFINITY;
  const points = new Set<number>([window]);
  for (let h = 0; h < k; h++) {
    const p = tasks[h]!.period!;
    const j = tasks[h]!.jitter ?? 0;
    for (let t = p - j; t < window && points.size < 100_000; t += p) if (t > 0) points.add(t);
  }
  let best = Number.NEGATIVE_INFINITY;
  for (const t of points) {
    let demand = taskCost(tk);
    for (let h = 0; h < k; h++)
      demand += Math.ceil((t + (tasks[h]!.jitter ?? 0)) / tasks[h]!.period!) * taskCost(tasks[h]!);
    if (t - demand > best) best = t - demand;
  }
  return best;
}

/**
 * The largest blocking task i can take and still pass the full analysis (binary search
 * on B; the bound is monotone in B), searched up to `upTo` (a caller that only needs to
 * know whether some granule fits bounds the search, and with it the busy periods the
 * analysis walks). -1 when even B = 0 fails.
 */
export function maxTolerableBlocking(tasks: readonly RtaTask[], i: number, upTo?: number): number {
  const ti = tasks[i]!;
  if (!responseTime(tasks, i, 0).schedulable) return -1;
  let lo = 0;
  // Deadlines beyond the analysis horizon (e.g. "1e30ms") would make the search loop on
  // floats that no longer change; no blocking above the horizon matters.
  let hi = Math.min(ti.deadline, HORIZON_CYCLES, upTo ?? HORIZON_CYCLES);
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (responseTime(tasks, i, mid).schedulable) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
