// PREMA baseline (HPCA 2020): the whole board time-multiplexed, preemptive at layer
// boundaries. A waiting request holds tokens = priority + priority × (time waited /
// isolated time); the threshold is the highest of {9, 3, 1} not above the largest token;
// among requests at or above it, the shortest estimated remaining time runs.
import type { Job, Policy, SchedState } from './types.ts';
import { wholeBoardPolicy } from './common.ts';
import { remainingEstimate } from './types.ts';

const LEVELS = [9, 3, 1];

export function premaTokens(state: SchedState, job: Job): number {
  const t = state.tenants[job.tenant]!;
  const waited = Math.max(0, state.now - job.arrival - job.runCycles);
  return t.priority + (t.priority * waited) / Math.max(1, t.isolatedCycles);
}

export function premaPolicy(): Policy {
  return wholeBoardPolicy('prema', (state, key) => {
    const heads = state.queues.map((q) => q[0]).filter((j): j is Job => j !== undefined && !j.running);
    if (heads.length === 0) return undefined;
    const tokens = heads.map((j) => premaTokens(state, j));
    const maxTok = Math.max(...tokens);
    const threshold = LEVELS.find((l) => l <= maxTok) ?? 0;
    let pick: Job | undefined;
    let pickRem = 0;
    heads.forEach((j, i) => {
      if (tokens[i]! < threshold) return;
      const rem = remainingEstimate(state.tenants[j.tenant]!, j, key);
      if (pick === undefined || rem < pickRem || (rem === pickRem && j.id < pick.id)) {
        pick = j;
        pickRem = rem;
      }
    });
    return pick;
  });
}
