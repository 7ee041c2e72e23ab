// PREMA baseline (HPCA 2020): the whole board time-multiplexed, preemptive at layer
// boundaries. A waiting request holds tokens = priority + priority × (time waited /
// isolated time); the threshold is the highest of {9, 3, 1} not above the largest token;
// among requests at or above it, the shortest estimated remaining time runs.
import type { Dispatch, Job, Policy, SchedState } from './types.ts';
import { allIdle, nextStepIn, plainDispatch } from './common.ts';
import { remainingEstimate, variantKey } from './types.ts';

const LEVELS = [9, 3, 1];

export function premaTokens(state: SchedState, job: Job): number {
  const t = state.tenants[job.tenant]!;
  const waited = Math.max(0, state.now - job.arrival - job.runCycles);
  return t.priority + (t.priority * waited) / Math.max(1, t.isolatedCycles);
}

export function premaPolicy(): Policy {
  let key = '';
  return {
    name: 'prema',
    variants(tenants, boardTiles) {
      const v = { tiles: boardTiles, granule: { kind: 'layer' as const } };
      key = variantKey(v);
      return tenants.map(() => [v]);
    },
    decide(state: SchedState): Dispatch[] {
      const all = Array.from({ length: state.tileCount }, (_, i) => i);
      if (!allIdle(state, all)) return [];
      const heads = state.queues.map((q) => q[0]).filter((j): j is Job => j !== undefined && !j.running);
      if (heads.length === 0) return [];
      const tokens = heads.map((j) => premaTokens(state, j));
      const maxTok = Math.max(...tokens);
      const threshold = LEVELS.find((l) => l <= maxTok) ?? 0;
      let pick: Job | undefined;
      let pickRem = 0;
      heads.forEach((j, i) => {
        if (tokens[i]! < threshold) return;
        const rem = remainingEstimate(state.tenants[j.tenant]!, j, key);
        if (pick === undefined || rem < pickRem || (rem === pickRem && j.id < pick.id)) { pick = j; pickRem = rem; }
      });
      if (pick === undefined) return [];
      const step = nextStepIn(state, pick, key);
      return step === undefined ? [] : [plainDispatch(pick, key, step, all)];
    },
  };
}
