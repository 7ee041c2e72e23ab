// Order inside one best-effort band of the cotenant policy: weighted-fair, guarded by EDF.
//
// The fairness metric (docs/scenario.md) wants each tenant's normalized progress NP_i in
// proportion to its weight w_i = priority + 1; the SLA wants deadlines met. So, at a
// granule boundary with several ready tenants in a band:
// 1. the reference schedule is EDF over the tenants that can still meet a deadline (their
//    urgency request: runtime/scheduler/urgency.ts); in it, a tenant's request completes at
//    now + the work of everything before it plus its own, and has slack = deadline − that;
// 2. candidates are tried by *lag*, largest first: w_i × predicted slowdown of the head
//    (waited + remaining) / isolated latency — the inverse of its weighted progress
//    NP_i / w_i if it finished as predicted — per cycle of the head's remaining work, so
//    the board goes where it buys the most weighted progress per cycle (Smith's rule with
//    slowdown weights; ties: priority, tenant index). Without the division by the
//    remaining work (pure lag) long requests of lagging tenants ran first and set B's SLA
//    under MoCA's protocol fell by 6–9 points (docs/evaluation.md);
// 3. the first candidate whose next granule g fits in the slack of every request EDF
//    would finish in time before it goes (running g first delays exactly those by g; the
//    candidate's own request and those after it finish when they would have).
// The EDF head always passes (nothing before it), so when deadlines are at stake the
// order is EDF, and when there is slack it is weighted-fair. Requests EDF already misses
// do not constrain anyone. Tenants whose next requests are all hopeless run only when no
// tenant of the band can meet a deadline (then by lag): under overload a hopeless
// request's granules would otherwise eat the slack that future arrivals need (measured:
// letting them into the slack cut set A's SLA from 92% to 62–74%).
// The guard sees only queued work (future arrivals are unknown), so it is a heuristic for
// best-effort tenants; no guarantee rests on it (runtime/scheduler/urgency.ts).

export interface BandCandidate {
  tenant: number;
  priority: number;
  /** Urgency deadline (absolute), or Infinity when hopeless. */
  deadline: number;
  /** Predicted work of its queue up to and including the urgency request, cycles. */
  work: number;
  /** Predicted cost of its next granule, cycles. */
  granule: number;
  /** w × predicted slowdown of its head (larger = further below its weighted share). */
  lag: number;
  /** Scratch: slack budget for running this candidate first. */
  budget: number;
}

/** EDF order: deadline, then priority descending, then tenant index. */
function edfBefore(a: BandCandidate, b: BandCandidate): boolean {
  if (a.deadline !== b.deadline) return a.deadline < b.deadline;
  if (a.priority !== b.priority) return a.priority > b.priority;
  return a.tenant < b.tenant;
}

/** Lag order: lag descending, then priority descending, then tenant index. */
function lagBefore(a: BandCandidate, b: BandCandidate): boolean {
  if (a.lag !== b.lag) return a.lag > b.lag;
  if (a.priority !== b.priority) return a.priority > b.priority;
  return a.tenant < b.tenant;
}

/**
 * Picks the candidate to run among `cands[0..n)` (n ≥ 1) at `now`. `edf` is scratch space
 * (reordered). Deterministic: depends only on the candidates' fields.
 */
export function pickInBand(
  cands: BandCandidate[],
  n: number,
  now: number,
  edf: BandCandidate[],
): BandCandidate {
  // Feasible candidates in EDF order (insertion sort: bands are small).
  let m = 0;
  for (let i = 0; i < n; i++) {
    const c = cands[i]!;
    if (c.deadline === Number.POSITIVE_INFINITY) continue;
    let k = m++;
    while (k > 0 && edfBefore(c, edf[k - 1]!)) {
      edf[k] = edf[k - 1]!;
      k--;
    }
    edf[k] = c;
  }
  // Budget of each feasible candidate = least slack of the in-time requests before it.
  let finish = now;
  let least = Number.POSITIVE_INFINITY;
  for (let k = 0; k < m; k++) {
    const c = edf[k]!;
    c.budget = least;
    finish += c.work;
    const slack = c.deadline - finish;
    if (slack >= 0 && slack < least) least = slack;
  }
  let best: BandCandidate | undefined;
  for (let i = 0; i < n; i++) {
    const c = cands[i]!;
    // Hopeless candidates only when no candidate can meet a deadline (m = 0).
    const fits = m === 0 || (c.deadline !== Number.POSITIVE_INFINITY && c.granule <= c.budget);
    if (fits && (best === undefined || lagBefore(c, best))) best = c;
  }
  // best is defined: with m = 0 every candidate fits, otherwise the EDF head does.
  return best!;
}
