// Throughput of a closed loop at full load (docs/evaluation-gacer.md): the window ends when
// the first tenant has made all its requests (after that the board runs a shrinking mix).
// A tenant's rate over the window is (k − 1) / (t_k − t_1) for its k ≥ 2 completions in it
// (t_j: the end of its j-th): the steady inter-completion rate, which leaves out the first
// request's head start; with one completion it is 1 / t_1.
export interface WindowRates {
  /** Board cycle at which the window ends. */
  readonly window: number;
  /** Per tenant: completed requests in the window. */
  readonly completed: number[];
  /** Per tenant: completed requests per board cycle (0 with none). */
  readonly perCycle: number[];
}

export function windowRates(
  records: readonly { readonly tenant: number; readonly end: number; readonly outcome: string }[],
  tenants: number,
): WindowRates {
  const last = new Array<number>(tenants).fill(0);
  for (const r of records) last[r.tenant] = Math.max(last[r.tenant]!, r.end);
  const window = Math.min(...last);
  const ends: number[][] = Array.from({ length: tenants }, () => []);
  for (const r of records) if (r.end <= window && r.outcome === 'completed') ends[r.tenant]!.push(r.end);
  const perCycle = ends.map((e) => {
    if (e.length === 0) return 0;
    e.sort((a, b) => a - b);
    if (e.length === 1) return e[0]! > 0 ? 1 / e[0]! : 0;
    const span = e[e.length - 1]! - e[0]!;
    return span > 0 ? (e.length - 1) / span : 0;
  });
  return { window, completed: ends.map((e) => e.length), perCycle };
}
