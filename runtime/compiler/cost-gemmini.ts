// MoCA's conv tiler (docs/emulator.md, "MoCA's tiling"). The calibration runs used the MoCA-era `gemmini.h` (ucb-bar/
// gemmini-rocc-tests, the version with `gemmini_config_calm` and `CONFIG_MOCA`), whose convs
// go through `tiled_conv_A_stride_auto_cid` → `tiled_conv_A_stride_bubble_calculate` →
// `tiling_factor_calculate` (not upstream Gemmini's `tiled_conv_auto`). Its shrink loop differs from
// tiled_conv_auto's: it visits the factors in the order batch, pooled columns, kernel rows,
// kernel columns, pooled rows, output channels, input channels; when output (or input)
// channels ≤ MAX_BLOCK_LEN·DIM are the largest factor it first cuts the *kernel*: kernel
// rows to 1, then kernel columns one by one, and for a layer of fewer than DIM input
// channels ("for first layer") halves the output channels. Its grow loop then visits kernel
// columns, input channels, kernel rows, output channels, pooled columns, pooled rows, batch;
// channels grow ×2, pooled columns by DIM (when a multiple of DIM), the kernel by 2 on the
// first growth step, the rest by 1. Capacity: `tiled_conv_total_spad_rows_A_stride`, against
// BANK_NUM·BANK_ROWS/2 scratchpad and ACC_ROWS/2 accumulator rows.

/** One conv layer as the tiler sees it (batch 1, no dilation): `pooledRows`/`pooledCols`
 *  are the written map's rows and columns (a row slice passes its own row count). */
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

const cdiv = (a: number, b: number): number => Math.ceil(a / b);

/** One conv layer as MoCA's tiler sees it on one core: `pooledRows` is this core's share of
 *  the pooled output rows (`pool_out_row`), `pooledCols` the map's pooled width. */
export interface MocaConvShape extends GemminiConvShape {
  /** `max_block_len`: MAX_BYTES / DIM (gemmini_params.h: 64 / 16 = 4). */
  readonly maxBlockLen: number;
}

export interface MocaConvTiles {
  readonly porows: number;
  readonly pocols: number;
  readonly pochs: number;
  readonly krows: number;
  readonly kcols: number;
  readonly kchs: number;
}

/** tiling_factor_calculate (MoCA-era gemmini.h) for batch 1. */
export function mocaConvTiling(shape: MocaConvShape, cap: GemminiCapacity): MocaConvTiles {
  const dim = cap.dim;
  const mbl = shape.maxBlockLen;
  // a layer without pooling is tiled as pool size 1, stride 1 (bubble_calculate)
  const ps = shape.pool?.size ?? 1;
  const pst = shape.pool?.stride ?? 1;
  const maxSpad = cap.scratchpadBytes / dim / 2;
  const maxAcc = cap.accumulatorBytes / (4 * dim) / 2;
  const rows = (a: readonly number[]): { spad: number; acc: number } => {
    const [b, porows, pocols, ochs, krows, kcols, kchs] = a as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const orows = porows * pst + ps - 1;
    const ocols = pocols * pst + ps - 1;
    const irows = orows * shape.stride + krows - 1;
    const icols = ocols * shape.stride + kcols - 1;
    const spad = cdiv(kchs, dim) * b * irows * icols + cdiv(ochs, dim) * kcols * krows * kchs;
    return { spad, acc: cdiv(ochs, dim) * b * orows * ocols };
  };
  const fits = (a: readonly number[]): boolean => {
    const r = rows(a);
    return r.spad <= maxSpad && r.acc <= maxAcc;
  };
  const ROWS = 1;
  const COLS = 2;
  const OCH = 3;
  const ICH = 6;
  const max = [1, shape.pooledRows, shape.pooledCols, shape.outC, shape.kernel, shape.kernel, shape.inC];
  const a = [...max];
  const SHRINK_ORDER = [0, COLS, 4, 5, ROWS, OCH, ICH];
  for (let guard = 0; !fits(a); guard++) {
    if (guard > 100_000) break;
    let maxVal = -1;
    let idx = -1;
    for (const i of SHRINK_ORDER) {
      if (i === 0 && a[0]! > 1) {
        maxVal = a[0]!;
        idx = 0;
        break;
      } else if (((pst > 1 && a[ICH]! >= dim) || a[ICH] === mbl * dim) && a[OCH]! <= mbl * dim) {
        if (
          i === ROWS &&
          a[ROWS]! > 1 &&
          (a[COLS]! <= dim || (a[ICH]! <= dim * mbl && a[OCH] === mbl * dim))
        ) {
          maxVal = a[ROWS]!;
          idx = ROWS;
          break;
        } else if (i === COLS && a[i]! > dim) {
          maxVal = a[COLS]!;
          idx = COLS;
          break;
        } else if ((i === 4 || i === 5) && a[i]! > 1) {
          maxVal = a[i]!;
          idx = i;
          break;
        } else if (a[i]! > dim && pst > 1 && (i === ICH || i === OCH)) {
          maxVal = a[i]!;
          idx = i;
        }
      } else if (!(i === COLS && a[i]! <= dim && a[ROWS]! > 1) && a[i]! > maxVal) {
        if (!((i === OCH || i === ICH) && a[i]! <= dim)) {
          maxVal = a[i]!;
          idx = i;
        }
      }
    }
    if (idx < 0) break; // nothing to shrink: the caller's capacity check faults
    if (idx === OCH || idx === ICH) {
      if (maxVal > mbl * dim || pst > 1) {
        // "For input and output channels, there's no point in subtracting by just one"
        const v = a[idx]!;
        if (v > mbl * dim && v % (mbl * dim) !== 0) a[idx] = Math.floor(v / (mbl * dim)) * (mbl * dim);
        else a[idx] = v % (2 * dim) === 0 ? v / 2 : Math.floor((v - 1) / dim) * dim;
        if (a[idx] === 0) a[idx] = 1;
      } else if (a[4]! > 1 || a[5]! > 1) {
        if (a[4]! > 1) a[4] = 1;
        else a[5]!--;
      } else if (a[ICH]! < dim) {
        a[idx] = Math.floor(a[idx]! / 2); // "for first layer"
      } else if (a[ROWS]! > 4) {
        a[ROWS] = Math.floor(a[ROWS]! / 2);
      } else if (a[COLS]! > dim) {
        a[COLS] = dim;
      }
    } else if (idx === COLS) {
      const v = a[COLS]!;
      a[COLS] = v % dim !== 0 ? Math.floor(v / dim) * dim : v - Math.floor(dim / pst);
    } else if (idx === 4 || idx === 5) {
      a[idx] = 1;
    } else {
      a[idx]!--;
    }
    if (shape.inC === 3 && shape.padding === 0 && shape.kernel === 3) {
      const prop = a[OCH]! > shape.outC ? 1 : Math.max(1, cdiv(shape.outC, a[OCH]!));
      a[OCH] = shape.outC;
      a[COLS] = Math.floor(a[COLS]! / prop);
    }
  }
  const GROW_ORDER = [5, ICH, 4, OCH, COLS, ROWS, 0];
  let kdimIncrease = true;
  for (let grew = true; grew;) {
    grew = false;
    for (const i of GROW_ORDER) {
      const c = [...a];
      if (i === OCH || i === ICH) c[i]! *= 2;
      else if (i === COLS && a[i]! % dim === 0) c[i]! += dim;
      else c[i]! += kdimIncrease && (i === 4 || i === 5) ? 2 : 1;
      if (c[i]! > max[i]! || !fits(c)) continue;
      a[i] = c[i]!;
      grew = true;
      kdimIncrease = false;
    }
  }
  return { porows: a[1]!, pocols: a[2]!, pochs: a[3]!, krows: a[4]!, kcols: a[5]!, kchs: a[6]! };
}

/** cotenant's loop tiles (tI output pixels, tJ output channels, tK im2col rows) for a dense
 *  conv of fewer than DIM input channels whose kernel MoCA's tiler cuts (its "for first
 *  layer" path): tJ = the tile's output channels, tK = its kernel rows × kernel columns ×
 *  input channels (a run of whole kernel positions, so every K tile reads the input window
 *  of its kernel slice, as Gemmini's loop does), tI = the tile's conv pixels rounded down to
 *  a multiple of DIM and shrunk by DIM until one A and one B block fit half the scratchpad
 *  and one C block half the accumulator. Undefined when the tiler keeps the whole kernel
 *  (then the compiler's own tiling moves the same data). */
export function mocaFirstLayerTiles(
  shape: MocaConvShape & { readonly outW: number; readonly convRows: number },
  cap: GemminiCapacity,
): { tI: number; tJ: number; tK: number } | undefined {
  const dim = cap.dim;
  if (shape.inC >= dim) return undefined;
  const t = mocaConvTiling(shape, cap);
  const K = shape.kernel * shape.kernel * shape.inC;
  const tK = t.krows * t.kcols * t.kchs;
  if (tK >= K || t.kchs !== shape.inC) return undefined;
  const ps = shape.pool?.size ?? 1;
  const pst = shape.pool?.stride ?? 1;
  const orows = Math.min(shape.convRows, t.porows * pst + ps - 1);
  const ocols = Math.min(shape.outW, t.pocols * pst + ps - 1);
  const tJ = Math.min(shape.outC, t.pochs);
  let tI = Math.min(shape.convRows * shape.outW, Math.max(dim, Math.floor((orows * ocols) / dim) * dim));
  while (tI > dim && (tI * tK + tK * tJ > cap.scratchpadBytes / 2 || tI * tJ * 4 > cap.accumulatorBytes / 2))
    tI -= dim;
  if (tI * tK + tK * tJ > cap.scratchpadBytes / 2 || tI * tJ * 4 > cap.accumulatorBytes / 2) return undefined;
  return { tI, tJ, tK };
}
