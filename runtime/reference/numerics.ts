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
