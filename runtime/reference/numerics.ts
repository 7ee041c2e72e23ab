// The exact numerics of docs/isa.md, as plain functions.

/** requant(x) = clamp(floor((x·M + R) / 2^S), −128, 127), R = 2^(S−1) if S > 0 else 0. */
export function requant(x: number, M: number, S: number): number {
  const R = S > 0 ? 2 ** (S - 1) : 0;
  const y = Math.floor((x * M + R) / 2 ** S);
  return y < -128 ? -128 : y > 127 ? 127 : y;
}

export function act(y: number, relu: boolean): number {
  return relu && y < 0 ? 0 : y;
}

/** Round half to even (docs/isa.md `rne`). */
export function rne(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Affine requantization (docs/isa.md, CFG_QPARAM): clamp(rne(f32(f32(acc)·s)) + zC, lo, hi),
 *  relu clamping at zC as well. */
export function affine(
  acc: number,
  s: number,
  p: { readonly zC: number; readonly lo: number; readonly hi: number },
  relu: boolean,
): number {
  const y = rne(Math.fround(Math.fround(acc) * s)) + p.zC;
  const lo = relu ? Math.max(p.lo, p.zC) : p.lo;
  return y < lo ? lo : y > p.hi ? p.hi : y;
}
