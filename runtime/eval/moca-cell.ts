// One cell of the MoCA evaluation (a workload set × QoS level, plain or with guaranteed
// cameras): the cell's scenario under each policy, every run on a freshly opened device
// with the same arrivals, reduced to the figures `cotenant eval moca` reports.
import type { Device } from '../../drivers/device.ts';
import type { SessionOptions, SessionResult } from '../executor/session.ts';
import { runFresh } from '../executor/compare.ts';
import { loadScenario } from '../scenario/resolve.ts';
import type { PolicyName } from '../scenario/schema.ts';
import { mocaScenario, type MocaCell, type MocaScenarioOptions } from './moca-protocol.ts';

/** MoCA's high-priority class: priorities 9–11 (and the cameras above them). */
export const HIGH_PRIORITY = 9;

export interface PolicyFigures {
  readonly slaRate: number;
  /** SLA rate over the requests of high-priority tenants (≥ 9); NaN when there are none. */
  readonly slaHigh: number;
  readonly stp: number;
  readonly antt: number;
  readonly fairness: number;
  /** Requests of guaranteed tenants that did not complete by their deadline. */
  readonly guaranteedMisses: number;
  readonly requests: number;
  readonly tileUtilization: number;
  readonly dramUtilization: number;
}

export interface CellResult {
  readonly cell: MocaCell;
  readonly policies: Readonly<Partial<Record<PolicyName, PolicyFigures>>>;
  /** Per policy: latency ÷ deadline of every finished request of the guaranteed tenants
   *  (arrival to end; > 1 is a miss), ascending; for latency CDFs. */
  readonly guaranteedLatencies: Readonly<Partial<Record<PolicyName, readonly number[]>>>;
}

export interface CellOptions extends MocaScenarioOptions {
  readonly policies: readonly PolicyName[];
  /** Opens a fresh device of the protocol's board. */
  readonly open: (board: string) => Promise<Device>;
  readonly compileFor: (device: Device) => SessionOptions['compile'];
  readonly layersOf: SessionOptions['layersOf'];
}

export function figuresOf(r: SessionResult): PolicyFigures {
  let high = 0;
  let highDone = 0;
  let gMiss = 0;
  r.perTenant.forEach((t, i) => {
    if (r.tenants[i]!.priority >= HIGH_PRIORITY) {
      high += t.requests;
      highDone += t.completed;
    }
    if (r.tenants[i]!.guaranteed) gMiss += t.requests - t.completed;
  });
  const o = r.overall;
  return {
    slaRate: o.slaRate,
    slaHigh: high === 0 ? Number.NaN : highDone / high,
    stp: o.stp,
    antt: o.antt,
    fairness: o.fairness,
    guaranteedMisses: gMiss,
    requests: o.requests,
    tileUtilization: o.tileUtilization,
    dramUtilization: o.dramUtilization,
  };
}

export async function runCell(cell: MocaCell, opts: CellOptions): Promise<CellResult> {
  const json = mocaScenario(cell, opts);
  const loaded = loadScenario(json, `${String(json.name)} (generated)`, '.');
  const policies: Partial<Record<PolicyName, PolicyFigures>> = {};
  const latencies: Partial<Record<PolicyName, number[]>> = {};
  for (const policy of opts.policies) {
    // cotenant's admission verdict shows as its guaranteed misses, never as a refused cell
    const r = await runFresh(loaded, policy, {
      open: () => opts.open(loaded.scenario.board),
      compileFor: opts.compileFor,
      layersOf: opts.layersOf,
    });
    policies[policy] = figuresOf(r);
    const lat: number[] = [];
    for (const rec of r.exec.records) {
      const t = r.tenants[rec.tenant]!;
      if (!t.guaranteed) continue;
      if (rec.outcome === 'completed' || rec.outcome === 'missed')
        lat.push((rec.end - rec.arrival) / t.deadline);
    }
    latencies[policy] = lat.sort((a, b) => a - b);
  }
  return { cell, policies, guaranteedLatencies: latencies };
}
