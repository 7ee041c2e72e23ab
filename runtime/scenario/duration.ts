// Durations in scenario files: a bare number is board cycles; a string carries a unit
// ("2.5ms", "300us", "40000cyc"); {"xIsolated": f} is f times the tenant's isolated
// latency (measured on the board, see runtime/scenario/resolve.ts). Everything is turned
// into whole board cycles before a run: the scheduler never sees wall-clock units.
import { z } from 'zod';

export type Duration = { readonly cycles: number } | { readonly seconds: number } | { readonly xIsolated: number };

const UNIT_SECONDS: Record<string, number> = { s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };
const DURATION_RE = /^\s*([0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\s*(cyc|cycles|s|ms|us|ns)\s*$/i;

export const durationSchema = z.union([
  z.number().positive('must be a positive number of board cycles').transform((n): Duration => ({ cycles: n })),
  z.string().transform((s, ctx): Duration => {
    const m = DURATION_RE.exec(s);
    if (m === null) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not a duration: use a number of cycles or a string like "2.5ms", "300us", "40000cyc"` });
      return z.NEVER;
    }
    const value = Number(m[1]);
    const unit = m[2]!.toLowerCase();
    if (!(value > 0)) {
      ctx.addIssue({ code: 'custom', message: `"${s}" must be positive` });
      return z.NEVER;
    }
    return unit === 'cyc' || unit === 'cycles' ? { cycles: value } : { seconds: value * UNIT_SECONDS[unit]! };
  }),
  z.object({ xIsolated: z.number().positive('must be a positive multiple of the isolated latency') }).strict().transform((o): Duration => ({ xIsolated: o.xIsolated })),
]);

/** Whole cycles (at least 1); `isolatedCycles` is needed only for xIsolated durations. */
export function toCycles(d: Duration, clockHz: number, isolatedCycles?: number): number {
  let c: number;
  if ('cycles' in d) c = d.cycles;
  else if ('seconds' in d) c = d.seconds * clockHz;
  else {
    if (isolatedCycles === undefined) throw new RangeError('an xIsolated duration needs the isolated latency');
    c = d.xIsolated * isolatedCycles;
  }
  return Math.max(1, Math.round(c));
}

export function needsIsolated(d: Duration | undefined): boolean {
  return d !== undefined && 'xIsolated' in d;
}
