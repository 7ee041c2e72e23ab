// What DRAM a loop macro-op or fine-grained op touches, as strided row sets, and the
// checks that make a tile fault before it starts (docs/isa.md: every address a loop will
// touch is checked against the tile's region first; nothing is read or written on a fault).
import type { Instruction } from '../isa/index.ts';
import { FLAG_BIAS, FLAG_DEPTHWISE, FLAG_FUSED_POOL, FLAG_GLOBAL_AVG, FLAG_TO_ACC } from '../isa/index.ts';
import { unreachable } from '../unreachable.ts';
import type { TileConfig } from './config.ts';

export interface Access {
  readonly addr: number;
  readonly rows: number;
  readonly rowBytes: number;
  readonly stride: number;
}

/** Tile sizes a loop uses: 0 in CFG_TILE means "the whole dimension". */
export function tileOf(tile: number, whole: number): number {
  return tile === 0 || tile > whole ? whole : tile;
}

/** Rows a row-sliced loop computes and reads (docs/isa.md, CFG_CONV_KERNEL.d = f):
 *  conv-map rows [cy0, cy1) and input-image rows [iy0, iy1). Without a fused pool the
 *  conv rows are f … f+outH−1; with one, CFG_CONV_OUT is the whole conv map and the rows
 *  computed are those the pooled rows f … f+pooledH−1 overlap. Input rows outside the
 *  image are padding (zeros) and are never read. */
export interface RowWindow {
  readonly cy0: number;
  readonly cy1: number;
  readonly iy0: number;
  readonly iy1: number;
}

export function convRowWindow(cfg: TileConfig, flags: number): RowWindow {
  const f = cfg.firstRow;
  let cy0: number;
  let cy1: number;
  if ((flags & FLAG_FUSED_POOL) !== 0) {
    cy0 = Math.max(0, f * cfg.poolStride - cfg.poolPadding);
    cy1 = Math.min(cfg.outH, (f + cfg.pooledH - 1) * cfg.poolStride - cfg.poolPadding + cfg.poolSize);
    if (cfg.pooledH === 0 || cy1 < cy0) cy1 = cy0;
  } else {
    cy0 = f;
    cy1 = f + cfg.outH;
  }
  if (cy1 === cy0) return { cy0, cy1, iy0: 0, iy1: 0 };
  const iy0 = Math.max(0, cy0 * cfg.convStride - cfg.padding);
  const iy1 = Math.min(cfg.inH, (cy1 - 1) * cfg.convStride - cfg.padding + cfg.kernel);
  return { cy0, cy1, iy0: Math.min(iy0, iy1), iy1: Math.max(iy0, iy1) };
}

/** Input rows a max LOOP_POOL reads for pooled rows f … f+pooledH−1. */
export function poolRowWindow(cfg: TileConfig): { readonly iy0: number; readonly iy1: number } {
  if (cfg.pooledH === 0) return { iy0: 0, iy1: 0 };
  const f = cfg.firstRow;
  const iy0 = Math.max(0, f * cfg.poolStride - cfg.poolPadding);
  const iy1 = Math.min(cfg.inH, (f + cfg.pooledH - 1) * cfg.poolStride - cfg.poolPadding + cfg.poolSize);
  return iy1 > iy0 ? { iy0, iy1 } : { iy0: 0, iy1: 0 };
}

/** The im2col matmul a conv runs: I = conv pixels computed (the row window), J = outC. */
export function convDims(
  cfg: TileConfig,
  flags: number,
): { I: number; J: number; K: number; depthwise: boolean } {
  const depthwise = (flags & FLAG_DEPTHWISE) !== 0;
  const kk = cfg.kernel * cfg.kernel;
  const w = convRowWindow(cfg, flags);
  return { I: (w.cy1 - w.cy0) * cfg.outW, J: cfg.outC, K: depthwise ? kk : kk * cfg.inC, depthwise };
}

function rowsAccess(addr: number, rows: number, rowBytes: number, stride: number): Access[] {
  return rows > 0 && rowBytes > 0 ? [{ addr, rows, rowBytes, stride }] : [];
}

/** DRAM reads and writes of an instruction (the program fetch is checked separately). */
export function accessesOf(ins: Instruction, cfg: TileConfig): { reads: Access[]; writes: Access[] } {
  const f = ins.flags;
  switch (ins.op) {
    case 'LOOP_MATMUL':
      return {
        reads: [
          ...rowsAccess(cfg.addrA, cfg.I, cfg.K, cfg.strideA),
          ...rowsAccess(cfg.addrB, cfg.K, cfg.J, cfg.strideB),
          ...((f & FLAG_BIAS) !== 0 && cfg.addrBias !== 0
            ? rowsAccess(cfg.addrBias, 1, 4 * cfg.J, 4 * cfg.J)
            : []),
        ],
        writes: rowsAccess(cfg.addrC, cfg.I, cfg.J, cfg.strideC),
      };
    case 'LOOP_CONV': {
      const { K, J } = convDims(cfg, f);
      const pooled = (f & FLAG_FUSED_POOL) !== 0;
      const outPixels = pooled ? cfg.pooledH * cfg.pooledW : cfg.outH * cfg.outW;
      const w = convRowWindow(cfg, f);
      return {
        reads: [
          ...rowsAccess(
            cfg.addrA + w.iy0 * cfg.inW * cfg.strideA,
            (w.iy1 - w.iy0) * cfg.inW,
            cfg.inC,
            cfg.strideA,
          ),
          ...rowsAccess(cfg.addrB, K, J, cfg.strideB),
          ...((f & FLAG_BIAS) !== 0 && cfg.addrBias !== 0 ? rowsAccess(cfg.addrBias, 1, 4 * J, 4 * J) : []),
        ],
        writes: rowsAccess(cfg.addrC, outPixels, cfg.outC, cfg.strideC),
      };
    }
    case 'LOOP_RESADD':
      return {
        reads: [
          ...rowsAccess(cfg.addrA, cfg.I, cfg.J, cfg.strideA),
          ...rowsAccess(cfg.addrB, cfg.I, cfg.J, cfg.strideB),
        ],
        writes: rowsAccess(cfg.addrC, cfg.I, cfg.J, cfg.strideC),
      };
    case 'LOOP_POOL': {
      const global = (f & FLAG_GLOBAL_AVG) !== 0;
      const w = global ? { iy0: 0, iy1: cfg.inH } : poolRowWindow(cfg);
      return {
        reads: rowsAccess(
          cfg.addrA + w.iy0 * cfg.inW * cfg.strideA,
          (w.iy1 - w.iy0) * cfg.inW,
          cfg.inC,
          cfg.strideA,
        ),
        writes: global
          ? rowsAccess(cfg.addrC, 1, cfg.inC, cfg.inC)
          : rowsAccess(cfg.addrC, cfg.pooledH * cfg.pooledW, cfg.inC, cfg.strideC),
      };
    }
    case 'LOOP_VEC':
      return {
        reads: rowsAccess(cfg.addrA, cfg.I, cfg.J, cfg.strideA),
        writes: rowsAccess(cfg.addrC, cfg.I, cfg.J, cfg.strideC),
      };
    case 'MVIN': {
      const elem = (f & FLAG_TO_ACC) !== 0 ? 4 : 1;
      return { reads: rowsAccess(ins.dram, ins.rows, ins.cols * elem, cfg.loadStride), writes: [] };
    }
    case 'MVOUT':
      return { reads: [], writes: rowsAccess(ins.dram, ins.rows, ins.cols, cfg.storeStride) };
    case 'PRELOAD':
    case 'COMPUTE':
    case 'CFG_GEMM':
    case 'CFG_TILE':
    case 'CFG_ADDR_IN':
    case 'CFG_ADDR_OUT':
    case 'CFG_STRIDE':
    case 'CFG_QUANT':
    case 'CFG_CONV_IN':
    case 'CFG_CONV_OUT':
    case 'CFG_CONV_KERNEL':
    case 'CFG_POOL':
    case 'CFG_LOAD':
    case 'CFG_STORE':
    case 'CFG_QPARAM':
    case 'FENCE':
    case 'GRANULE_END':
    case 'END':
      return { reads: [], writes: [] };
    default:
      return unreachable(ins, 'opcode');
  }
}

/** First byte of `a` outside [lo, hi), or undefined when every byte is inside. Rows are
 *  visited in order, so the answer is the first offending byte the DMA would touch. */
export function firstOutside(a: Access, lo: number, hi: number): number | undefined {
  for (let r = 0; r < a.rows; r++) {
    const start = a.addr + r * a.stride;
    const end = start + a.rowBytes;
    if (start < lo) return start;
    if (end > hi) return Math.max(start, hi);
    // Rows move monotonically; once the rest provably stays inside, stop early.
    if (a.stride >= 0 && a.addr + (a.rows - 1) * a.stride + a.rowBytes <= hi && a.addr >= lo)
      return undefined;
  }
  return undefined;
}

/** Why a loop cannot run with this configuration (FAULT_ILLEGAL_INSTRUCTION), if at all. */
export function configProblem(ins: Instruction, cfg: TileConfig): string | undefined {
  if (ins.op === 'LOOP_CONV') {
    if (cfg.kernel === 0 || cfg.convStride === 0) return 'conv kernel and stride must be ≥ 1';
    if ((ins.flags & FLAG_DEPTHWISE) !== 0 && cfg.inC !== cfg.outC)
      return 'depthwise conv needs in C = out C';
    if ((ins.flags & FLAG_FUSED_POOL) !== 0 && (cfg.poolSize === 0 || cfg.poolStride === 0))
      return 'pool window and stride must be ≥ 1';
  }
  if (
    ins.op === 'LOOP_POOL' &&
    (ins.flags & FLAG_GLOBAL_AVG) === 0 &&
    (cfg.poolSize === 0 || cfg.poolStride === 0)
  )
    return 'pool window and stride must be ≥ 1';
  return undefined;
}

/** Whether one A block + one B block fit half the scratchpad and one C block half the
 *  accumulator (the double-buffering contract of docs/isa.md). */
export function tilesFit(
  ins: Instruction,
  cfg: TileConfig,
  scratchpadBytes: number,
  accumulatorBytes: number,
): boolean {
  if (ins.op !== 'LOOP_MATMUL' && ins.op !== 'LOOP_CONV') return true;
  const d = ins.op === 'LOOP_CONV' ? convDims(cfg, ins.flags) : { I: cfg.I, J: cfg.J, K: cfg.K };
  const tI = tileOf(cfg.tileI, d.I);
  const tJ = tileOf(cfg.tileJ, d.J);
  const tK = tileOf(cfg.tileK, d.K);
  return tI * tK + tK * tJ <= scratchpadBytes / 2 && tI * tJ * 4 <= accumulatorBytes / 2;
}

/** How many conv outputs a fused-pool conv computes per one it keeps, given accumulator
 *  tiles of `tilePixels` conv outputs: a tile must hold whole pool windows, so windows
 *  that overlap a tile edge (size > stride) recompute the shared rows or columns in both
 *  tiles, as Gemmini's conv loop does with its pooled tile (porows × pocols; the conv rows
 *  it computes are porows·stride + size − stride, gemmini.h tiled_conv). The tile is taken
 *  as whole pooled rows when it holds at least one, else as one pooled row of as many
 *  pooled columns as fit. 1 when windows do not overlap. */
export function poolRecompute(
  outW: number,
  pooledW: number,
  size: number,
  stride: number,
  tilePixels: number,
): number {
  const halo = size - stride;
  if (halo <= 0 || stride <= 0 || outW <= 0 || pooledW <= 0) return 1;
  const rowsPerTile = Math.floor(tilePixels / outW);
  if (rowsPerTile >= size) {
    const pr = Math.max(1, Math.floor((rowsPerTile - halo) / stride));
    return (pr * stride + halo) / (pr * stride);
  }
  const colsPerTile = Math.floor(tilePixels / size);
  const pc = Math.max(1, Math.min(pooledW, Math.floor((colsPerTile - halo) / stride)));
  return ((stride + halo) * (pc * stride + halo)) / (stride * pc * stride);
}

/** How the K tiles of a dense conv read its input. Gemmini's conv loop loads, per tile, the
 *  input window of the tile's kernel slice (`sp_tiled_conv_A_stride`: irows = orows·stride +
 *  krows − 1, icols = ocols·stride + kcols − 1, kchs channels). Gemmini's tilers cut the
 *  kernel only for layers of fewer than DIM input channels (MoCA's `tiling_factor_calculate`,
 *  "for first layer"); deeper layers keep the whole kernel and split input channels. So a K
 *  tile is taken as a block of input channels over the whole kernel when inC ≥ DIM (the input
 *  is read once over the K tiles: undefined here), and as a run of whole kernel positions (im2col
 *  K order: kernel row, kernel column, channel) when inC < DIM and tK is a multiple of inC:
 *  then this returns, per K tile, the kernel rows ry and columns rx whose input it reads. */
export function kernelSlices(
  k: number,
  inC: number,
  tK: number,
  dim: number,
): { ry: number; rx: number }[] | undefined {
  const K = k * k * inC;
  if (inC >= dim || tK <= 0 || tK >= K || tK % inC !== 0) return undefined;
  const p = tK / inC;
  const out: { ry: number; rx: number }[] = [];
  for (let q0 = 0; q0 < k * k; q0 += p) {
    const q1 = Math.min(k * k, q0 + p) - 1;
    const ry = Math.floor(q1 / k) - Math.floor(q0 / k) + 1;
    // a run that wraps to the next kernel row loads its bounding rectangle (Gemmini's tiles
    // are krows × kcols rectangles): all k columns
    const rx = ry === 1 ? (q1 % k) - (q0 % k) + 1 : k;
    out.push({ ry, rx });
  }
  return out;
}

/** Input bytes an i-tile of `pixels` consecutive output pixels (all channels) needs for a
 *  kernel slice of ry rows × rx columns; `inRows` = the input rows the whole loop reads. */
export function sliceInput(
  outW: number,
  inW: number,
  inC: number,
  stride: number,
  inRows: number,
  pixels: number,
  ry: number,
  rx: number,
): number {
  if (outW === 0 || pixels === 0) return 0;
  if (pixels < outW) return Math.min(inRows, ry) * Math.min(inW, (pixels - 1) * stride + rx) * inC;
  const rowsOut = Math.ceil(pixels / outW);
  return Math.min(inRows, (rowsOut - 1) * stride + ry) * inW * inC;
}
