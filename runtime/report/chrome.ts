// Chrome / Perfetto trace (JSON "traceEvents") of a run: one track per tile with each
// granule as a slice coloured by tenant, counters for the estimated DRAM bandwidth and
// the throttle setting of every tile, instant markers for arrivals' deadlines and misses.
// Timestamps are microseconds at the board clock.
import type { TraceRecord } from '../executor/trace.ts';
import { decodeThrottle } from '../../boards/registers.ts';
import { dramLevels } from './dram.ts';

const COLOURS = [
  'thread_state_running',
  'rail_response',
  'rail_animation',
  'rail_idle',
  'rail_load',
  'good',
  'bad',
  'terrible',
  'yellow',
  'olive',
  'generic_work',
  'cq_build_running',
];

export function chromeTrace(
  trace: readonly TraceRecord[],
  tenants: readonly { name: string }[],
  tiles: number,
  clockHz: number,
): object {
  const us = (cycles: number) => (cycles * 1e6) / clockHz;
  const ev: object[] = [];
  const pid = 1;
  ev.push({ ph: 'M', pid, name: 'process_name', args: { name: 'board' } });
  for (let t = 0; t < tiles; t++)
    ev.push({ ph: 'M', pid, tid: t + 1, name: 'thread_name', args: { name: `tile ${t}` } });
  ev.push({ ph: 'M', pid, tid: 0, name: 'thread_name', args: { name: 'requests' } });
  for (const r of trace) {
    if (r.k === 'start') {
      r.tiles.forEach((tile, i) => {
        const th = decodeThrottle(r.throttle[i] ?? 0);
        ev.push({
          ph: 'C',
          pid,
          ts: us(r.t),
          name: `throttle tile ${tile}`,
          args: { beatsPerWindow: th.targetLoad, window: th.window },
        });
      });
    } else if (r.k === 'stepdone') {
      const name = `${tenants[r.tenant]!.name} #${r.req} step ${r.step}`;
      for (const tile of r.tiles) {
        ev.push({
          ph: 'X',
          pid,
          tid: tile + 1,
          ts: us(r.started),
          dur: us(r.t - r.started),
          name,
          cname: COLOURS[r.tenant % COLOURS.length],
          args: { tenant: tenants[r.tenant]!.name, request: r.req, step: r.step },
        });
      }
    } else if (r.k === 'arrive') {
      ev.push({
        ph: 'i',
        pid,
        tid: 0,
        s: 't',
        ts: us(r.t),
        name: `arrive ${tenants[r.tenant]!.name} #${r.req}`,
      });
      ev.push({
        ph: 'i',
        pid,
        tid: 0,
        s: 't',
        ts: us(r.deadline),
        name: `deadline ${tenants[r.tenant]!.name} #${r.req}`,
      });
    } else if (r.k === 'end' && r.outcome !== 'completed') {
      ev.push({
        ph: 'i',
        pid,
        tid: 0,
        s: 'g',
        ts: us(r.t),
        name: `${r.outcome} ${tenants[r.tenant]!.name} #${r.req}`,
        cname: 'terrible',
      });
    }
  }
  // DRAM bandwidth estimate: each finished step spreads its bytes evenly over its span.
  for (const [t, level] of dramLevels(trace)) {
    ev.push({ ph: 'C', pid, ts: us(t), name: 'DRAM bytes/cycle (est.)', args: { bytesPerCycle: level } });
  }
  return { traceEvents: ev, displayTimeUnit: 'ns' };
}
