// DDR3 refresh as the rest of the system sees it (docs/emulator.md, "DRAM under load"): every
// tREFI a rank stops serving for tRFC. Its channel moves no data meanwhile, so the bandwidth
// DRAM sustains is the peak times (1 − tRFC/tREFI), and a request that arrives during a refresh
// (probability tRFC/tREFI, at a uniformly random point of it) waits tRFC/2 on average. Shared by
// the emulator's rate solver and the compiler's cost model, which must agree.
import type { BoardDefinition } from './types.ts';

/** Share of time a rank is refreshing, tRFC / tREFI (0 when refresh is not modelled). */
export function refreshFraction(def: BoardDefinition): number {
  return def.dramRefreshIntervalCycles > 0 ? def.dramRefreshCycles / def.dramRefreshIntervalCycles : 0;
}

/** Mean wait a DRAM request adds for refresh: (tRFC / tREFI) · tRFC / 2 cycles. */
export function refreshWaitCycles(def: BoardDefinition): number {
  return (refreshFraction(def) * def.dramRefreshCycles) / 2;
}

/** DRAM bandwidth all channels sustain with refresh, bytes per cycle. */
export function sustainedDramBytesPerCycle(def: BoardDefinition): number {
  return def.dramBytesPerCycle * (1 - refreshFraction(def));
}

/** A lone stream's DRAM latency: the unloaded row-hit latency plus the mean refresh wait. */
export function streamDramLatency(def: BoardDefinition): number {
  return def.dramLatencyCycles + refreshWaitCycles(def);
}
