// Affine requantization (CFG_QPARAM, docs/isa.md): zero points and float32 scales, the
// arithmetic quantized ONNX models need. After CFG_QPARAM (until the next CFG_QUANT) the
// loops compute with input zero points and requantize as
//   rq(acc, s) = clamp(rne(f32(f32(acc) · s)) + zC, lo, hi)
// with rne = round half to even: the same float32 steps as ONNX Runtime's integer kernels
// (int32 → float, one float multiply, round to nearest even, add the zero point, saturate).
import type { Instruction, InstructionOf } from '../isa/index.ts';
import { FLAG_GLOBAL_AVG, FLAG_PER_CHANNEL, FLAG_WINDOW_AVG } from '../isa/index.ts';
import type { TileConfig } from './config.ts';
import type { Access } from './footprint.ts';
import type { SparseMemory } from './sparse-memory.ts';

export interface AffineConfig {
  readonly perChannel: boolean;
  /** DRAM address of the float32 scale table. */
  readonly addrScale: number;
  readonly zA: number;
  readonly zB: number;
  readonly zC: number;
  readonly lo: number;
  readonly hi: number;
}

const s8 = (byte: number): number => ((byte & 0xff) << 24) >> 24;

export function affineOf(ins: InstructionOf<'CFG_QPARAM'>): AffineConfig {
  return {
    perChannel: (ins.flags & FLAG_PER_CHANNEL) !== 0,
    addrScale: ins.scale,
    zA: s8(ins.zeroPoints),
    zB: s8(ins.zeroPoints >>> 8),
    zC: s8(ins.zeroPoints >>> 16),
    lo: s8(ins.clamp),
    hi: s8(ins.clamp >>> 8),
  };
}

/** CFG_QPARAM operands for the given parameters (the inverse of affineOf). */
export function qparamFields(p: Omit<AffineConfig, 'perChannel' | 'addrScale'>): {
  zeroPoints: number;
  clamp: number;
} {
  const u = (v: number): number => v & 0xff;
  return {
    zeroPoints: (u(p.zA) | (u(p.zB) << 8) | (u(p.zC) << 16)) >>> 0,
    clamp: u(p.lo) | (u(p.hi) << 8),
  };
}

/** Round half to even, as the FPU's default rounding mode (nearbyintf / cvtps2dq). */
export function rne(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Scales a loop needs: `n` per-channel entries, or one entry repeated. */
export function readScales(mem: SparseMemory, a: AffineConfig, n: number): Float32Array {
  const count = a.perChannel ? n : 1;
  const raw = mem.read(a.addrScale, 4 * count);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) out[j] = view.getFloat32(4 * (a.perChannel ? j : 0), true);
  return out;
}

/** The scale table a loop reads in affine mode, for the region check: one float per output
 *  column/channel (per-channel) or one; a residual add reads three (sA, sB, sC), a windowed
 *  average three (sIn, sOut, zOut). Max pool and
 *  LOOP_VEC read none. */
export function affineReads(ins: Instruction, cfg: TileConfig): Access | undefined {
  const a = cfg.affine;
  if (a === null) return undefined;
  let entries: number;
  switch (ins.op) {
    case 'LOOP_MATMUL':
      entries = a.perChannel ? cfg.J : 1;
      break;
    case 'LOOP_CONV':
      entries = a.perChannel ? cfg.outC : 1;
      break;
    case 'LOOP_POOL':
      if ((ins.flags & FLAG_WINDOW_AVG) !== 0) entries = 3;
      else if ((ins.flags & FLAG_GLOBAL_AVG) === 0) return undefined;
      else entries = a.perChannel ? cfg.inC : 1;
      break;
    case 'LOOP_RESADD':
      entries = 3;
      break;
    default:
      return undefined;
  }
  return { addr: a.addrScale, rows: 1, rowBytes: 4 * entries, stride: 0 };
}

/** out[off + j] = rq(acc[j], scale[j]) for j < n; `relu` also clamps at zC. */
export function requantAffineRow(
  acc: Int32Array,
  n: number,
  scales: Float32Array,
  a: AffineConfig,
  relu: boolean,
  out: Int8Array,
  off: number,
): void {
  const lo = relu ? Math.max(a.lo, a.zC) : a.lo;
  const hi = a.hi;
  for (let j = 0; j < n; j++) {
    let y = rne(Math.fround(Math.fround(acc[j]!) * scales[j]!)) + a.zC;
    if (y > hi) y = hi;
    else if (y < lo) y = lo;
    out[off + j] = y;
  }
}

/** Column sums Σ_r w[r·n + j] over `rows` rows: the zero-point correction zA·Σ W. */
export function columnSums(w: Int8Array, rows: number, n: number, rowOff = 0): Int32Array {
  const sums = new Int32Array(n);
  for (let r = 0; r < rows; r++) {
    const base = (rowOff + r) * n;
    for (let j = 0; j < n; j++) sums[j]! += w[base + j]!;
  }
  return sums;
}

/** Residual add: rne(f32(f32(sA·(a−zA)) + f32(sB·(b−zB))) / sC) + zC, saturated — the
 *  ONNX formula DequantizeLinear → Add → QuantizeLinear evaluated in float32. */
export function addAffine(x: number, y: number, s: Float32Array, a: AffineConfig, relu: boolean): number {
  const fa = Math.fround(s[0]! * (x - a.zA));
  const fb = Math.fround(s[1]! * (y - a.zB));
  let v = rne(Math.fround(Math.fround(fa + fb) / s[2]!)) + a.zC;
  const lo = relu ? Math.max(a.lo, a.zC) : a.lo;
  if (v > a.hi) v = a.hi;
  else if (v < lo) v = lo;
  return v;
}

/** One windowed average in affine mode, as ONNX Runtime's QLinearAveragePool computes it:
 *  every tap dequantized to float32 (sIn·(x − zA)) and summed in row-major order in float32,
 *  divided by `count`, then y = rne(f32(f32(avg / sOut) + zOut)) saturated, with zOut the
 *  model's own output zero point (table entry 2) and zC − zOut the int8 shift of a uint8 tensor.
 *  `at` indexes the window's first tap in `map` (row stride `rowStride`, tap stride `tap`). */
export function averageAffine(
  map: Int8Array,
  at: number,
  rows: number,
  cols: number,
  rowStride: number,
  tap: number,
  count: number,
  table: Float32Array,
  a: AffineConfig,
): number {
  const sIn = table[0]!,
    sOut = table[1]!,
    zOut = table[2]!;
  let sum = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      sum = Math.fround(sum + Math.fround(sIn * (map[at + r * rowStride + c * tap]! - a.zA)));
  const avg = Math.fround(sum / count);
  let v = rne(Math.fround(Math.fround(avg / sOut) + zOut)) - zOut + a.zC;
  if (v > a.hi) v = a.hi;
  else if (v < a.lo) v = a.lo;
  return v;
}
