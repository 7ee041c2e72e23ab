// Facts about one loop op, independent of the board: the axes it can be split along
// (across tiles and into sub-layer chunks), slicing along them, the DRAM byte ranges it
// reads and writes, and its MAC count.
//
// Convs, depthwise convs and max pools split by output rows as MoCA does: a row slice sets
// CFG_CONV_KERNEL.d (docs/isa.md) and addresses the whole input image, so padding and the
// halo rows of a middle slice are exact. They can also split by output channels; the
// planner (plan.ts) picks the axis that costs least.
import type { ConvOp, LoopOp, PoolOp, SymAddr } from './types.ts';
import { unreachable } from '../../boards/unreachable.ts';

export type SplitAxis = 'rows' | 'cols';

export interface SplitInfo {
  readonly axis: SplitAxis;
  /** Units along the axis (rows, or columns/channels). */
  readonly units: number;
  /** Slice boundaries are multiples of this (DIM for columns, so array blocks stay whole). */
  readonly grain: number;
}

/** The axes an op can be split along, rows first. */
export function splitAxes(op: LoopOp, dim: number): SplitInfo[] {
  switch (op.kind) {
    case 'matmul':
      return [
        { axis: 'rows', units: op.I, grain: 1 },
        { axis: 'cols', units: op.J, grain: dim },
      ];
    case 'conv':
      return [
        { axis: 'rows', units: op.pool ? op.pool.h : op.outH, grain: 1 },
        { axis: 'cols', units: op.outC, grain: dim },
      ];
    case 'resadd':
      return [{ axis: 'rows', units: op.I, grain: 1 }];
    case 'pool':
      return op.global
        ? [{ axis: 'cols', units: op.C, grain: dim }]
        : [
            { axis: 'rows', units: op.outH, grain: 1 },
            { axis: 'cols', units: op.C, grain: dim },
          ];
    case 'vec':
      return [{ axis: 'rows', units: op.rows, grain: 1 }];
  }
}

/** Rows of a (possibly row-sliced) conv, as docs/isa.md defines them: conv-map rows
 *  [cy0, cy1) computed and input rows [iy0, iy1) read. */
export function convRows(op: ConvOp<unknown>): { cy0: number; cy1: number; iy0: number; iy1: number } {
  let cy0 = op.row0,
    cy1 = op.row0 + op.outH;
  if (op.pool) {
    cy0 = Math.max(0, op.row0 * op.pool.stride - op.pool.padding);
    cy1 = Math.min(op.outH, (op.row0 + op.pool.h - 1) * op.pool.stride - op.pool.padding + op.pool.size);
  }
  if (cy1 <= cy0 || (op.pool && op.pool.h === 0)) return { cy0, cy1: cy0, iy0: 0, iy1: 0 };
  const iy0 = Math.max(0, cy0 * op.s - op.p),
    iy1 = Math.min(op.inH, (cy1 - 1) * op.s - op.p + op.k);
  return { cy0, cy1, iy0, iy1: Math.max(iy0, iy1) };
}

/** Input rows [iy0, iy1) a (possibly row-sliced) pool reads. */
export function poolRows(op: PoolOp<unknown>): { iy0: number; iy1: number } {
  if (op.global) return { iy0: 0, iy1: op.inH };
  if (op.outH === 0) return { iy0: 0, iy1: 0 };
  const iy0 = Math.max(0, op.row0 * op.stride - op.padding);
  const iy1 = Math.min(op.inH, (op.row0 + op.outH - 1) * op.stride - op.padding + op.size);
  return iy1 > iy0 ? { iy0, iy1 } : { iy0: 0, iy1: 0 };
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
        const base = {
          ...op,
          outC: n,
          b: at(op.b, u0),
          bias: op.bias && at(op.bias, 4 * u0),
          c: at(op.c, u0),
        };
        return op.depthwise ? { ...base, inC: n, a: at(op.a, u0) } : base;
      }
      // rows [u0, u1) of the written map, relative to this op's own first row
      const outW = op.pool ? op.pool.w : op.outW;
      const c = at(op.c, u0 * outW * op.sC);
      return op.pool
        ? { ...op, row0: op.row0 + u0, pool: { ...op.pool, h: n }, c }
        : { ...op, row0: op.row0 + u0, outH: n, c };
    }
    case 'resadd':
      return { ...op, I: n, a: at(op.a, u0 * op.sA), b: at(op.b, u0 * op.sB), c: at(op.c, u0 * op.sC) };
    case 'pool':
      return axis === 'cols'
        ? { ...op, C: n, a: at(op.a, u0), c: at(op.c, u0) }
        : { ...op, row0: op.row0 + u0, outH: n, c: at(op.c, u0 * op.outW * op.sC) };
    case 'vec':
      return { ...op, rows: n, a: at(op.a, u0 * op.sA), c: at(op.c, u0 * op.sC) };
  }
}

/** Contiguous byte range [lo, hi) of a buffer. */
export interface Span {
  readonly buf: number;
  readonly lo: number;
  readonly hi: number;
}

const mat = (x: SymAddr, rows: number, cols: number, stride: number): Span[] =>
  rows > 0 && cols > 0 ? [{ buf: x.buf, lo: x.off, hi: x.off + (rows - 1) * stride + cols }] : [];

/** Hulls of every DRAM byte the op may read / write (what the tile's region check covers). */
export function opSpans(op: LoopOp): { reads: Span[]; writes: Span[] } {
  switch (op.kind) {
    case 'matmul':
      return {
        reads: [
          ...mat(op.a, op.I, op.K, op.sA),
          ...mat(op.b, op.K, op.J, op.sB),
          ...(op.bias ? mat(op.bias, 1, 4 * op.J, 0) : []),
        ],
        writes: mat(op.c, op.I, op.J, op.sC),
      };
    case 'conv': {
      const kRows = op.depthwise ? op.k * op.k : op.k * op.k * op.inC;
      const outPix = op.pool ? op.pool.h * op.pool.w : op.outH * op.outW;
      const r = convRows(op);
      return {
        reads: [
          ...mat(at(op.a, r.iy0 * op.inW * op.sA), (r.iy1 - r.iy0) * op.inW, op.inC, op.sA),
          ...mat(op.b, kRows, op.outC, op.sB),
          ...(op.bias ? mat(op.bias, 1, 4 * op.outC, 0) : []),
        ],
        writes: mat(op.c, outPix, op.outC, op.sC),
      };
    }
    case 'resadd':
      return {
        reads: [...mat(op.a, op.I, op.J, op.sA), ...mat(op.b, op.I, op.J, op.sB)],
        writes: mat(op.c, op.I, op.J, op.sC),
      };
    case 'pool': {
      const r = poolRows(op);
      return {
        reads: mat(at(op.a, r.iy0 * op.inW * op.sA), (r.iy1 - r.iy0) * op.inW, op.C, op.sA),
        writes: op.global ? mat(op.c, 1, op.C, 0) : mat(op.c, op.outH * op.outW, op.C, op.sC),
      };
    }
    case 'vec':
      return { reads: mat(op.a, op.rows, op.cols, op.sA), writes: mat(op.c, op.rows, op.cols, op.sC) };
  }
}

export function opMacs(op: LoopOp): number {
  switch (op.kind) {
    case 'matmul':
      return op.I * op.J * op.K;
    case 'conv': {
      const r = convRows(op);
      return (r.cy1 - r.cy0) * op.outW * op.outC * op.k * op.k * (op.depthwise ? 1 : op.inC);
    }
    case 'resadd':
    case 'pool':
    case 'vec':
      return 0;
    default:
      return unreachable(op, 'loop op kind');
  }
}
