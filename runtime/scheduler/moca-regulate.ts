// The `moca` baseline's per-layer bandwidth regulation (runtime/regulator/moca.ts) applied
// to the steps a policy plans to start. Each request on the board publishes, for the step
// it runs, its ideal DRAM utilization and its urgency score (both fixed when the step
// started, as MoCA's tenants publish at layer start); each newly started step reads every
// other publication — the running steps' and the other new steps' — and sets its own
// throttle. Running steps keep their setting until their next layer.
import type { Dispatch, Job, SchedState, StepInfo, VariantInfo } from './types.ts';
import { variantOf } from './common.ts';
import {
  mocaAllowedUtil,
  mocaIdealUtil,
  mocaPredictedCycles,
  mocaScore,
  mocaThrottle,
  mocaThrottleValue,
  type MocaLayer,
  type Published,
} from '../regulator/moca.ts';

const layerOf = (s: StepInfo): MocaLayer => ({
  trafficBytes: s.l2ReadBytes,
  loadBytes: s.readBytes,
  macs: s.macs,
  tiles: s.tiles,
  loopTiles: s.loopTiles,
});

export interface MocaRegulator {
  /** `planned` with each step's MoCA throttle; records what the new steps publish. */
  regulate(state: SchedState, planned: readonly Dispatch[]): Dispatch[];
}

export function mocaRegulator(dim: number): MocaRegulator {
  // MoCA's own remaining-time prediction per variant: togo[i] = Σ predicted cycles of steps[i..].
  const togoCache = new WeakMap<VariantInfo, number[]>();
  let published = new Map<number, Published>();
  const togoOf = (v: VariantInfo, step: number, bw: number): number => {
    let t = togoCache.get(v);
    if (t === undefined) {
      t = new Array<number>(v.steps.length + 1).fill(0);
      for (let i = v.steps.length - 1; i >= 0; i--)
        t[i] = t[i + 1]! + mocaPredictedCycles(layerOf(v.steps[i]!), dim, bw);
      togoCache.set(v, t);
    }
    return t[step] ?? 0;
  };
  const publish = (state: SchedState, job: Job, variant: string, step: number): Published => {
    const v = variantOf(state, job, variant);
    const bw = state.dramBytesPerCycle;
    return {
      util: mocaIdealUtil(layerOf(v.steps[step]!), dim, bw),
      score: mocaScore(state.tenants[job.tenant]!.priority, togoOf(v, step, bw), job.deadline - state.now),
    };
  };
  return {
    regulate(state, planned) {
      // Publications of the steps on the board (kept from their start).
      const next = new Map<number, Published>();
      for (const j of state.tileJob) {
        if (j === undefined || next.has(j.id) || j.variant === undefined) continue;
        const p = published.get(j.id);
        if (p !== undefined) next.set(j.id, p);
        else if (variantOf(state, j, j.variant).steps[j.step] !== undefined)
          next.set(j.id, publish(state, j, j.variant, j.step));
      }
      for (const d of planned) next.set(d.job.id, publish(state, d.job, d.variant, d.step));
      published = next;
      if (planned.length === 0) return [];
      const all = [...next.entries()];
      return planned.map((d) => {
        const own = next.get(d.job.id)!;
        const others = all.filter(([id]) => id !== d.job.id).map(([, p]) => p);
        const allowed = mocaAllowedUtil(own, others);
        const s = variantOf(state, d.job, d.variant).steps[d.step]!;
        const value = mocaThrottleValue(
          mocaThrottle(layerOf(s), allowed, own.util, d.step === 0, state.dramBytesPerCycle),
        );
        return value === 0 ? d : { ...d, throttle: d.tiles.map(() => value) };
      });
    },
  };
}
