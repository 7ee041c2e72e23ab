// A whole run, from a loaded scenario to metrics: measure isolated latencies, resolve
// durations, generate arrivals, plan (admission for the cotenant policy), compile and
// upload the policy's variants, execute, compute metrics. Everything happens on the one
// Device given. On a lockstep board the outcome is a function of scenario + seed; on a
// free-running board the analysis also counts the link (release jitter J, measured or
// given) and the executor stages each lane's next step (docs/scheduler.md, "The link").
import { AdmissionError } from '../../boards/errors.ts';
import type { Device } from '../../drivers/device.ts';
import type { Outcome } from '../metrics/metrics.ts';
import type { Job } from '../scheduler/types.ts';
import {
  budgetLadder,
  planAdmission,
  type AdmissionOptions,
  type AdmissionResult,
  type AdmissionTenant,
} from '../admission/plan.ts';
import { ConfigError } from '../../boards/errors.ts';
import { burstAllowanceBytes, budgetThrottle } from '../admission/budget.ts';
import { CAPS_STAGED, CAPS_THROTTLE_CREDIT, CAPS_TRAFFIC_GEN } from '../../boards/registers.ts';
import {
  overallMetrics,
  tenantMetrics,
  type OverallMetrics,
  type TenantMetrics,
} from '../metrics/metrics.ts';
import { createRandom } from '../random.ts';
import { generateArrivals, minimumGap, type Arrival } from '../scenario/arrivals.ts';
import {
  checkFitsBoard,
  resolveTenants,
  type LoadedScenario,
  type ResolvedTenant,
} from '../scenario/resolve.ts';
import type { PolicyName } from '../scenario/schema.ts';
import { toCycles } from '../scenario/duration.ts';
import { createPolicy } from '../scheduler/index.ts';
import type { Policy } from '../scheduler/types.ts';
import { variantKey } from '../scheduler/types.ts';
import { execute, type ExecResult, type ExecTenant } from './executor.ts';
import type { CompileFn, PreparedVariant } from './workload.ts';
import { VariantStore, type VariantStrategy } from './variant-store.ts';
import { traceDigest } from './trace.ts';
import type { Layout } from '../admission/throughput.ts';
import { cotenantPolicy } from '../scheduler/cotenant.ts';
import { windowRates } from '../metrics/window.ts';
import { isLockstep } from './board-io.ts';
import { linkJitterCycles } from './link-jitter.ts';
import { measureRoundTrips, type RoundTrips } from '../../drivers/link-latency.ts';

/** Tiles of the reference group for T_single (MoCA's pair). */
export const REFERENCE_TILES = 2;

export interface SessionOptions {
  readonly device: Device;
  readonly compile: CompileFn;
  readonly layersOf: (model: string) => number;
  readonly policy?: PolicyName;
  /** Refuse a scenario admission rejects (cotenant policy). Default true. */
  readonly admission?: boolean;
  /** Let admission use memory budgets (experimental, default off: see admissionOptions). */
  readonly budgets?: boolean;
  readonly onPhase?: (what: string) => void;
  readonly onProgress?: (ended: number, total: number) => void;
  /** Functional runs (tenants with model packages and inputs): runtime/executor/functional-run.ts. */
  readonly data?: SessionData;
  /** Benchmarks: the policy object to run instead of createPolicy's (named `policy`). */
  readonly makePolicy?: (def: Device['board'], admission: AdmissionResult | undefined) => Policy;
  /** Closed loop at full load instead of the scenario's arrivals and run length: tenant i
   *  makes closedLoop[i] requests, the first at cycle 0, each next one as its previous ends. */
  readonly closedLoop?: readonly number[];
  /** Release jitter J of every tenant, board cycles (`--link-jitter`). Default: 0 on a
   *  lockstep board; on a free-running board derived from round trips measured now. */
  readonly linkJitter?: number;
  /** Free-running boards: stage each lane's next step (default true; ExecOptions.staging). */
  readonly staging?: boolean;
  /** Where step costs are measured (default: `device`). An emulated free-running board's
   *  model is the lockstep model, so its lockstep twin (same board definition) measures
   *  the same costs without waiting for the clock; tests and benchmarks use that. */
  readonly costDevice?: Device;
}

/** The link as the analysis counts it. */
export interface LinkTerm {
  readonly lockstep: boolean;
  /** Free-running board: board speed (fraction of its clock rate). */
  readonly speed?: number;
  /** Release jitter J per tenant, cycles; on a free-running board also the granule floor. */
  readonly jitter: number;
  readonly source: 'lockstep' | 'measured' | 'given';
  /** The round trips J was derived from (source 'measured'). */
  readonly roundTrips?: RoundTrips;
}

/** Register reads timed for a measured J (as `cotenant hello --round-trips`). */
export const LINK_ROUND_TRIPS = 16;

/** J for a session on `device`: given, measured (free-running) or 0 (lockstep). */
export async function linkTerm(device: Device, given?: number): Promise<LinkTerm> {
  if (given !== undefined && (!Number.isFinite(given) || given < 0))
    throw new ConfigError(`the link jitter must be a number of cycles ≥ 0 (got ${given})`);
  if (await isLockstep(device))
    return { lockstep: true, jitter: given ?? 0, source: given === undefined ? 'lockstep' : 'given' };
  const speed = (await device.hello()).speed ?? 1;
  if (given !== undefined) return { lockstep: false, speed, jitter: Math.ceil(given), source: 'given' };
  const rt = await measureRoundTrips(device, LINK_ROUND_TRIPS);
  return {
    lockstep: false,
    speed,
    jitter: linkJitterCycles(rt, speed, device.board.clockHz, device.board.tiles),
    source: 'measured',
    roundTrips: rt,
  };
}

/** Real tensors in and out of a run: parameters uploaded with each variant, each request's
 *  input written before its first step, its output read when it ends. Step costs are
 *  measured with MODE=0 (timing; the same cycles), the run itself with MODE=1. */
export interface SessionData {
  upload(tenant: number, v: PreparedVariant): Promise<void>;
  onJobStart(job: Job, v: PreparedVariant): Promise<void>;
  onJobEnd(job: Job, outcome: Outcome, v: PreparedVariant | undefined, end: number): Promise<void>;
}

export interface SessionTenant {
  readonly name: string;
  readonly model: string;
  readonly priority: number;
  readonly guaranteed: boolean;
  readonly deadline: number;
  readonly isolatedCycles: number;
}

/** A session tenant as the executor runs it, with its pinned variants. */
function execTenant(
  t: SessionTenant,
  index: number,
  prepared: Map<string, PreparedVariant>,
  run: Pick<ExecTenant, 'late' | 'queueLimit' | 'instances'>,
): ExecTenant {
  return {
    index,
    name: t.name,
    priority: t.priority,
    guaranteed: t.guaranteed,
    deadline: t.deadline,
    isolatedCycles: t.isolatedCycles,
    variants: new Map([...prepared].map(([k, v]) => [k, v.info])),
    ...run,
    prepared,
  };
}

export interface Prepared {
  readonly link: LinkTerm;
  readonly tenants: readonly SessionTenant[];
  readonly resolved: readonly ResolvedTenant[];
  readonly store: VariantStore;
  readonly admissionTenants: readonly AdmissionTenant[];
}

/** Measures isolated latencies and resolves the scenario; the returned store caches every
 *  variant's measured costs (benchmarks re-plan with other deadlines without re-measuring). */
export async function prepareScenario(loaded: LoadedScenario, opts: SessionOptions): Promise<Prepared> {
  return prepare(loaded, opts);
}

async function prepare(loaded: LoadedScenario, opts: SessionOptions): Promise<Prepared> {
  const def = opts.device.board;
  checkFitsBoard(loaded, def);
  const s = loaded.scenario;
  const models = loaded.models;
  const names = s.tenants.map((t) => t.name);
  if (opts.costDevice !== undefined && opts.costDevice.board.id !== def.id)
    throw new ConfigError(
      `costs must be measured on the same kind of board: ${opts.costDevice.board.id} is not ${def.id}`,
    );
  const data = opts.data;
  const strategy: VariantStrategy = {
    compile: (i, req, base) => opts.compile(models[i]!, req.tiles, req.granule, base),
    name: (i) => names[i]!,
    ...(data ? { upload: (i: number, v: PreparedVariant) => data.upload(i, v) } : {}),
  };
  const store = new VariantStore(
    opts.device,
    strategy,
    opts.costDevice === undefined ? undefined : new VariantStore(opts.costDevice, strategy),
  );
  if (opts.data) await opts.device.writeRegister('MODE', 0);
  opts.onPhase?.('measuring isolated latencies');
  const refTiles = Math.min(REFERENCE_TILES, def.tiles);
  const isolated: number[] = [];
  for (let i = 0; i < s.tenants.length; i++) {
    const costs = await store.stepCosts(
      i,
      { tiles: refTiles, granule: { kind: 'layer' } },
      { others: 0, budgeted: 0, budget: Number.POSITIVE_INFINITY },
    );
    isolated.push(costs.reduce((a, b) => a + b, 0));
  }
  const resolved = resolveTenants(loaded, def, isolated);
  const tenants = resolved.map((r, i) => ({
    name: r.spec.name,
    model: r.model,
    priority: r.spec.priority,
    guaranteed: r.spec.guaranteed,
    deadline: r.deadline,
    isolatedCycles: isolated[i]!,
  }));
  const link = await linkTerm(opts.device, opts.linkJitter);
  const admissionTenants: AdmissionTenant[] = resolved.map((r) => {
    const g = r.spec.granule;
    return {
      ...(link.jitter > 0 ? { jitter: link.jitter } : {}),
      name: r.spec.name,
      priority: r.spec.priority,
      guaranteed: r.spec.guaranteed,
      deadline: r.deadline,
      minGap: minimumGap(r.arrival),
      layers: opts.layersOf(r.model),
      ...(r.spec.tiles !== undefined ? { tiles: r.spec.tiles } : {}),
      ...(g === undefined
        ? {}
        : {
            granule:
              g === 'layer'
                ? { kind: 'layer' as const }
                : typeof g === 'number'
                  ? { kind: 'cycles' as const, max: g }
                  : { kind: 'block' as const, layers: Number(g.slice(6)) },
          }),
    };
  });
  return { link, tenants, resolved, store, admissionTenants };
}

/** The admission options a session uses on this board (budgets, bursts, queue limits). */
export function admissionOptions(
  def: Device['board'],
  resolved: readonly ResolvedTenant[],
  caps = CAPS_TRAFFIC_GEN | CAPS_THROTTLE_CREDIT,
): AdmissionOptions {
  // A board without traffic generators cannot measure costs under contention: one lane of
  // all tiles only. Without the credit cap (and counted stores) a throttle setting bounds
  // no interval's traffic: no memory budgets.
  return {
    contended: (caps & CAPS_TRAFFIC_GEN) !== 0,
    budgetLadder:
      def.throttleEngine && (caps & CAPS_THROTTLE_CREDIT) !== 0
        ? budgetLadder(def.dramBytesPerCycle, def.tiles)
        : [],
    burstCycles: (laneTiles, budgetedTiles, budget) => {
      // Bytes the budgeted tiles may read above their budget rate in any interval, served
      // at the lowest rate the lane can get (its fair share with every tile saturating).
      const bytes =
        budgetedTiles * burstAllowanceBytes(budgetThrottle(budget, def.tileBusBytesPerCycle), def);
      return Math.ceil(bytes / ((def.dramBytesPerCycle * laneTiles) / def.tiles));
    },
    queueLimits: resolved.map((r) => r.spec.queueLimit),
  };
}

/** Whether the executor will stage steps on this free-running board (ExecOptions.staging):
 *  not for functional runs (tensors move between steps), boards without staged programs,
 *  or when the caller turns it off. */
function stages(p: Prepared, opts: SessionOptions, caps: number): boolean {
  // (`analyze` has no tensors to move, but a scenario with inputs runs functionally)
  const functional = opts.data !== undefined || p.resolved.some((r) => r.spec.inputs !== undefined);
  return opts.staging !== false && !functional && (caps & CAPS_STAGED) !== 0;
}

async function plan(
  p: Prepared,
  device: Device,
  opts: SessionOptions,
  budgets?: boolean,
): Promise<AdmissionResult> {
  const def = device.board;
  const caps = await device.readRegister('CAPS');
  // The link on a free-running board (docs/scheduler.md, "The link"): staged steps start at
  // their barrier, so a granule only counts as at least J; steps the host launches start up
  // to J after the barrier before them, so every granule counts J longer.
  const free = !p.link.lockstep && p.link.jitter > 0;
  const staged = stages(p, opts, caps);
  return planAdmission(
    p.admissionTenants,
    def.tiles,
    (i, v, c) => p.store.stepCosts(i, v, c),
    (i, v) => p.store.estimate(i, v),
    {
      ...admissionOptions(def, p.resolved, caps),
      ...(budgets !== undefined ? { budgets } : {}),
      throughput: {
        profile: (i, v) => p.store.profile(i, v),
        dramBytesPerCycle: def.dramBytesPerCycle,
        trial: (layout, requests) => trialRun(p, device, layout, requests),
      },
      ...(free ? (staged ? { granuleFloor: p.link.jitter } : { granuleGap: p.link.jitter }) : {}),
    },
  );
}

export async function analyzeLoaded(
  loaded: LoadedScenario,
  opts: SessionOptions,
): Promise<{ admission: AdmissionResult; tenants: readonly SessionTenant[]; link: LinkTerm }> {
  const p = await prepare(loaded, opts);
  opts.onPhase?.('analysing (measuring worst-case granule costs)');
  const admission = await plan(p, opts.device, opts, opts.budgets);
  return { admission, tenants: p.tenants, link: p.link };
}

export interface SessionResult {
  readonly policy: PolicyName;
  readonly link: LinkTerm;
  readonly tenants: readonly SessionTenant[];
  readonly admission: AdmissionResult | undefined;
  readonly arrivals: readonly Arrival[];
  readonly exec: ExecResult;
  readonly perTenant: readonly TenantMetrics[];
  readonly overall: OverallMetrics;
  readonly traceDigest: string;
}

export async function runLoaded(loaded: LoadedScenario, opts: SessionOptions): Promise<SessionResult> {
  const def = opts.device.board;
  const s = loaded.scenario;
  const policyName = opts.policy ?? s.policy;
  const p = await prepare(loaded, opts);
  let admission: AdmissionResult | undefined;
  if (policyName === 'cotenant') {
    opts.onPhase?.('admission (measuring worst-case granule costs)');
    admission = await plan(p, opts.device, opts, opts.budgets);
    if (!admission.feasible && opts.admission !== false) {
      const bad = admission.tenants.filter((t) => t.verdict === 'rejected');
      throw new AdmissionError(
        `admission rejects ${bad.map((t) => t.name).join(', ')}: ${bad.map((t) => `${t.name} bound ${fmt(t.bound)} > deadline ${t.deadline} cycles; try ${t.suggestions.join('; or ')}`).join('. ')}. Run \`cotenant analyze\` for details or pass --no-admission to run anyway.`,
      );
    }
  }
  const policy = opts.makePolicy?.(def, admission) ?? createPolicy(policyName, def, admission);
  const requests = policy.variants(p.tenants, def.tiles);
  opts.onPhase?.('compiling and uploading');
  p.store.pinForRun();
  const execTenants: ExecTenant[] = [];
  for (let i = 0; i < p.tenants.length; i++) {
    const prepared = new Map<string, PreparedVariant>();
    for (const req of requests[i]!) prepared.set(variantKey(req), await p.store.pin(i, req));
    const spec = p.resolved[i]!.spec;
    execTenants.push(
      execTenant(p.tenants[i]!, i, prepared, {
        late: spec.late,
        queueLimit: spec.queueLimit,
        instances: spec.instances,
      }),
    );
  }
  const rng = createRandom(s.seed);
  const run =
    'requests' in s.run ? { requests: s.run.requests } : { cycles: toCycles(s.run.duration, def.clockHz) };
  const loop = opts.closedLoop;
  const arrivals =
    loop === undefined
      ? generateArrivals(
          p.resolved.map((r) => r.arrival),
          run,
          (i) => rng.fork(`arrivals:${p.tenants[i]!.name}`),
        )
      : closedLoopStart(loop);
  const release = loop === undefined ? undefined : closedLoopRelease(loop, arrivals.length);
  opts.onPhase?.('running');
  if (opts.data) {
    await opts.device.writeRegister('MODE', 1);
    if ((await opts.device.readRegister('MODE')) !== 1)
      throw new ConfigError('the board refused functional mode, which tenants with inputs need');
  }
  const exec = await execute(opts.device, execTenants, arrivals, policy, {
    ...(release !== undefined ? { release } : {}),
    ...(opts.staging !== undefined ? { staging: opts.staging } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.data
      ? { onJobStart: opts.data.onJobStart.bind(opts.data), onJobEnd: opts.data.onJobEnd.bind(opts.data) }
      : {}),
    ...(admission !== undefined && admission.feasible
      ? {
          bounds: admission.tenants.map((t) =>
            t.verdict === 'guaranteed' && policyName === 'cotenant' ? t.bound : undefined,
          ),
        }
      : {}),
  });
  const perTenant = tenantMetrics(exec.records, p.tenants);
  const overall = overallMetrics(exec.records, perTenant, {
    cycles: exec.cycles,
    tileBusyCycles: exec.tileBusyCycles,
    tiles: def.tiles,
    dramBytes: exec.dramReadBytes + exec.dramWriteBytes,
    dramBytesPerCycle: def.dramBytesPerCycle,
  });
  return {
    policy: policyName,
    link: p.link,
    tenants: p.tenants,
    admission,
    arrivals,
    exec,
    perTenant,
    overall,
    traceDigest: traceDigest(exec.trace),
  };
}

/** A closed loop's next request of a tenant, as its previous one ends (ExecOptions.release). */
function closedLoopRelease(
  requests: readonly number[],
  firstId: number,
): (tenant: number, now: number) => Arrival | undefined {
  const made = requests.map((n) => Math.min(n, 1));
  let ids = firstId;
  return (tenant, now) =>
    made[tenant]! < requests[tenant]! ? { id: ids++, tenant, seq: made[tenant]!++, cycle: now } : undefined;
}

/** A throughput planner's trial (admission/throughput.ts): `layout` under the cotenant
 *  policy, unregulated, in a closed loop; per tenant, completed requests per cycle. */
async function trialRun(
  p: Prepared,
  device: Device,
  layout: Layout,
  requests: readonly number[],
): Promise<readonly number[]> {
  // Pinned for the trial: all of its variants must be on the board at once.
  const tenants: ExecTenant[] = [];
  for (let i = 0; i < p.tenants.length; i++) {
    const req = layout.assignment[i]!.variant;
    const v = await p.store.pin(i, req);
    tenants.push(
      execTenant(p.tenants[i]!, i, new Map([[variantKey(req), v]]), { late: 'finish', queueLimit: 1 }),
    );
  }
  const policy = cotenantPolicy(
    { lanes: layout.lanes, assignment: layout.assignment, unregulated: true },
    device.board.tileBusBytesPerCycle,
  );
  const arrivals = closedLoopStart(requests);
  try {
    const exec = await execute(device, tenants, arrivals, policy, {
      release: closedLoopRelease(requests, arrivals.length),
    });
    return windowRates(exec.records, p.tenants.length).perCycle;
  } finally {
    for (let i = 0; i < p.tenants.length; i++) p.store.unpin(i);
  }
}

/** The first request of every tenant of a closed loop, at cycle 0 (tenant order). */
function closedLoopStart(requests: readonly number[]): Arrival[] {
  const out: Arrival[] = [];
  requests.forEach((n, tenant) => {
    if (n > 0) out.push({ id: out.length, tenant, seq: 0, cycle: 0 });
  });
  return out;
}

function fmt(n: number): string {
  return Number.isFinite(n) ? `${n} cycles` : 'unbounded';
}
