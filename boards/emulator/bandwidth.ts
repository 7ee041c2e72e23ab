// Max-min fair sharing of one shared resource (DRAM bandwidth) among streams with
// individual caps. Each stream asks for `demand` (already limited by its own caps: bus
// width, requests in flight / latency, throttle state); the capacity is poured equally
// into all unsatisfied streams until each either has its demand or the capacity is gone
// (water-filling). Deterministic: ties are resolved by input order.

/** Fills `out[i]` with the share of `capacity` stream i < n gets; returns the total
 *  allocated. `n` defaults to demands.length (callers reuse buffers longer than n). */
export function maxMinShare(
  demands: ArrayLike<number>,
  capacity: number,
  out: number[] | Float64Array,
  n = demands.length,
): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += demands[i]! > 0 ? demands[i]! : 0;
  if (sum <= capacity) {
    // Uncontended (the common case): everyone gets what it asks; no sort needed.
    for (let i = 0; i < n; i++) out[i] = demands[i]! > 0 ? demands[i]! : 0;
    return sum;
  }
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    out[i] = 0;
    if (demands[i]! > 0) order.push(i);
  }
  order.sort((a, b) => demands[a]! - demands[b]! || a - b);
  let left = capacity;
  let total = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const fair = left / (order.length - k);
    const give = Math.min(demands[i]!, fair);
    out[i] = give;
    left -= give;
    total += give;
  }
  return total;
}
