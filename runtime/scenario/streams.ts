// Shared request streams (MoCA's evaluation protocol, docs/evaluation.md): `count` streams
// each issue an endless sequence of requests; every request draws one of the stream
// tenants with probability proportional to its weight, and the stream's next request comes
// isolated(previous request's tenant) × loadFactor − U[0, jitter] cycles later (at least 0
// cycles: a stream never goes back in time). The result is one ascending arrival trace per
// tenant, a pure function of the inputs and the generator.
import type { Random } from '../random.ts';

export interface StreamSettings {
  readonly count: number;
  readonly loadFactor: number;
  /** Largest jitter subtracted from a gap, cycles (0: none). */
  readonly jitter: number;
}

export interface StreamTenant {
  /** Index in the scenario's tenant list. */
  readonly tenant: number;
  readonly weight: number;
  /** Isolated latency, cycles. */
  readonly isolatedCycles: number;
}

/**
 * Per stream tenant (same order as `tenants`), its arrival cycles, ascending. Streams stop
 * after `maxPerStream` requests or at the first arrival at or after `endCycle`, whichever
 * comes first (so the `n` earliest arrivals overall are complete when maxPerStream ≥ n).
 * `rngFor(s)` is stream s's generator.
 */
export function streamArrivals(
  tenants: readonly StreamTenant[],
  settings: StreamSettings,
  limit: { readonly maxPerStream: number; readonly endCycle: number },
  rngFor: (stream: number) => Random,
): number[][] {
  const out: number[][] = tenants.map(() => []);
  if (tenants.length === 0) return out;
  const weights = tenants.map((t) => t.weight);
  for (let s = 0; s < settings.count; s++) {
    const rng = rngFor(s);
    let t = 0;
    for (let n = 0; n < limit.maxPerStream && t < limit.endCycle; n++) {
      const k = rng.weighted(weights);
      out[k]!.push(t);
      const jitter = settings.jitter > 0 ? rng.int(0, settings.jitter) : 0;
      t += Math.max(0, Math.round(tenants[k]!.isolatedCycles * settings.loadFactor) - jitter);
    }
  }
  for (const times of out) times.sort((a, b) => a - b);
  return out;
}
