// Run metrics, as docs/scenario.md defines them (Eyerman & Eeckhout; MoCA; PREMA):
//   NP_i = T_single / T_multi, STP = Σ NP_i, ANTT = mean(T_multi / T_single),
//   fairness = min_{i,j} PP_i / PP_j with PP_i = NP_i / (w_i / Σ w), w = priority + 1,
//   SLA rate = share of requests finished (arrival → finish, queueing included) in time.
// T_multi of a tenant is the mean latency of its completed requests (late ones included).

export type Outcome = 'completed' | 'missed' | 'dropped' | 'rejected';

export interface RequestRecord {
  readonly id: number;
  readonly tenant: number;
  readonly arrival: number;
  readonly deadline: number;
  readonly outcome: Outcome;
  /** Cycle the request ended (finish, drop or rejection). */
  readonly end: number;
}

export interface TenantInfo {
  readonly name: string;
  readonly priority: number;
  /** Isolated latency, cycles (the reference for NP). */
  readonly isolatedCycles: number;
}

export interface TenantMetrics {
  readonly name: string;
  readonly priority: number;
  readonly requests: number;
  readonly completed: number;
  readonly missed: number;
  readonly dropped: number;
  readonly rejected: number;
  readonly slaRate: number;
  readonly p50: number;
  readonly p99: number;
  readonly meanLatency: number;
  readonly np: number;
}

export interface OverallMetrics {
  readonly requests: number;
  readonly slaRate: number;
  readonly stp: number;
  readonly antt: number;
  readonly fairness: number;
  readonly tileUtilization: number;
  readonly dramUtilization: number;
  readonly cycles: number;
}

/** Nearest-rank percentile (p in (0, 100]) of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function tenantMetrics(
  records: readonly RequestRecord[],
  tenants: readonly TenantInfo[],
): TenantMetrics[] {
  return tenants.map((t, i) => {
    const mine = records.filter((r) => r.tenant === i);
    const count = (o: Outcome) => mine.filter((r) => r.outcome === o).length;
    const finished = mine.filter((r) => r.outcome === 'completed' || r.outcome === 'missed');
    const lat = finished.map((r) => r.end - r.arrival).sort((a, b) => a - b);
    const mean = lat.length === 0 ? Number.NaN : lat.reduce((s, x) => s + x, 0) / lat.length;
    const completed = count('completed');
    return {
      name: t.name,
      priority: t.priority,
      requests: mine.length,
      completed,
      missed: count('missed'),
      dropped: count('dropped'),
      rejected: count('rejected'),
      slaRate: mine.length === 0 ? 1 : completed / mine.length,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      meanLatency: mean,
      // A tenant that finished nothing made no progress.
      np: Number.isNaN(mean) ? 0 : t.isolatedCycles / mean,
    };
  });
}

/** STP, ANTT and fairness over the tenants that had requests. */
export function systemMetrics(per: readonly TenantMetrics[]): {
  stp: number;
  antt: number;
  fairness: number;
} {
  const active = per.filter((t) => t.requests > 0);
  const stp = active.reduce((s, t) => s + t.np, 0);
  const antt =
    active.length === 0
      ? Number.NaN
      : active.reduce((s, t) => s + (t.np > 0 ? 1 / t.np : Number.POSITIVE_INFINITY), 0) / active.length;
  const wsum = active.reduce((s, t) => s + t.priority + 1, 0);
  const pp = active.map((t) => t.np / ((t.priority + 1) / wsum));
  let fairness = active.length === 0 ? Number.NaN : 1;
  if (pp.length > 1) {
    const max = Math.max(...pp);
    fairness = max === 0 ? 0 : Math.min(...pp) / max;
  }
  return { stp, antt, fairness };
}

export function overallMetrics(
  records: readonly RequestRecord[],
  per: readonly TenantMetrics[],
  usage: {
    cycles: number;
    tileBusyCycles: number;
    tiles: number;
    dramBytes: number;
    dramBytesPerCycle: number;
  },
): OverallMetrics {
  const completed = records.filter((r) => r.outcome === 'completed').length;
  const { stp, antt, fairness } = systemMetrics(per);
  const span = Math.max(1, usage.cycles);
  return {
    requests: records.length,
    slaRate: records.length === 0 ? 1 : completed / records.length,
    stp,
    antt,
    fairness,
    tileUtilization: usage.tileBusyCycles / (usage.tiles * span),
    dramUtilization: usage.dramBytes / (usage.dramBytesPerCycle * span),
    cycles: usage.cycles,
  };
}
