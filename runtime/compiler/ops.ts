// Facts about one loop op, independent of the board: the axis it splits along (across
// tiles and into sub-layer chunks), slicing along it, the DRAM byte ranges it reads and
// writes, and its MAC count.
//
// Why some layers split by channels: MoCA splits a layer across tiles by output rows, but the
// ISA's padding is symmetric (CFG_CONV_KERNEL.c applies to every side), so a middle row slice
// of a *padded* conv cannot be expressed — its top halo would read as zeros. Padded convs,
// max/avg pools and tiny-I matmuls (FC layers) split by output channels/columns instead;
// everything else splits by output rows.
import type { LoopOp, SymAddr } from './types.ts';

export type SplitAxis = 'rows' | 'cols';

export interface SplitInfo {
  readonly axis: SplitAxis;
  /** Units along the axis (rows, or columns/channels). */
  readonly units: number;
  /** Slice boundaries are multiples of this (DIM for columns, so array blocks stay whole). */
  readonly grain: number;
}

export function splitInfo(op: LoopOp, dim: number): SplitInfo {
  switch (op.kind) {
    case 'matmul':
      return op.I >= dim ? { axis: 'rows', units: op.I, grain: 1 } : { axis: 'cols', units: op.J, grain: dim };
    case 'conv': {
      const rowsOk = op.p === 0 && (op.pool === null || op.pool.padding === 0);
      return rowsOk ? { axis: 'rows', units: op.pool ? op.pool.h : op.outH, grain: 1 } : { axis: 'cols', units: op.outC, grain: dim };
    }
    case 'resadd':
      return { axis: 'rows', units: op.I, grain: 1 };
    case 'pool':
      return { axis: 'cols', units: op.C, grain: dim };
    case 'vec':
      return { axis: 'rows', units: op.rows, grain: 1 };
  }
}

const at = (x: SymAddr, d: number): SymAddr => ({ buf: x.buf, off: x.off + d });

/** The part of `op` that produces output units [u0, u1) along its split axis. */
export function sliceOp(op: LoopOp, axis: SplitAxis, u0: number, u1: number): LoopOp {
  const n = u1 - u0;
  switch (op.kind) {
    case 'matmul':
      return axis === 'rows'
        ? { ...op, I: n, a: at(op.a, u0 * op.sA), c: at(op.c, u0 * op.sC) }
        : { ...op, J: n, b: at(op.b, u0), bias: op.bias && at(op.bias, 4 * u0), c: at(op.c, u0) };
    case 'conv': {
      if (axis === 'cols') {
        const base = { ...op, outC: n, b: at(op.b, u0), bias: op.bias && at(op.bias, 4 * u0), c: at(op.c, u0) };
        return op.depthwise ? { ...base, inC: n, a: at(op.a, u0) } : base;
      }
      // rows (no padding anywhere): output rows [u0,u1) of the written map
      const pool = op.pool;
      const cy0 = pool ? u0 * pool.stride : u0;
      const cy1 = pool ? Math.min(op.outH, (u1 - 1) * pool.stride + pool.size) : u1;
      const iy0 = cy0 * op.s;
      const iy1 = Math.min(op.inH, (cy1 - 1) * op.s + op.k);
      const outW = pool ? pool.w : op.outW;
      return {
        ...op,
        inH: iy1 - iy0,
        outH: cy1 - cy0,
        pool: pool ? { ...pool, h: n } : null,
        a: at(op.a, iy0 * op.inW * op.sA),
        c: at(op.c, u0 * outW * op.sC),
      };
    }
    case 'resadd':
      return { ...op, I: n, a: at(op.a, u0 * op.sA), b: at(op.b, u0 * op.sB), c: at(op.c, u0 * op.sC) };
    case 'pool':
      return { ...op, C: n, a: at(op.a, u0), c: at(op.c, u0) };
    case 'vec':
      return { ...op, rows: n, a: at(op.a, u0 * op.sA), c: at(op.c, u0 * op.sC) };
  }
}

/** Contiguous byte range [lo, hi) of a buffer. */
export interface Span { readonly buf: number; readonly lo: number; readonly hi: number }

const mat = (x: SymAddr, rows: number, cols: number, stride: number): Span => ({ buf: x.buf, lo: x.off, hi: x.off + (rows - 1) * stride + cols });

/** Hulls of every DRAM byte the op may read / write (what the tile's region check covers). */
export function opSpans(op: LoopOp): { reads: Span[]; writes: Span[] } {
  switch (op.kind) {
    case 'matmul':
      return {
        reads: [mat(op.a, op.I, op.K, op.sA), mat(op.b, op.K, op.J, op.sB), ...(op.bias ? [mat(op.bias, 1, 4 * op.J, 0)] : [])],
        writes: [mat(op.c, op.I, op.J, op.sC)],
      };
    case 'conv': {
      const kRows = op.depthwise ? op.k * op.k : op.k * op.k * op.inC;
      const outPix = op.pool ? op.pool.h * op.pool.w : op.outH * op.outW;
      return {
        reads: [mat(op.a, op.inH * op.inW, op.inC, op.sA), mat(op.b, kRows, op.outC, op.sB), ...(op.bias ? [mat(op.bias, 1, 4 * op.outC, 0)] : [])],
        writes: [mat(op.c, outPix, op.outC, op.sC)],
      };
    }
    case 'resadd':
      return { reads: [mat(op.a, op.I, op.J, op.sA), mat(op.b, op.I, op.J, op.sB)], writes: [mat(op.c, op.I, op.J, op.sC)] };
    case 'pool':
      return {
        reads: [mat(op.a, op.inH * op.inW, op.C, op.sA)],
        writes: [op.global ? mat(op.c, 1, op.C, 0) : mat(op.c, op.outH * op.outW, op.C, op.sC)],
      };
    case 'vec':
      return { reads: [mat(op.a, op.rows, op.cols, op.sA)], writes: [mat(op.c, op.rows, op.cols, op.sC)] };
  }
}

export function opMacs(op: LoopOp): number {
  switch (op.kind) {
    case 'matmul': return op.I * op.J * op.K;
    case 'conv': return op.outH * op.outW * op.outC * op.k * op.k * (op.depthwise ? 1 : op.inC);
    default: return 0;
  }
}
