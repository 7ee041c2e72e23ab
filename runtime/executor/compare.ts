// Policy comparison: the same scenario (same arrivals: they depend only on the scenario
// and seed) run under several policies on the same board, each on a freshly opened
// device, so on a lockstep board every row is exactly what `cotenant run --policy P` gives
// (same digest). On a free-running board each row also depends on the host's timing
// (docs/scheduler.md, "The link"): rerunning gives other digests and slightly other figures.
// The ratios say how cotenant fares against MoCA and against the best other baseline,
// oriented so that > 1 always means cotenant is better.
import type { Device } from '../../drivers/device.ts';
import type { LoadedScenario } from '../scenario/resolve.ts';
import type { PolicyName } from '../scenario/schema.ts';
import { runLoaded, type SessionOptions, type SessionResult } from './session.ts';

export interface PolicyRow {
  readonly policy: PolicyName;
  readonly slaRate: number;
  /** SLA rate over the requests of guaranteed tenants; NaN when there are none. */
  readonly guaranteedSlaRate: number;
  readonly stp: number;
  readonly antt: number;
  readonly fairness: number;
  readonly tileUtilization: number;
  readonly dramUtilization: number;
  readonly requests: number;
  readonly missed: number;
  readonly dropped: number;
  readonly rejected: number;
  /** Guaranteed tenants' requests that did not complete in time. */
  readonly guaranteedMisses: number;
  readonly traceDigest: string;
}

/** The metrics compared; ANTT is lower-is-better, the others higher-is-better. */
export const COMPARED = ['slaRate', 'guaranteedSlaRate', 'stp', 'antt', 'fairness'] as const;
export type ComparedMetric = (typeof COMPARED)[number];

export interface Ratios {
  /** cotenant ÷ other (other ÷ cotenant for ANTT); NaN when undefined (no guaranteed tenants, 0/0). */
  readonly values: Record<ComparedMetric, number>;
  /** For "best other baseline": which policy was best per metric. */
  readonly against: Record<ComparedMetric, PolicyName | undefined>;
}

export interface Comparison {
  readonly rows: readonly PolicyRow[];
  readonly vsMoca: Ratios | undefined;
  readonly vsBestBaseline: Ratios | undefined;
  /** Whether admission control accepted the scenario (cotenant row only; runs go ahead anyway). */
  readonly admissionFeasible: boolean | undefined;
  /** False when the board ran free (rows then depend on the host's timing too). */
  readonly lockstep: boolean;
}

export interface FreshRunOptions {
  /** Opens a fresh device for each policy's run (closed after it). */
  readonly open: () => Promise<Device>;
  readonly compileFor: (device: Device) => SessionOptions['compile'];
  readonly layersOf: SessionOptions['layersOf'];
  /** Release jitter J for every run (`--link-jitter`, per device's clock); undefined:
   *  measured on a free-running board, 0 on a lockstep one. */
  readonly linkJitter?: (device: Device) => number | undefined;
}

export interface CompareOptions extends FreshRunOptions {
  readonly policies: readonly PolicyName[];
  readonly onPolicy?: (policy: PolicyName, index: number) => void;
}

/** One policy's run of the scenario on a freshly opened device, closed after it. Admission
 *  is reported, not enforced: every policy runs the same arrivals (cotenant's verdict shows
 *  in its row, never as a refused run). */
export async function runFresh(
  loaded: LoadedScenario,
  policy: PolicyName,
  opts: FreshRunOptions,
): Promise<SessionResult> {
  const device = await opts.open();
  try {
    const linkJitter = opts.linkJitter?.(device);
    return await runLoaded(loaded, {
      device,
      compile: opts.compileFor(device),
      layersOf: opts.layersOf,
      policy,
      admission: false,
      ...(linkJitter !== undefined ? { linkJitter } : {}),
    });
  } finally {
    await device.close();
  }
}

export function policyRow(r: SessionResult): PolicyRow {
  let gReq = 0;
  let gDone = 0;
  let missed = 0;
  let dropped = 0;
  let rejected = 0;
  r.perTenant.forEach((t, i) => {
    missed += t.missed;
    dropped += t.dropped;
    rejected += t.rejected;
    if (r.tenants[i]!.guaranteed) {
      gReq += t.requests;
      gDone += t.completed;
    }
  });
  const o = r.overall;
  return {
    policy: r.policy,
    slaRate: o.slaRate,
    guaranteedSlaRate: gReq === 0 ? Number.NaN : gDone / gReq,
    stp: o.stp,
    antt: o.antt,
    fairness: o.fairness,
    tileUtilization: o.tileUtilization,
    dramUtilization: o.dramUtilization,
    requests: o.requests,
    missed,
    dropped,
    rejected,
    guaranteedMisses: gReq - gDone,
    traceDigest: r.traceDigest,
  };
}

/** cotenant vs one other value, oriented so > 1 favours cotenant. */
export function ratio(metric: ComparedMetric, cotenant: number, other: number): number {
  const [num, den] = metric === 'antt' ? [other, cotenant] : [cotenant, other];
  if (Number.isNaN(num) || Number.isNaN(den)) return Number.NaN;
  if (den === 0) return num === 0 ? 1 : Number.POSITIVE_INFINITY;
  return num / den;
}

function better(metric: ComparedMetric, a: number, b: number): boolean {
  if (Number.isNaN(b)) return !Number.isNaN(a);
  return metric === 'antt' ? a < b : a > b;
}

/** Ratios of the cotenant row against `others` (per metric, the best of them). */
export function ratiosAgainst(cot: PolicyRow, others: readonly PolicyRow[]): Ratios | undefined {
  if (others.length === 0) return undefined;
  const values = {} as Record<ComparedMetric, number>;
  const against = {} as Record<ComparedMetric, PolicyName | undefined>;
  for (const m of COMPARED) {
    let best: PolicyRow | undefined;
    for (const o of others) if (best === undefined || better(m, o[m], best[m])) best = o;
    values[m] = ratio(m, cot[m], best![m]);
    against[m] = best!.policy;
  }
  return { values, against };
}

export async function comparePolicies(loaded: LoadedScenario, opts: CompareOptions): Promise<Comparison> {
  const rows: PolicyRow[] = [];
  let admissionFeasible: boolean | undefined;
  let lockstep = true;
  for (let i = 0; i < opts.policies.length; i++) {
    const policy = opts.policies[i]!;
    opts.onPolicy?.(policy, i);
    const r = await runFresh(loaded, policy, opts);
    if (r.admission !== undefined) admissionFeasible = r.admission.feasible;
    lockstep &&= r.link.lockstep;
    rows.push(policyRow(r));
  }
  const cot = rows.find((r) => r.policy === 'cotenant');
  const moca = rows.find((r) => r.policy === 'moca');
  const others = rows.filter((r) => r.policy !== 'cotenant');
  return {
    rows,
    vsMoca: cot !== undefined && moca !== undefined ? ratiosAgainst(cot, [moca]) : undefined,
    vsBestBaseline: cot !== undefined ? ratiosAgainst(cot, others) : undefined,
    admissionFeasible,
    lockstep,
  };
}
