// Straightforward CPU implementations of every loop op on a byte-addressed memory image,
// written from docs/isa.md (not from the emulator). Slow on purpose: one loop per formula.
import type { ConvOp, LoopOp, MatmulOp, PoolOp, QParams, ResaddOp, VecOp } from '../compiler/types.ts';
import { act, affine, requant, rne } from './numerics.ts';
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
  f32(addr: number): number {
    this.at(addr + 3);
    return this.view.getFloat32(this.at(addr), true);
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
      const zA = op.qp ? op.qp.zA : 0;
      for (let k = 0; k < op.K; k++) acc += (m.i8(op.a + i * op.sA + k) - zA) * m.i8(op.b + k * op.sB + j);
      out.push(
        op.qp
          ? affine(acc, scaleOf(m, op.qp, j), op.qp, op.q.relu)
          : act(requant(acc, op.q.M, op.q.S), op.q.relu),
      );
    }
  }
  // written after all reads, as the tile does (an op never reads its own output)
  let n = 0;
  for (let i = 0; i < op.I; i++) for (let j = 0; j < op.J; j++) m.setI8(op.c + i * op.sC + j, out[n++]!);
}

/** Entry j of an affine op's scale table (entry 0 unless per-channel). */
function scaleOf(m: MemoryImage, qp: QParams<number>, j: number): number {
  return m.f32(qp.scale + 4 * (qp.perChannel ? j : 0));
}

/** One conv-map value (docs/isa.md LOOP_CONV): input rows/columns outside the image read 0
 *  (affine: taps inside the image read in − zA, taps outside contribute nothing). */
function convAt(m: MemoryImage, op: ConvOp<number>, cy: number, cx: number, co: number): number {
  let acc = op.bias !== null ? m.i32(op.bias + 4 * co) : 0;
  for (let ky = 0; ky < op.k; ky++) {
    const iy = cy * op.s + ky - op.p;
    if (iy < 0 || iy >= op.inH) continue;
    for (let kx = 0; kx < op.k; kx++) {
      const ix = cx * op.s + kx - op.p;
      if (ix < 0 || ix >= op.inW) continue;
      const px = op.a + (iy * op.inW + ix) * op.sA;
      const zA = op.qp ? op.qp.zA : 0;
      if (op.depthwise) {
        acc += (m.i8(px + co) - zA) * m.i8(op.b + (ky * op.k + kx) * op.sB + co);
      } else {
        for (let ci = 0; ci < op.inC; ci++)
          acc += (m.i8(px + ci) - zA) * m.i8(op.b + ((ky * op.k + kx) * op.inC + ci) * op.sB + co);
      }
    }
  }
  return op.qp
    ? affine(acc, scaleOf(m, op.qp, co), op.qp, op.q.relu)
    : act(requant(acc, op.q.M, op.q.S), op.q.relu);
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
  const qp = op.qp;
  for (let i = 0; i < op.I; i++)
    for (let j = 0; j < op.J; j++) {
      const a = m.i8(op.a + i * op.sA + j),
        b = m.i8(op.b + i * op.sB + j);
      if (qp === undefined) {
        out.push(act(requant(a + b, op.q.M, op.q.S), op.q.relu));
        continue;
      }
      // docs/isa.md: rne(f32(f32(f32(sA·(A − zA)) + f32(sB·(B − zB))) / sC)) + zC, clamped
      const [sA, sB, sC] = [m.f32(qp.scale), m.f32(qp.scale + 4), m.f32(qp.scale + 8)];
      const sum = Math.fround(Math.fround(sA * (a - qp.zA)) + Math.fround(sB * (b - qp.zB)));
      const y = rne(Math.fround(sum / sC)) + qp.zC;
      const lo = op.q.relu ? Math.max(qp.lo, qp.zC) : qp.lo;
      out.push(y < lo ? lo : y > qp.hi ? qp.hi : y);
    }
  let n = 0;
  for (let i = 0; i < op.I; i++) for (let j = 0; j < op.J; j++) m.setI8(op.c + i * op.sC + j, out[n++]!);
}

function pool(m: MemoryImage, op: PoolOp<number>): void {
  if (op.global) {
    const out: number[] = [];
    for (let c = 0; c < op.C; c++) {
      let acc = 0;
      const zA = op.qp ? op.qp.zA : 0;
      for (let p = 0; p < op.inH * op.inW; p++) acc += m.i8(op.a + p * op.sA + c) - zA;
      out.push(op.qp ? affine(acc, scaleOf(m, op.qp, c), op.qp, false) : requant(acc, op.q.M, op.q.S));
    }
    out.forEach((v, c) => m.setI8(op.c + c, v));
    return;
  }
  if (op.average) return averagePool(m, op, op.average.countPad);
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

/** Windowed average (docs/isa.md LOOP_POOL flags.1): the window clipped to the image; the
 *  divisor with countPad is the window clipped to the padded image, else the taps inside. Affine: float32 sum of sIn·(x − zA),
 *  / count, then rne(f32(f32(avg / sOut) + zOut)) − zOut + zC, clamped. */
function averagePool(m: MemoryImage, op: PoolOp<number>, countPad: boolean): void {
  const qp = op.qp;
  for (let py = 0; py < op.outH; py++) {
    const y0 = (py + op.row0) * op.stride - op.padding;
    const rows: number[] = [];
    for (let y = Math.max(0, y0); y < Math.min(op.inH, y0 + op.size); y++) rows.push(y);
    for (let px = 0; px < op.outW; px++) {
      const x0 = px * op.stride - op.padding;
      const cols: number[] = [];
      for (let x = Math.max(0, x0); x < Math.min(op.inW, x0 + op.size); x++) cols.push(x);
      const count = countPad
        ? (Math.min(y0 + op.size, op.inH + op.padding) - y0) *
          (Math.min(x0 + op.size, op.inW + op.padding) - x0)
        : rows.length * cols.length;
      for (let c = 0; c < op.C; c++) {
        const taps = rows.flatMap((y) => cols.map((x) => m.i8(op.a + (y * op.inW + x) * op.sA + c)));
        let v: number;
        if (qp === undefined)
          v = requant(
            taps.reduce((a, b) => a + b, 0),
            op.q.M,
            op.q.S,
          );
        else {
          const [sIn, sOut, zOut] = [m.f32(qp.scale), m.f32(qp.scale + 4), m.f32(qp.scale + 8)];
          const sum = taps.reduce((acc, x) => Math.fround(acc + Math.fround(sIn * (x - qp.zA))), 0);
          const y = rne(Math.fround(Math.fround(Math.fround(sum / count) / sOut) + zOut)) - zOut + qp.zC;
          v = y < qp.lo ? qp.lo : y > qp.hi ? qp.hi : y;
        }
        m.setI8(op.c + (py * op.outW + px) * op.sC + c, v);
      }
    }
  }
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
