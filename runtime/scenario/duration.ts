// Durations in scenario files: a bare number is board cycles; a string carries a unit
// ("2.5ms", "300us", "40000cyc"); {"xIsolated": f} is f times the tenant's isolated
// latency (measured on the board, see runtime/scenario/resolve.ts). Everything is turned
// into whole board cycles before a run: the scheduler never sees wall-clock units.
import { z } from 'zod';

export type Duration =
  { readonly cycles: number } | { readonly seconds: number } | { readonly xIsolated: number };

const UNIT_SECONDS: Record<string, number> = { s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };
const DURATION_RE = /^\s*([0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\s*(cyc|cycles|s|ms|us|ns)\s*$/i;

const HINT =
  'use a positive number of cycles, a string like "2.5ms", "300us", "40000cyc", or {"xIsolated": 3}';

/** One schema (not a union) so a bad value gets one precise message. */
export const durationSchema = z.unknown().transform((v, ctx): Duration => {
  const fail = (what: string): never => {
    ctx.addIssue({ code: 'custom', message: `${what} is not a duration: ${HINT}` });
    return z.NEVER;
  };
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? { cycles: v } : fail(String(v));
  if (typeof v === 'string') {
    const m = DURATION_RE.exec(v);
    if (m === null || !(Number(m[1]) > 0)) return fail(`"${v}"`);
    const value = Number(m[1]);
    const unit = m[2]!.toLowerCase();
    return unit === 'cyc' || unit === 'cycles' ? { cycles: value } : { seconds: value * UNIT_SECONDS[unit]! };
  }
  if (typeof v === 'object' && v !== null && Object.keys(v).length === 1 && 'xIsolated' in v) {
    const f = (v as { xIsolated: unknown }).xIsolated;
    return typeof f === 'number' && f > 0 ? { xIsolated: f } : fail(JSON.stringify(v));
  }
  return fail(v === undefined ? 'a missing value' : JSON.stringify(v));
});

/** Whole cycles (at least 1); `isolatedCycles` is needed only for xIsolated durations. */
export function toCycles(d: Duration, clockHz: number, isolatedCycles?: number): number {
  let c: number;
  if ('cycles' in d) c = d.cycles;
  else if ('seconds' in d) c = d.seconds * clockHz;
  else {
    if (isolatedCycles === undefined)
      throw new RangeError('an xIsolated duration needs the isolated latency');
    c = d.xIsolated * isolatedCycles;
  }
  return Math.max(1, Math.round(c));
}

export function needsIsolated(d: Duration | undefined): boolean {
  return d !== undefined && 'xIsolated' in d;
}
