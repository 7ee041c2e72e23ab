// Request arrival streams, one per tenant, in board cycles, from a seeded generator.
// A run ends after a total number of requests (the earliest ones across all tenants) or
// at a board time. Ties at the same cycle are ordered by tenant index, so the merged
// stream is a pure function of (patterns, run, seed).
import { ConfigError } from '../../boards/errors.ts';
import type { Random } from '../random.ts';

export type ArrivalPattern =
  | { readonly kind: 'periodic'; readonly period: number; readonly offset: number }
  /** Gap uniform in [minGap, maxGap]; maxGap = minGap gives bursts at the minimum gap. */
  | { readonly kind: 'sporadic'; readonly minGap: number; readonly maxGap: number; readonly offset: number }
  | { readonly kind: 'poisson'; readonly meanGap: number; readonly offset: number }
  /** Absolute arrival cycles, ascending. */
  | { readonly kind: 'trace'; readonly times: readonly number[] };

export type RunLength = { readonly requests: number } | { readonly cycles: number };

export interface Arrival {
  /** Request id: position in the merged stream. */
  readonly id: number;
  readonly tenant: number;
  /** Per-tenant sequence number. */
  readonly seq: number;
  readonly cycle: number;
}

/** Smallest possible gap between two arrivals of the pattern (undefined: no bound, e.g. Poisson). */
export function minimumGap(p: ArrivalPattern): number | undefined {
  switch (p.kind) {
    case 'periodic':
      return p.period;
    case 'sporadic':
      return p.minGap;
    case 'poisson':
      return undefined;
    case 'trace': {
      let g = Number.POSITIVE_INFINITY;
      for (let i = 1; i < p.times.length; i++) g = Math.min(g, p.times[i]! - p.times[i - 1]!);
      return g === Number.POSITIVE_INFINITY ? Number.MAX_SAFE_INTEGER : g;
    }
  }
}

/** An endless (or, for traces, finite) iterator of one tenant's arrival cycles. */
export function* arrivalTimes(p: ArrivalPattern, rng: Random): Generator<number> {
  switch (p.kind) {
    case 'periodic':
      for (let t = p.offset; ; t += p.period) yield t;
    case 'sporadic':
      for (let t = p.offset; ; t += p.minGap + (p.maxGap > p.minGap ? rng.int(0, p.maxGap - p.minGap) : 0))
        yield t;
    case 'poisson':
      for (let t = p.offset; ; t += Math.max(1, Math.round(rng.exponential(p.meanGap)))) yield t;
    case 'trace':
      yield* p.times;
  }
}

export function generateArrivals(
  patterns: readonly ArrivalPattern[],
  run: RunLength,
  rngFor: (tenant: number) => Random,
): Arrival[] {
  const its = patterns.map((p, i) => arrivalTimes(p, rngFor(i)));
  const heads = its.map((it) => it.next());
  const seqs = patterns.map(() => 0);
  const out: Arrival[] = [];
  const maxRequests = 'requests' in run ? run.requests : Number.POSITIVE_INFINITY;
  const endCycle = 'cycles' in run ? run.cycles : Number.POSITIVE_INFINITY;
  while (out.length < maxRequests) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (h.done) continue;
      if (best < 0 || h.value < (heads[best]!.value as number)) best = i;
    }
    if (best < 0) break;
    const cycle = heads[best]!.value as number;
    if (cycle >= endCycle) break;
    out.push({ id: out.length, tenant: best, seq: seqs[best]!++, cycle });
    heads[best] = its[best]!.next();
    if (out.length > 10_000_000)
      throw new ConfigError(
        'the scenario generates more than 10 million requests: shorten run.duration or lengthen the gaps',
      );
  }
  return out;
}

/** Parses a trace file: a JSON array of cycle numbers, or one number per line ('#' comments). */
export function parseTraceText(text: string, source: string): number[] {
  const trimmed = text.trim();
  let values: unknown[];
  if (trimmed.startsWith('[')) {
    try {
      values = JSON.parse(trimmed) as unknown[];
    } catch (err) {
      throw new ConfigError(`trace file ${source} is not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(values))
      throw new ConfigError(`trace file ${source}: expected a JSON array of arrival cycles`);
  } else {
    values = trimmed
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter((l) => l !== '')
      .map(Number);
  }
  const times: number[] = [];
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new ConfigError(
        `trace file ${source}: entry ${i + 1} (${String(v)}) is not a non-negative integer cycle`,
      );
    if (i > 0 && v < times[i - 1]!)
      throw new ConfigError(
        `trace file ${source}: entry ${i + 1} (${v}) is earlier than entry ${i} (${times[i - 1]}); arrivals must be in order`,
      );
    times.push(v);
  });
  if (times.length === 0) throw new ConfigError(`trace file ${source} holds no arrival times`);
  return times;
}
