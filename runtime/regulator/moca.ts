// MoCA's runtime regulation (MoCA, HPCA 2023; docs/scheduler.md, "The moca baseline"), one
// layer (step) at a time, as the `moca` baseline uses it. Pure functions of the layer's
// estimates and of what the co-running tenants publish:
//   traffic         = DRAM bytes read, operands that fit in the L2 counted once (the
//                     compiler's l2ReadBytes);
//   predicted time  = max(mem, compute) + 0.5·min(mem, compute),
//                     mem = traffic / DRAM bandwidth, compute = MACs / (DIM² × tiles);
//   ideal util u    = traffic / predicted time, in % of the DRAM bandwidth;
//   score s         = (1 + priority)/4 + round(10 × togo / slack);
//   contention      when u_own + Σ u_others > 150;
//   allowed         = u_own − (u_own + Σ u_others − 150) × Σ s_j·u_j / (s_own·u_own + Σ s_j·u_j),
//                     floored at 25 (j over the others);
//   throttle        only when allowed < ideal, the layer has ≥ 4 loop tiles and is not the
//                     first; window = (traffic / (bandwidth × allowed)) / loop tiles,
//                     target_load = load beats / loop tiles (the engine counts every DMA
//                     load, L2 hits included; per tile: the group's tiles share the
//                     layer's loads equally).
// This is separate from regulator.ts, which the cotenant policy's lanes use.
import { encodeThrottle } from '../../boards/registers.ts';

/** `DRAM_MAX_UTIL` of MoCA's runtime: published utilizations may sum to this before any cut. */
export const MOCA_MAX_UTIL = 150;
/** No tenant is cut below this share of the DRAM bandwidth, %. */
export const MOCA_FLOOR_UTIL = 25;
/** Layers with fewer loop tiles than this are never throttled. */
export const MOCA_MIN_LOOP_TILES = 4;
const BEAT_BYTES = 16;
const FIELD_MAX = 0xffff;

/** What the regulator needs of one layer (one step of the group). */
export interface MocaLayer {
  /** Estimated DRAM bytes read (L2-resident operands once). */
  readonly trafficBytes: number;
  /** Bytes of all DMA loads (what the throttle engine counts). */
  readonly loadBytes: number;
  readonly macs: number;
  /** Tiles the layer is split across. */
  readonly tiles: number;
  readonly loopTiles: number;
}

/** What a running tenant publishes for its current layer. */
export interface Published {
  /** Ideal DRAM utilization, % of the bandwidth (not the throttled value). */
  readonly util: number;
  readonly score: number;
}

/** Predicted cycles of a layer running alone: max(mem, compute) + 0.5·min(mem, compute). */
export function mocaPredictedCycles(layer: MocaLayer, dim: number, dramBytesPerCycle: number): number {
  const mem = layer.trafficBytes / dramBytesPerCycle;
  const compute = layer.macs / (dim * dim * Math.max(1, layer.tiles));
  return Math.max(mem, compute) + 0.5 * Math.min(mem, compute);
}

/** Ideal DRAM utilization of a layer, % of the bandwidth. */
export function mocaIdealUtil(layer: MocaLayer, dim: number, dramBytesPerCycle: number): number {
  const t = mocaPredictedCycles(layer, dim, dramBytesPerCycle);
  return t > 0 ? (100 * layer.trafficBytes) / dramBytesPerCycle / t : 0;
}

/** Urgency score; `slackCycles` is target − time since dispatch, floored at 1 cycle once late. */
export function mocaScore(priority: number, togoCycles: number, slackCycles: number): number {
  return (1 + priority) / 4 + Math.round((10 * togoCycles) / Math.max(1, slackCycles));
}

/** Allowed utilization (%) of a tenant given every co-runner's publication; `own.util`
 *  itself when there is no contention. */
export function mocaAllowedUtil(own: Published, others: readonly Published[]): number {
  let sumU = 0;
  let sumSU = 0;
  for (const o of others) {
    sumU += o.util;
    sumSU += o.score * o.util;
  }
  const total = own.util + sumU;
  if (total <= MOCA_MAX_UTIL) return own.util;
  const excess = total - MOCA_MAX_UTIL;
  const denom = own.score * own.util + sumSU;
  const cut = denom > 0 ? (excess * sumSU) / denom : 0;
  return Math.max(MOCA_FLOOR_UTIL, own.util - cut);
}

export interface MocaThrottle {
  readonly window: number;
  readonly targetLoad: number;
}

/**
 * The per-tile throttle setting for a layer at `allowedUtil` %, or undefined when MoCA
 * leaves it unthrottled (allowed ≥ ideal, fewer than 4 loop tiles, first layer). Both
 * 16-bit fields are scaled down together when the window would not fit.
 */
export function mocaThrottle(
  layer: MocaLayer,
  allowedUtil: number,
  idealUtil: number,
  firstLayer: boolean,
  dramBytesPerCycle: number,
): MocaThrottle | undefined {
  if (firstLayer || layer.loopTiles < MOCA_MIN_LOOP_TILES || allowedUtil >= idealUtil) return undefined;
  const prediction = layer.trafficBytes / ((dramBytesPerCycle * allowedUtil) / 100);
  let window = prediction / layer.loopTiles;
  let targetLoad = layer.loadBytes / BEAT_BYTES / Math.max(1, layer.tiles) / layer.loopTiles;
  const over = Math.max(window / FIELD_MAX, targetLoad / FIELD_MAX, 1);
  window /= over;
  targetLoad /= over;
  return {
    window: Math.min(FIELD_MAX, Math.max(1, Math.round(window))),
    targetLoad: Math.min(FIELD_MAX, Math.max(1, Math.round(targetLoad))),
  };
}

export function mocaThrottleValue(t: MocaThrottle | undefined): number {
  return t === undefined ? 0 : encodeThrottle(t.window, t.targetLoad);
}
