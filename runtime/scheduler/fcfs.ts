// FCFS baseline: one request at a time on the whole board, in arrival order, never
// preempted (its layers run back to back).
import type { Job, Policy } from './types.ts';
import { wholeBoardPolicy } from './common.ts';

export function fcfsPolicy(): Policy {
  return wholeBoardPolicy('fcfs', (state) => {
    let pick: Job | undefined;
    for (const q of state.queues) {
      const h = q[0];
      if (h === undefined) continue;
      if (h.started !== undefined) return h; // the request in service continues
      if (pick === undefined || h.arrival < pick.arrival || (h.arrival === pick.arrival && h.id < pick.id))
        pick = h;
    }
    return pick;
  });
}
