// Priority bands and urgency for the cotenant policy.
//
// The static order is (priority descending, tenant index ascending). Guaranteed tenants
// split it into bands: best-effort tenants above the first guaranteed tenant form band 0,
// those between the first and second form band 1, and so on. A tenant's *level* is
//   best-effort in band c → 2c;   the c-th guaranteed tenant (0-based) → 2c + 1,
// so ordering by level keeps every guaranteed tenant strictly below everything that is
// above it in the static order and strictly above everything below it. The response-time
// bound of a guaranteed tenant depends only on the SET above it (interference) and the
// SET below it (blocking by their largest granule), never on the order inside those sets
// (runtime/admission/rta.ts), so best-effort tenants of one band may be ordered freely —
// here by urgency — without touching any guarantee.
import type { Job, SchedState, TenantView } from './types.ts';

/** Queued requests of a tenant looked at when judging its urgency (bounds decision time). */
export const URGENCY_LOOKAHEAD = 4;

/** Level per tenant (see the module comment); smaller = more important. */
export function bandLevels(tenants: readonly Pick<TenantView, 'priority' | 'guaranteed'>[]): number[] {
  const order = tenants.map((_, i) => i).sort((a, b) => tenants[b]!.priority - tenants[a]!.priority || a - b);
  const level = new Array<number>(tenants.length).fill(0);
  let g = 0;
  for (const i of order) {
    if (tenants[i]!.guaranteed) level[i] = 2 * g++ + 1;
    else level[i] = 2 * g;
  }
  return level;
}

/** Urgency of a best-effort tenant's queue at `now`: the absolute deadline of its first
 *  request that can still finish in time when its queue is served in order (FIFO: the
 *  head's remaining work and every request before it come first), or `Infinity` when none
 *  of the first URGENCY_LOOKAHEAD can (hopeless: those misses are certain whatever runs
 *  now, so they must not push feasible work past its deadline — EDF's domino effect).
 *  `remaining(job)` is the predicted remaining work of a request on its lane. */
export function queueDeadline(queue: readonly Job[], now: number, remaining: (job: Job) => number): number {
  const u = { deadline: 0, work: 0 };
  queueUrgency(queue, now, remaining, u);
  return u.deadline;
}

/** queueDeadline, plus (in `out.work`) the predicted work up to and including that request
 *  (0 when hopeless). Writes into `out` so the dispatcher allocates nothing. */
export function queueUrgency(
  queue: readonly Job[],
  now: number,
  remaining: (job: Job) => number,
  out: { deadline: number; work: number },
): void {
  let cum = 0;
  const n = Math.min(queue.length, URGENCY_LOOKAHEAD);
  for (let k = 0; k < n; k++) {
    const j = queue[k]!;
    cum += remaining(j);
    if (now + cum <= j.deadline) {
      out.deadline = j.deadline;
      out.work = cum;
      return;
    }
  }
  out.deadline = Number.POSITIVE_INFINITY;
  out.work = 0;
}

/** Whether a best-effort request cannot finish by its deadline even if it ran alone from
 *  now on at its predicted speed. */
export function hopeless(state: SchedState, job: Job, remaining: number): boolean {
  return state.now + remaining > job.deadline;
}
