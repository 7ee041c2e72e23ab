// The GACER mixes (docs/evaluation-gacer.md): throughput of several models sharing one board
// back to back at full load, under one request at a time on the whole board (`sequential`,
// the fcfs policy), naive concurrency (`naive`), MoCA's static pairs (`static-partition`)
// and cotenant's throughput plan (runtime/admission/throughput.ts).
//
// Protocol. A closed loop: every tenant has one request in flight and resubmits when it
// ends (SessionOptions.closedLoop). Tenant i makes n_i requests, n_i = round(N × E_max /
// E_i) with E the compiler's whole-board estimate, so every tenant brings about the same
// work (N requests of the mix's heaviest model). The measurement window ends when the
// first tenant has made all its requests: up to then every tenant is loaded, after it the
// board runs a shrinking mix (the tail), which the window leaves out.
// - throughput_i = tenant i's steady inter-completion rate in the window, (k − 1) /
//   (t_k − t_1) (runtime/metrics/window.ts), in requests per board second; the mix's
//   throughput = Σ_i throughput_i;
// - speed-up = throughput / the sequential throughput of the same mix;
// - stp = Σ_i throughput_i × S_i, S_i = tenant i's mean request time in the sequential run
//   (alone on the board): the work done per second in units of "one request alone on
//   all tiles" (sequential ≈ 1), which a policy cannot raise by favouring light models;
//   fairness = min_i / max_i of throughput_i × S_i;
// - array and DRAM utilization over the whole run (tail included): busy tile-cycles /
//   (tiles × cycles) and the board's DRAM byte counters / (bandwidth × cycles).
import type { Device } from '../../drivers/device.ts';
import type { LoadedScenario } from '../scenario/resolve.ts';
import { parseScenario, type PolicyName } from '../scenario/schema.ts';
import { runLoaded, type SessionOptions, type SessionResult } from '../executor/session.ts';
import type { CompileFn } from '../executor/workload.ts';
import { ConfigError } from '../../boards/errors.ts';
import { windowRates } from '../metrics/window.ts';

export interface GacerMix {
  readonly name: string;
  readonly models: readonly string[];
}

/** The default mixes: two pairs from GACER's kind of workload (a heavy CNN with a light one,
 *  a transformer with a light CNN), a pair of mid-size CNNs, and two four-model mixes. */
export const GACER_MIXES: readonly GacerMix[] = [
  { name: 'resnet50+mobilenetv2', models: ['resnet50', 'mobilenetv2'] },
  { name: 'bert-base+squeezenet', models: ['bert-base', 'squeezenet'] },
  { name: 'googlenet+kws', models: ['googlenet', 'kws'] },
  {
    name: 'resnet50+mobilenetv2+googlenet+squeezenet',
    models: ['resnet50', 'mobilenetv2', 'googlenet', 'squeezenet'],
  },
  { name: 'yolov2+alexnet+kws+yololite', models: ['yolov2', 'alexnet', 'kws', 'yololite'] },
];

export const GACER_POLICIES = ['sequential', 'naive', 'static-partition', 'cotenant'] as const;
export type GacerPolicy = (typeof GACER_POLICIES)[number];

const POLICY_OF: Record<GacerPolicy, PolicyName> = {
  sequential: 'fcfs',
  naive: 'naive',
  'static-partition': 'static-partition',
  cotenant: 'cotenant',
};

export interface GacerTenantResult {
  readonly model: string;
  readonly requests: number;
  /** Completed in the window. */
  readonly completed: number;
  /** Requests per board second. */
  readonly throughput: number;
}

export interface GacerPolicyResult {
  /** Inferences per board second, Σ over tenants. */
  readonly throughput: number;
  /** throughput ÷ the sequential throughput of the mix. */
  readonly speedup: number;
  readonly stp: number;
  readonly fairness: number;
  readonly arrayUtilization: number;
  readonly dramUtilization: number;
  readonly windowCycles: number;
  readonly totalCycles: number;
  readonly perTenant: readonly GacerTenantResult[];
  /** cotenant only: lane sizes, each tenant's lane and variant, the predicted speed-up. */
  readonly plan?: {
    readonly mode: string;
    readonly lanes: readonly number[];
    readonly tenants: readonly { readonly lane: number; readonly tiles: number; readonly granule: string }[];
    readonly predictedSpeedup: number | undefined;
    readonly measuredSpeedup: number | undefined;
    readonly layoutsTried: number | undefined;
  };
}

export interface GacerMixResult {
  readonly name: string;
  readonly models: readonly string[];
  readonly policies: Partial<Record<GacerPolicy, GacerPolicyResult>>;
}

export interface GacerOptions {
  readonly board: string;
  readonly open: () => Promise<Device>;
  readonly compileFor: (device: Device) => CompileFn;
  readonly layersOf: (model: string) => number;
  /** Requests of the mix's heaviest model (the others get the same work). */
  readonly requests: number;
  readonly seed: number;
  readonly policies: readonly GacerPolicy[];
  readonly onRun?: (mix: string, policy: GacerPolicy) => void;
}

/** Requests per tenant: N for the heaviest whole-board estimate, the same work for the others. */
export function mixRequests(estimates: readonly number[], n: number): number[] {
  const heaviest = Math.max(...estimates);
  return estimates.map((e) => Math.max(1, Math.round((n * heaviest) / Math.max(1, e))));
}

function mixScenario(mix: GacerMix, board: string, seed: number, total: number): LoadedScenario {
  const scenario = parseScenario(
    {
      name: `gacer ${mix.name}`,
      board,
      seed,
      run: { requests: total },
      // No deadline that matters (10^12 cycles at 1 GHz): the cotenant planner takes its
      // throughput mode. The arrival pattern is unused: the run is a closed loop.
      tenants: mix.models.map((m, i) => ({
        name: `${m}-${i}`,
        model: m,
        priority: 1,
        deadline: '1000s',
        arrival: { kind: 'periodic', period: '1000s' },
        queueLimit: 1,
      })),
    },
    `mix ${mix.name}`,
  );
  return {
    scenario,
    source: `mix ${mix.name}`,
    models: mix.models,
    inputs: mix.models.map(() => undefined),
    traces: mix.models.map(() => undefined),
  };
}

/** Mean time from a request's first step to its end, per tenant (the sequential run:
 *  every request alone on the whole board). */
export function serviceTimes(r: SessionResult, tenants: number): number[] {
  const first = new Map<number, number>();
  const sum = new Array<number>(tenants).fill(0);
  const count = new Array<number>(tenants).fill(0);
  for (const e of r.exec.trace) {
    if (e.k === 'start' && !first.has(e.req)) first.set(e.req, e.t);
    if (e.k === 'end' && first.has(e.req)) {
      sum[e.tenant]! += e.t - first.get(e.req)!;
      count[e.tenant]!++;
    }
  }
  return sum.map((s, i) => (count[i]! > 0 ? s / count[i]! : 0));
}

export async function runGacerMix(mix: GacerMix, opts: GacerOptions): Promise<GacerMixResult> {
  if (!opts.policies.includes('sequential'))
    throw new ConfigError('the GACER evaluation needs the sequential policy: speed-ups are relative to it');
  const probe = await opts.open();
  const clockHz = probe.board.clockHz;
  const tiles = probe.board.tiles;
  const compile = opts.compileFor(probe);
  const estimates = mix.models.map((m) =>
    compile(m, tiles, { kind: 'layer' }, probe.board.dram.base).steps.reduce((a, s) => a + s.estCycles, 0),
  );
  await probe.close();
  const requests = mixRequests(estimates, opts.requests);
  const loaded = mixScenario(
    mix,
    opts.board,
    opts.seed,
    requests.reduce((a, b) => a + b, 0),
  );
  const runs = new Map<GacerPolicy, SessionResult>();
  const order: GacerPolicy[] = ['sequential', ...opts.policies.filter((p) => p !== 'sequential')];
  for (const policy of order) {
    opts.onRun?.(mix.name, policy);
    const device = await opts.open();
    try {
      const session: SessionOptions = {
        device,
        compile: opts.compileFor(device),
        layersOf: opts.layersOf,
        policy: POLICY_OF[policy],
        admission: false,
        closedLoop: requests,
      };
      runs.set(policy, await runLoaded(loaded, session));
    } finally {
      await device.close();
    }
  }
  const n = mix.models.length;
  const alone = serviceTimes(runs.get('sequential')!, n);
  const rates = (r: SessionResult) => windowRates(r.exec.records, n);
  const seqTotal = rates(runs.get('sequential')!).perCycle.reduce((a, b) => a + b, 0) * clockHz;
  const policies: Partial<Record<GacerPolicy, GacerPolicyResult>> = {};
  for (const policy of opts.policies) {
    const r = runs.get(policy)!;
    const w = rates(r);
    const perSecond = w.perCycle.map((x) => x * clockHz);
    const total = perSecond.reduce((a, b) => a + b, 0);
    const progress = w.perCycle.map((x, i) => x * alone[i]!);
    const a = r.admission;
    policies[policy] = {
      throughput: total,
      speedup: seqTotal > 0 ? total / seqTotal : Number.NaN,
      stp: progress.reduce((s, x) => s + x, 0),
      fairness: Math.max(...progress) > 0 ? Math.min(...progress) / Math.max(...progress) : 0,
      arrayUtilization: r.overall.tileUtilization,
      dramUtilization: r.overall.dramUtilization,
      windowCycles: w.window,
      totalCycles: r.exec.cycles,
      perTenant: mix.models.map((model, i) => ({
        model,
        requests: requests[i]!,
        completed: w.completed[i]!,
        throughput: perSecond[i]!,
      })),
      ...(policy === 'cotenant' && a !== undefined
        ? {
            plan: {
              mode: a.mode ?? 'deadline',
              lanes: a.lanes.map((l) => l.length),
              tenants: a.tenants.map((t) => ({
                lane: t.lane,
                tiles: t.variant.tiles,
                granule: t.variant.granule.kind === 'block' ? 'whole model' : t.variant.granule.kind,
              })),
              predictedSpeedup: a.predictedSpeedup,
              measuredSpeedup: a.measuredSpeedup,
              layoutsTried: a.layoutsTried,
            },
          }
        : {}),
    };
  }
  return { name: mix.name, models: mix.models, policies };
}

/** Parses `--mixes`: names of GACER_MIXES, or ad-hoc mixes of zoo models joined by "+". */
export function parseMixes(list: string | undefined, isModel: (m: string) => boolean): GacerMix[] {
  if (list === undefined) return [...GACER_MIXES];
  const out: GacerMix[] = [];
  for (const raw of list.split(',').map((s) => s.trim())) {
    if (raw === '') continue;
    const known = GACER_MIXES.find((m) => m.name === raw);
    if (known !== undefined) {
      out.push(known);
      continue;
    }
    const models = raw.split('+');
    const bad = models.filter((m) => !isModel(m));
    if (bad.length > 0)
      throw new ConfigError(
        `--mixes: "${raw}" names unknown model${bad.length > 1 ? 's' : ''} ${bad.join(', ')}; give zoo models joined by "+" (cotenant models lists them), or one of ${GACER_MIXES.map((m) => m.name).join(', ')}`,
      );
    out.push({ name: raw, models });
  }
  if (out.length === 0) throw new ConfigError('--mixes: give at least one mix, e.g. resnet50+mobilenetv2');
  return out;
}
