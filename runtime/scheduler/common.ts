// Helpers shared by the policies: tile groups, step lookup, dispatch building, regulation.
import type { Dispatch, Job, Policy, SchedState, StepInfo, TenantView, VariantInfo } from './types.ts';
import { variantKey } from './types.ts';
import type { PolicyName } from '../scenario/schema.ts';
import {
  allocateBandwidth,
  throttleValue,
  urgencyScore,
  TINY_STEP_BYTES,
  type StreamDemand,
} from '../regulator/regulator.ts';

/** Consecutive groups of `size` tiles (the last may be short and is then dropped). */
export function tileGroups(tileCount: number, size: number): number[][] {
  const groups: number[][] = [];
  for (let b = 0; b + size <= tileCount; b += size)
    groups.push(Array.from({ length: size }, (_, i) => b + i));
  return groups;
}

export function variantOf(state: SchedState, job: Job, key: string): VariantInfo {
  const v = state.tenants[job.tenant]!.variants.get(key);
  if (v === undefined)
    throw new Error(`internal: tenant ${state.tenants[job.tenant]!.name} has no variant ${key}`);
  return v;
}

export function allIdle(state: SchedState, tiles: readonly number[]): boolean {
  return tiles.every((t) => state.tileJob[t] === undefined);
}

export function plainDispatch(job: Job, variant: string, step: number, tiles: readonly number[]): Dispatch {
  return { job, variant, step, tiles, throttle: tiles.map(() => 0) };
}

/** Demand of one step in bytes per cycle (compiler estimate). */
export function stepDemand(s: StepInfo): number {
  return s.estCycles > 0 ? s.readBytes / s.estCycles : 0;
}

function jobScore(state: SchedState, t: TenantView, job: Job, togo: number): number {
  return urgencyScore(t.priority, togo, job.deadline - state.now);
}

/**
 * Adds MoCA throttles to planned dispatches: the running steps (fixed settings) and the
 * new ones publish their demand; new steps of tenants `mayThrottle` accepts get a budget
 * when the board is contended. The first step of a request and tiny steps are exempt.
 */
export function regulate(
  state: SchedState,
  planned: readonly Dispatch[],
  mayThrottle: (t: TenantView, tenant: number) => boolean,
  tileBusBytesPerCycle: number,
): Dispatch[] {
  if (planned.length === 0) return [];
  const streams: StreamDemand[] = [];
  const seen = new Set<number>();
  for (const j of state.tileJob) {
    if (j === undefined || seen.has(j.id) || j.variant === undefined) continue;
    seen.add(j.id);
    const v = variantOf(state, j, j.variant);
    const s = v.steps[j.step];
    if (s !== undefined)
      streams.push({ key: -1 - j.id, bytesPerCycle: stepDemand(s), score: 1, throttleable: false });
  }
  for (const d of planned) {
    const t = state.tenants[d.job.tenant]!;
    const v = variantOf(state, d.job, d.variant);
    const s = v.steps[d.step]!;
    const exempt = d.step === 0 || s.readBytes < TINY_STEP_BYTES || !mayThrottle(t, d.job.tenant);
    streams.push({
      key: d.job.id,
      bytesPerCycle: stepDemand(s),
      score: jobScore(state, t, d.job, v.remainingEst[d.step]!),
      throttleable: !exempt,
    });
  }
  const budgets = allocateBandwidth(streams, state.dramBytesPerCycle);
  return planned.map((d) => {
    const b = budgets.get(d.job.id);
    if (b === undefined) return d;
    const value = throttleValue(b, d.tiles.length, tileBusBytesPerCycle);
    return { ...d, throttle: d.tiles.map(() => value) };
  });
}

/** Next step of a job in its current variant, or (first step / variant switch) the step
 *  starting at its next layer. */
export function nextStepIn(state: SchedState, job: Job, key: string): number | undefined {
  if (job.variant === key) return job.step;
  const v = variantOf(state, job, key);
  if (job.nextLayer === 0) return 0;
  for (const s of v.steps)
    if (
      s.layers.first === job.nextLayer &&
      (s.index === 0 || v.steps[s.index - 1]!.layers.last < job.nextLayer)
    )
      return s.index;
  return undefined;
}

/** Stable order: larger priority first, then earlier arrival, then lower request id. */
export function byPriority(state: SchedState) {
  return (a: Job, b: Job): number => {
    const pa = state.tenants[a.tenant]!.priority;
    const pb = state.tenants[b.tenant]!.priority;
    return pb - pa || a.tenant - b.tenant || a.arrival - b.arrival || a.id - b.id;
  };
}

/**
 * A policy that time-multiplexes the whole board at layer granules (FCFS, PREMA): when every
 * tile is idle, `pick` chooses the job whose next layer runs on all of them.
 */
export function wholeBoardPolicy(
  name: PolicyName,
  pick: (state: SchedState, variant: string) => Job | undefined,
): Policy {
  let key = '';
  return {
    name,
    variants(tenants, boardTiles) {
      const v = { tiles: boardTiles, granule: { kind: 'layer' as const } };
      key = variantKey(v);
      return tenants.map(() => [v]);
    },
    decide(state: SchedState): Dispatch[] {
      const all = Array.from({ length: state.tileCount }, (_, i) => i);
      if (!allIdle(state, all)) return [];
      const job = pick(state, key);
      if (job === undefined) return [];
      const step = nextStepIn(state, job, key);
      return step === undefined ? [] : [plainDispatch(job, key, step, all)];
    },
  };
}
