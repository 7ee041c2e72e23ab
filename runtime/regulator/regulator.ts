// MoCA-style memory regulation (MoCA, HPCA 2023, "runtime regulation"; docs/scheduler.md), recomputed at
// every step dispatch from the compiler's per-step estimates:
//   demand = bytes read / predicted step time (bytes per cycle),
//   urgency score = (1 + priority)/4 + round(10 × togo / slack),
//   contention when Σ demand > 150% of the DRAM bandwidth; then the excess over the
//   bandwidth is cut from the throttleable tenants in proportion to demand/score (more
//   urgent → smaller cut), floored at 25% of the bandwidth (or the demand, if smaller).
// The result is a per-tile read rate, written as THROTTLE window/target_load.
import { encodeThrottle } from '../../boards/registers.ts';

/** Window of the throttle engine, cycles. Long enough that target_load has resolution
 *  (1 beat = 1/1024 of a tile's bus rate), short enough that bursts stay small. */
export const THROTTLE_WINDOW_CYCLES = 1024;
const BEAT_BYTES = 16;
const CONTENTION_FACTOR = 1.5;
const FLOOR_SHARE = 0.25;
/** Steps reading less than this are not throttled (MoCA skips tiny layers). */
export const TINY_STEP_BYTES = 64 * 1024;

export interface StreamDemand {
  /** Caller's key (e.g. request id). */
  readonly key: number;
  readonly bytesPerCycle: number;
  readonly score: number;
  /** Whether this stream may be throttled (running steps already have their setting). */
  readonly throttleable: boolean;
}

export function urgencyScore(priority: number, togoCycles: number, slackCycles: number): number {
  return (1 + priority) / 4 + Math.round((10 * togoCycles) / Math.max(1, slackCycles));
}

/** Allowed read rate (bytes/cycle) per throttleable stream under contention; streams not
 *  in the map run unthrottled. */
export function allocateBandwidth(
  streams: readonly StreamDemand[],
  dramBytesPerCycle: number,
): Map<number, number> {
  const out = new Map<number, number>();
  const total = streams.reduce((s, d) => s + d.bytesPerCycle, 0);
  if (total <= CONTENTION_FACTOR * dramBytesPerCycle) return out;
  const excess = total - dramBytesPerCycle;
  const cand = streams.filter((d) => d.throttleable && d.bytesPerCycle > 0);
  const wsum = cand.reduce((s, d) => s + d.bytesPerCycle / Math.max(1e-9, d.score), 0);
  for (const d of cand) {
    const w = d.bytesPerCycle / Math.max(1e-9, d.score) / wsum;
    const floor = Math.min(d.bytesPerCycle, FLOOR_SHARE * dramBytesPerCycle);
    out.set(d.key, Math.max(floor, d.bytesPerCycle - excess * w));
  }
  return out;
}

/** THROTTLE register value giving each of `tiles` tiles an equal part of `bytesPerCycle`. */
export function throttleValue(bytesPerCycle: number, tiles: number, tileBusBytesPerCycle: number): number {
  const perTile = bytesPerCycle / Math.max(1, tiles);
  if (perTile >= tileBusBytesPerCycle) return 0;
  const target = Math.max(1, Math.round((perTile * THROTTLE_WINDOW_CYCLES) / BEAT_BYTES));
  return encodeThrottle(THROTTLE_WINDOW_CYCLES, Math.min(0xffff, target));
}
