// Straightforward CPU implementations of every loop op on a byte-addressed memory image,
// written from docs/isa.md (not from the emulator). Slow on purpose: one loop per formula.
import type { ConvOp, LoopOp, MatmulOp, PoolOp, ResaddOp, VecOp } from '../compiler/types.ts';
import { act, requant } from './numerics.ts';
import { unreachable } from '../../boards/unreachable.ts';

/** A window [base, base+bytes) of board DRAM. */
export class MemoryImage {
  readonly bytes: Uint8Array;
  private readonly s8: Int8Array;
  private readonly view: DataView;
  constructor(
    readonly base: number,
    size: number,
  ) {
    this.bytes = new Uint8Array(size);
    this.s8 = new Int8Array(this.bytes.buffer);
    this.view = new DataView(this.bytes.buffer);
  }
  private at(addr: number): number {
    const o = addr - this.base;
    if (o < 0 || o >= this.bytes.length)
      throw new RangeError(
        `address 0x${addr.toString(16)} outside the image [0x${this.base.toString(16)}, +${this.bytes.length})`,
      );
    return o;
  }
  i8(addr: number): number {
    return this.s8[this.at(addr)]!;
  }
  setI8(addr: number, v: number): void {
    this.s8[this.at(addr)] = v;
  }
  i32(addr: number): number {
    this.at(addr + 3);
    return this.view.getInt32(this.at(addr), true);
  }
  write(addr: number, data: Uint8Array): void {
    this.at(addr + data.length - 1);
    this.bytes.set(data, this.at(addr));
  }
  read(addr: number, length: number): Uint8Array {
    this.at(addr + length - 1);
    return this.bytes.slice(this.at(addr), this.at(addr) + length);
  }
}

function matmul(m: MemoryImage, op: MatmulOp<number>): void {
  const out: number[] = [];
  for (let i = 0; i < op.I; i++) {
    for (let j = 0; j < op.J; j++) {
      let acc = op.bias !== null ? m.i32(op.bias + 4 * j) : 0;
      for (let k = 0; k < op.K; k++) acc += m.i8(op.a + i * op.sA + k) * m.i8(op.b + k * op.sB + j);
      out.push(act(requant(acc, op.q.M, op.q.S), op.q.relu));
    }
  }
  // written after all reads, as the tile does (an op never reads its own output)
  let n = 0;
  for (let i = 0; i < op.I; i++) for (let j = 0; j < op.J; j++) m.setI8(op.c + i * op.sC + j, out[n++]!);
}

/** One conv-map value (docs/isa.md LOOP_CONV): input rows/columns outside the image read 0. */
function convAt(m: MemoryImage, op: ConvOp<number>, cy: number, cx: number, co: number): number {
  let acc = op.bias !== null ? m.i32(op.bias + 4 * co) : 0;
  for (let ky = 0; ky < op.k; ky++) {
    const iy = cy * op.s + ky - op.p;
    if (iy < 0 || iy >= op.inH) continue;
    for (let kx = 0; kx < op.k; kx++) {
      const ix = cx * op.s + kx - op.p;
      if (ix < 0 || ix >= op.inW) continue;
      const px = op.a + (iy * op.inW + ix) * op.sA;
      if (op.depthwise) {
        acc += m.i8(px + co) * m.i8(op.b + (ky * op.k + kx) * op.sB + co);
      } else {
        for (let ci = 0; ci < op.inC; ci++)
          acc += m.i8(px + ci) * m.i8(op.b + ((ky * op.k + kx) * op.inC + ci) * op.sB + co);
      }
    }
  }
  return act(requant(acc, op.q.M, op.q.S), op.q.relu);
}

function conv(m: MemoryImage, op: ConvOp<number>): void {
  const out: number[] = [];
  if (op.pool === null) {
    // rows row0 … row0+outH−1 of the conv map, written from C
    for (let oy = 0; oy < op.outH; oy++)
      for (let ox = 0; ox < op.outW; ox++)
        for (let co = 0; co < op.outC; co++) out.push(convAt(m, op, oy + op.row0, ox, co));
    let n = 0;
    for (let p = 0; p < op.outH * op.outW; p++)
      for (let co = 0; co < op.outC; co++) m.setI8(op.c + p * op.sC + co, out[n++]!);
    return;
  }
  // pooled rows row0 … row0+h−1 of max-pool(conv map of outH×outW); conv values memoised
  const pl = op.pool;
  const memo = new Map<number, number>();
  const conv = (y: number, x: number, co: number): number => {
    const key = (y * op.outW + x) * op.outC + co;
    let v = memo.get(key);
    if (v === undefined) memo.set(key, (v = convAt(m, op, y, x, co)));
    return v;
  };
  for (let py = 0; py < pl.h; py++)
    for (let px = 0; px < pl.w; px++)
      for (let co = 0; co < op.outC; co++) {
        let best = -Infinity;
        for (let wy = 0; wy < pl.size; wy++)
          for (let wx = 0; wx < pl.size; wx++) {
            const y = (py + op.row0) * pl.stride - pl.padding + wy,
              x = px * pl.stride - pl.padding + wx;
            if (y < 0 || y >= op.outH || x < 0 || x >= op.outW) continue;
            best = Math.max(best, conv(y, x, co));
          }
        out.push(best === -Infinity ? -128 : best);
      }
  let n = 0;
  for (let p = 0; p < pl.h * pl.w; p++)
    for (let co = 0; co < op.outC; co++) m.setI8(op.c + p * op.sC + co, out[n++]!);
}

function resadd(m: MemoryImage, op: ResaddOp<number>): void {
  const out: number[] = [];
  for (let i = 0; i < op.I; i++)
    for (let j = 0; j < op.J; j++)
      out.push(
        act(requant(m.i8(op.a + i * op.sA + j) + m.i8(op.b + i * op.sB + j), op.q.M, op.q.S), op.q.relu),
      );
  let n = 0;
  for (let i = 0; i < op.I; i++) for (let j = 0; j < op.J; j++) m.setI8(op.c + i * op.sC + j, out[n++]!);
}

function pool(m: MemoryImage, op: PoolOp<number>): void {
  if (op.global) {
    const out: number[] = [];
    for (let c = 0; c < op.C; c++) {
      let acc = 0;
      for (let p = 0; p < op.inH * op.inW; p++) acc += m.i8(op.a + p * op.sA + c);
      out.push(requant(acc, op.q.M, op.q.S));
    }
    out.forEach((v, c) => m.setI8(op.c + c, v));
    return;
  }
  const out: number[] = [];
  for (let py = 0; py < op.outH; py++)
    for (let px = 0; px < op.outW; px++)
      for (let c = 0; c < op.C; c++) {
        let best = -Infinity;
        for (let wy = 0; wy < op.size; wy++)
          for (let wx = 0; wx < op.size; wx++) {
            const y = (py + op.row0) * op.stride - op.padding + wy,
              x = px * op.stride - op.padding + wx;
            if (y < 0 || y >= op.inH || x < 0 || x >= op.inW) continue;
            best = Math.max(best, m.i8(op.a + (y * op.inW + x) * op.sA + c));
          }
        out.push(best === -Infinity ? -128 : best);
      }
  let n = 0;
  for (let p = 0; p < op.outH * op.outW; p++)
    for (let c = 0; c < op.C; c++) m.setI8(op.c + p * op.sC + c, out[n++]!);
}

/** Softmax / layernorm are timing-only on the board: functional mode copies A to C. */
function vec(m: MemoryImage, op: VecOp<number>): void {
  const rows: Uint8Array[] = [];
  for (let r = 0; r < op.rows; r++) rows.push(m.read(op.a + r * op.sA, op.cols));
  rows.forEach((row, r) => m.write(op.c + r * op.sC, row));
}

export function runOp(m: MemoryImage, op: LoopOp<number>): void {
  switch (op.kind) {
    case 'matmul':
      return matmul(m, op);
    case 'conv':
      return conv(m, op);
    case 'resadd':
      return resadd(m, op);
    case 'pool':
      return pool(m, op);
    case 'vec':
      return vec(m, op);
    default:
      return unreachable(op, 'loop op kind');
  }
}
