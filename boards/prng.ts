// The project's one seeded pseudo-random generator (mulberry32: 32-bit state, only 32-bit
// integer ops, so the same seed gives the same sequence on every machine). It lives at the
// bottom layer so the emulator, drivers' fault shim, compiler and runtime share it.
// Never Math.random where a run must replay.

/** Returns a generator of uniform unsigned 32-bit integers. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Returns a generator of uniform numbers in [0, 1). */
export function mulberry32Unit(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}
