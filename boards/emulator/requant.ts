// Requantisation and activation exactly as docs/isa.md defines them:
//   requant(x) = clamp(floor((x·M + R) / 2^S), −128, 127), R = 2^(S−1) if S > 0 else 0
//   act(y) = max(0, y) with relu, else y.
// x·M is exact in doubles for |x| < 2^31 and M ≤ 2^16 (< 2^53), so Math.floor is exact.

export interface Quant {
  readonly multiplier: number;
  readonly shift: number;
  readonly relu: boolean;
}

/** Requantises `acc[0..n)` into `out[outOffset..)` as int8. Flat loop: this is on the
 *  functional-mode hot path. */
export function requantRow(acc: Int32Array, n: number, q: Quant, out: Int8Array, outOffset: number): void {
  const m = q.multiplier;
  const div = 2 ** q.shift;
  const r = q.shift > 0 ? 2 ** (q.shift - 1) : 0;
  const lo = q.relu ? 0 : -128;
  for (let j = 0; j < n; j++) {
    let y = Math.floor((acc[j]! * m + r) / div);
    if (y > 127) y = 127;
    else if (y < lo) y = lo;
    out[outOffset + j] = y;
  }
}

export function requantOne(x: number, q: Quant): number {
  const div = 2 ** q.shift;
  const r = q.shift > 0 ? 2 ** (q.shift - 1) : 0;
  let y = Math.floor((x * q.multiplier + r) / div);
  if (y > 127) y = 127;
  else if (y < -128) y = -128;
  return q.relu && y < 0 ? 0 : y;
}
