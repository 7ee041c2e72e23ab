// PREMA baseline (HPCA 2020): the whole board time-multiplexed, preemptive at layer
// boundaries. A waiting request holds tokens = w + w × (time waited / isolated time); the
// threshold is the highest of the levels {9, 3, 1} not above the largest token; among
// requests at or above it, the shortest estimated remaining time runs. The weight w is
// the tenant's priority + 1 (the weight the metrics use): PREMA's own three classes
// (low 1, medium 3, high 9 over MoCA's 0–2 / 3–8 / 9–11) met fewer targets on the MoCA cells
// where the two differ (docs/evaluation.md), and the raw priority would never let a priority-0
// tenant earn a token. Every tenant accumulates tokens, so nothing starves.
import type { Job, Policy, SchedState } from './types.ts';
import { wholeBoardPolicy } from './common.ts';
import { remainingEstimate } from './types.ts';

const LEVELS = [9, 3, 1];

/** Token weight of a priority. */
export function premaWeight(priority: number): number {
  return priority + 1;
}

export function premaTokens(state: SchedState, job: Job): number {
  const t = state.tenants[job.tenant]!;
  const w = premaWeight(t.priority);
  const waited = Math.max(0, state.now - job.arrival - job.runCycles);
  return w + (w * waited) / Math.max(1, t.isolatedCycles);
}

/** The request PREMA runs next among `heads` (tokens and remaining estimates given). */
export function premaPick<T extends { readonly id: number }>(
  heads: readonly T[],
  tokens: (j: T) => number,
  remaining: (j: T) => number,
): T | undefined {
  if (heads.length === 0) return undefined;
  const tok = heads.map(tokens);
  const maxTok = Math.max(...tok);
  const threshold = LEVELS.find((l) => l <= maxTok) ?? 0;
  let pick: T | undefined;
  let pickRem = 0;
  heads.forEach((j, i) => {
    if (tok[i]! < threshold) return;
    const rem = remaining(j);
    if (pick === undefined || rem < pickRem || (rem === pickRem && j.id < pick.id)) {
      pick = j;
      pickRem = rem;
    }
  });
  return pick;
}

export function premaPolicy(): Policy {
  return wholeBoardPolicy('prema', (state, key) =>
    premaPick(
      state.queues.map((q) => q[0]).filter((j): j is Job => j !== undefined && !j.running),
      (j) => premaTokens(state, j),
      (j) => remainingEstimate(state.tenants[j.tenant]!, j, key),
    ),
  );
}
