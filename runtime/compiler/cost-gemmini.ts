// The conv tiling Gemmini's own software chooses (docs/emulator.md, "Gemmini's tiling"):
// `tiled_conv_auto` in Gemmini's C library (ucb-bar/gemmini-rocc-tests, include/gemmini.h;
// `tiled_conv_A_stride_auto` in the versions the MoCA artifact forked), which the measured
// calibration runs used. Used by bench:fidelity to replay a layer as Gemmini runs it and to
// report what that tiling moves; cotenant's compiler keeps its own tiling (cost.ts).
//
// The tiler works on seven factors — batches, pooled rows, pooled columns, output channels,
// kernel rows, kernel columns, input channels — starting from the whole layer. While the
// tile does not fit half the scratchpad and half the accumulator ("we divide by 2 for the
// sake of double-buffering"), it shrinks the largest factor (never pooled columns while they
// are ≤ DIM and pooled rows > 1): channels to the multiple of DIM below (or by DIM), the
// others by one. Then it grows pooled columns one at a time while the tile fits, then
// every factor one at a time, round robin, until none can grow. Capacity is counted in
// DIM-wide rows, `tiled_conv_total_spad_rows`: input rows ⌈kchs/DIM⌉·batches·irows·icols
// plus weight rows ⌈ochs/DIM⌉·krows·kcols·kchs against half the scratchpad; output rows
// ⌈ochs/DIM⌉·batches·orows·ocols against half the accumulator, where
// orows = porows·pool_stride + pool_size − 1 and irows = orows·stride + krows − 1.

/** One conv layer as the tiler sees it (batch 1, no dilation). Rectangular maps are
 *  allowed: `pooledRows`/`pooledCols` are the written map's rows and columns (a row slice
 *  passes its own row count), `convW` the conv map's width. */
export interface GemminiConvShape {
  readonly inC: number;
  readonly outC: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly inW: number;
  readonly pooledRows: number;
  readonly pooledCols: number;
  /** Fused max pool (size, stride) or null. */
  readonly pool: { readonly size: number; readonly stride: number } | null;
}

export interface GemminiCapacity {
  readonly dim: number;
  readonly scratchpadBytes: number;
  readonly accumulatorBytes: number;
}

export interface GemminiConvTiles {
  readonly porows: number;
  readonly pocols: number;
  readonly pochs: number;
  readonly krows: number;
  readonly kcols: number;
  readonly kchs: number;
  /** How many times the tiler evaluated `tiled_conv_total_spad_rows` (twice per candidate:
   *  scratchpad and accumulator rows), i.e. the work the core does before the layer starts. */
  readonly spadRowsCalls: number;
}

const cdiv = (a: number, b: number): number => Math.ceil(a / b);

/** tiled_conv_total_spad_rows: scratchpad rows (input + weights) or accumulator rows of one tile. */
function spadRows(
  acc: boolean,
  shape: GemminiConvShape,
  downsample: boolean,
  a: readonly number[],
  dim: number,
): number {
  const [batches, porows, pocols, ochs, krows, kcols, kchs] = a as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ps = shape.pool?.size ?? 1;
  const pst = shape.pool?.stride ?? 1;
  const orows = porows * pst + ps - 1;
  const ocols = pocols * pst + ps - 1;
  const irows = orows * shape.stride + krows - 1;
  const icols = ocols * shape.stride + kcols - 1;
  const ds = downsample ? 1 : 0;
  const aRows = cdiv(kchs, dim) * batches * (irows >> ds) * (icols >> ds);
  const bRows = cdiv(ochs, dim) * kcols * krows * kchs;
  const cRows = cdiv(ochs, dim) * batches * orows * ocols;
  return acc ? cRows : aRows + bRows;
}

/** The tile factors tiled_conv_auto picks for `shape` on a Gemmini of this capacity. */
export function gemminiConvTiling(shape: GemminiConvShape, cap: GemminiCapacity): GemminiConvTiles {
  const dim = cap.dim;
  // gemmini.h: downsample = stride == 2 && kernel_dim == 1 && padding == 0 && no_pool && in_dim % 2 == 0
  const downsample =
    shape.stride === 2 &&
    shape.kernel === 1 &&
    shape.padding === 0 &&
    shape.pool === null &&
    shape.inW % 2 === 0;
  const max = [1, shape.pooledRows, shape.pooledCols, shape.outC, shape.kernel, shape.kernel, shape.inC];
  const args = [...max];
  // BANK_NUM·BANK_ROWS / 2 scratchpad rows and ACC_ROWS / 2 accumulator rows (DIM wide,
  // int8 and int32 elements).
  const maxSpad = cap.scratchpadBytes / dim / 2;
  const maxAcc = cap.accumulatorBytes / (4 * dim) / 2;
  let calls = 0;
  const fits = (a: readonly number[]): boolean => {
    calls += 2; // gemmini.h computes both before comparing
    return (
      spadRows(false, shape, downsample, a, dim) <= maxSpad &&
      spadRows(true, shape, downsample, a, dim) <= maxAcc
    );
  };
  const ROWS = 1;
  const COLS = 2;
  const OCH = 3;
  const ICH = 6;
  while (!fits(args)) {
    let maxVal = -1;
    let maxIdx = -1;
    for (let i = 0; i < args.length; i++) {
      // "We avoid reducing ocols when possible to keep the spatial array fully utilized"
      if (!(i === COLS && args[i]! <= dim && args[ROWS]! > 1) && args[i]! > maxVal) {
        maxVal = args[i]!;
        maxIdx = i;
      }
    }
    if (maxIdx < 0 || maxVal <= 1) break; // nothing left to shrink: the caller's check faults
    if (maxIdx === OCH || maxIdx === ICH) {
      // "For input and output channels, there's no point in subtracting by just one"
      const v = args[maxIdx]!;
      args[maxIdx] = v % dim !== 0 ? Math.floor(v / dim) * dim : v - dim;
      if (args[maxIdx] === 0) args[maxIdx] = 1;
    } else {
      args[maxIdx]!--;
    }
  }
  // "Check if we can increase ocols"
  for (;;) {
    const c = [...args];
    c[COLS]!++;
    if (c[COLS]! > max[COLS]! || !fits(c)) break;
    args[COLS] = c[COLS]!;
  }
  // "Check if there are any parameters that we can currently still increase"
  for (let grew = true; grew;) {
    grew = false;
    for (let i = 0; i < args.length; i++) {
      const c = [...args];
      c[i]!++;
      if (c[i]! > max[i]! || !fits(c)) continue;
      args[i] = c[i]!;
      grew = true;
    }
  }
  return {
    porows: args[1]!,
    pocols: args[2]!,
    pochs: args[3]!,
    krows: args[4]!,
    kcols: args[5]!,
    kchs: args[6]!,
    spadRowsCalls: calls,
  };
}
