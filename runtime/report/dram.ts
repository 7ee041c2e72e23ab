// Estimated DRAM traffic over a run, from the trace: each finished step spreads its bytes
// evenly over its span, and the estimate is the sum over steps in flight. Shared by the
// Chrome trace (a counter) and the HTML report (a plot).
import type { TraceRecord } from '../executor/trace.ts';

/** [cycle, bytes per cycle from then on], one entry per step start and end, in time order
 *  (entries at the same cycle in trace order; the last one holds). */
export function dramLevels(trace: readonly TraceRecord[]): [number, number][] {
  const deltas: [number, number][] = [];
  for (const r of trace) {
    if (r.k !== 'stepdone') continue;
    const span = Math.max(1, r.t - r.started);
    const rate = (r.readBytes + r.writeBytes) / span;
    deltas.push([r.started, rate], [r.t, -rate]);
  }
  deltas.sort((a, b) => a[0] - b[0]);
  let level = 0;
  return deltas.map(([t, d]) => {
    level += d;
    return [t, Math.max(0, Math.round(level * 100) / 100)];
  });
}
