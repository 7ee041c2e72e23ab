// The policy interface: every scheduling policy (cotenant and the baselines) is a pure,
// deterministic function from the executor's state to the steps to start now. The
// executor owns the board, the clock (board cycles) and request accounting; a policy
// only decides. Ties are broken by stable keys (priority, arrival, request id, tenant
// index), never by iteration order of hash maps or by host time.
import type { PolicyName } from '../scenario/schema.ts';

/** The granule kinds the compiler understands (runtime/compiler). */
export type GranuleSpec =
  { kind: 'layer' } | { kind: 'block'; layers: number } | { kind: 'cycles'; max: number };

/** A compiled form of a tenant's model the policy may run (tile count × granule). */
export interface VariantRequest {
  readonly tiles: number;
  readonly granule: GranuleSpec;
}

/** What a policy knows about one step of a compiled variant. */
export interface StepInfo {
  readonly index: number;
  readonly layers: { readonly first: number; readonly last: number };
  /** Tiles (group-relative) that run a program in this step. */
  readonly tiles: number;
  readonly macs: number;
  readonly readBytes: number;
  readonly writeBytes: number;
  /** The compiler's estimate (isolated, uncontended). */
  readonly estCycles: number;
  /** Iterations of the tiled loops on the step's busiest tile (MoCA's "loop tiles"). */
  readonly loopTiles: number;
  /** MoCA's estimate of the DRAM bytes read: operands that fit in the L2 counted once. */
  readonly l2ReadBytes: number;
}

export interface VariantInfo {
  readonly key: string;
  readonly tiles: number;
  readonly granule: GranuleSpec;
  readonly steps: readonly StepInfo[];
  /** Σ estCycles of steps[i..] for every i (remaining work estimate), length steps+1. */
  readonly remainingEst: readonly number[];
}

export interface TenantView {
  readonly index: number;
  readonly name: string;
  readonly priority: number;
  readonly guaranteed: boolean;
  /** Relative deadline, cycles. */
  readonly deadline: number;
  /** Isolated latency on the reference group, cycles. */
  readonly isolatedCycles: number;
  readonly variants: ReadonlyMap<string, VariantInfo>;
  /** Most requests of this tenant on the board at once, always its oldest (absent: 1). The
   *  executor refuses any other; the tile-partitioning baselines (static-partition, moca,
   *  planaria) use it, the others run a tenant's requests one at a time. */
  readonly instances?: number;
}

/** A request being served; the executor mutates it, policies only read it. */
export interface Job {
  readonly id: number;
  readonly tenant: number;
  readonly arrival: number;
  readonly deadline: number;
  /** Variant in use since the first step (undefined: not started). */
  variant: string | undefined;
  /** Next step to run in `variant`. */
  step: number;
  /** First layer not yet done (for policies that switch variants at layer boundaries). */
  nextLayer: number;
  /** A step of this job is on the board. */
  running: boolean;
  /** Physical tiles of the running (or last) step. */
  tiles: readonly number[];
  /** Board cycles this job has spent running steps. */
  runCycles: number;
  started: number | undefined;
}

export interface SchedState {
  readonly now: number;
  readonly tileCount: number;
  /** Per physical tile: the job whose step occupies it, if any. */
  readonly tileJob: readonly (Job | undefined)[];
  /** Per tenant: its unfinished requests in arrival order; only the head may run. */
  readonly queues: readonly (readonly Job[])[];
  readonly tenants: readonly TenantView[];
  readonly dramBytesPerCycle: number;
}

export interface Dispatch {
  readonly job: Job;
  readonly variant: string;
  readonly step: number;
  /** Physical tiles, one per group-relative tile of the variant. */
  readonly tiles: readonly number[];
  /** THROTTLE register value per tile in `tiles` (0 = off). */
  readonly throttle: readonly number[];
  /** Keep the engine's state when the value is unchanged (a rewrite would reset it and
   *  forgive its debt): set for fixed memory budgets, whose arrival curve spans steps. */
  readonly throttleSticky?: boolean;
}

/** Per-tile register settings a policy needs before its first dispatch. */
export interface TileSetup {
  readonly tile: number;
  /** THROTTLE_CREDIT value (beats of credit the throttle engine may bank). */
  readonly credit: number;
  /** THROTTLE_CTRL value (bit 0: count stores too). */
  readonly ctrl: number;
}

export interface Policy {
  readonly name: PolicyName;
  /** Variants each tenant needs compiled before the run (index = tenant). */
  variants(
    tenants: readonly { readonly name: string; readonly priority: number; readonly model?: string }[],
    boardTiles: number,
  ): VariantRequest[][];
  /** Steps to start now on idle tiles. Called at every decision point. */
  decide(state: SchedState): Dispatch[];
  /** Optional: waiting requests the policy predicts cannot meet their deadline any more.
   *  The executor ends those of `late: drop` tenants as dropped before deciding (not
   *  those of `finish` tenants, nor requests on the board), so the board is not spent on
   *  them. Must never name a request whose deadline is guaranteed. */
  abandon?(state: SchedState): readonly Job[];
  /** Optional: register settings the executor writes once before the run. */
  readonly setup?: readonly TileSetup[];
}

export function variantKey(v: VariantRequest): string {
  const g =
    v.granule.kind === 'layer'
      ? 'layer'
      : v.granule.kind === 'block'
        ? `block:${v.granule.layers}`
        : `cycles:${v.granule.max}`;
  return `t${v.tiles}/${g}`;
}

/** A request as it arrives: nothing run yet, no variant chosen. */
export function newJob(id: number, tenant: number, arrival: number, deadline: number): Job {
  return {
    id,
    tenant,
    arrival,
    deadline,
    variant: undefined,
    step: 0,
    nextLayer: 0,
    running: false,
    tiles: [],
    runCycles: 0,
    started: undefined,
  };
}

/** The requests of a tenant a policy may run now: among its `instances` oldest (a tenant
 *  runs at most that many at once, in arrival order), those without a step on the board. */
export function readyJobs(state: SchedState, tenant: number): Job[] {
  const q = state.queues[tenant]!;
  const k = Math.min(q.length, state.tenants[tenant]!.instances ?? 1);
  const out: Job[] = [];
  for (let i = 0; i < k; i++) if (!q[i]!.running) out.push(q[i]!);
  return out;
}

export function idleTiles(state: SchedState): number[] {
  const out: number[] = [];
  state.tileJob.forEach((j, i) => {
    if (j === undefined) out.push(i);
  });
  return out;
}

/** Remaining estimated cycles of a job in a given variant (from its next layer). */
export function remainingEstimate(tenant: TenantView, job: Job, variantKeyName: string): number {
  const v = tenant.variants.get(variantKeyName);
  if (v === undefined) return 0;
  if (job.variant === variantKeyName) return v.remainingEst[job.step] ?? 0;
  const s = stepAtLayer(v, job.nextLayer);
  return s === undefined ? v.remainingEst[0]! : v.remainingEst[s]!;
}

/** The step of a variant that starts at `layer` (a layer boundary), if any. */
export function stepAtLayer(v: VariantInfo, layer: number): number | undefined {
  for (const s of v.steps)
    if (s.layers.first === layer && (s.index === 0 || v.steps[s.index - 1]!.layers.last < layer))
      return s.index;
  return undefined;
}
