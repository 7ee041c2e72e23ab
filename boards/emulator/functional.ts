// Functional mode: the arithmetic of the loop macro-ops (docs/isa.md), int8×int8→int32
// with wrap-around int32 accumulators, requantised with rounding and saturation. Tensors
// are gathered from DRAM into dense typed arrays, computed with flat loops (no per-element
// allocation; this is the hot path measured by the bench), and written back.
// Called when the op's timing has elapsed, so functional and timing mode share one clock.
import type { Instruction } from '../isa/index.ts';
import {
  FLAG_BIAS,
  FLAG_COUNT_PAD,
  FLAG_DEPTHWISE,
  FLAG_FUSED_POOL,
  FLAG_GLOBAL_AVG,
  FLAG_WINDOW_AVG,
} from '../isa/index.ts';
import type { TileConfig } from './config.ts';
import { convRowWindow, poolRowWindow, type RowWindow } from './footprint.ts';
import { requantOne, requantRow, type Quant } from './requant.ts';
import { addAffine, averageAffine, columnSums, readScales, requantAffineRow } from './affine.ts';
import type { SparseMemory } from './sparse-memory.ts';

function i8(u: Uint8Array): Int8Array {
  return new Int8Array(u.buffer, u.byteOffset, u.length);
}

function u8(i: Int8Array): Uint8Array {
  return new Uint8Array(i.buffer, i.byteOffset, i.length);
}

function quantOf(cfg: TileConfig): Quant {
  return { multiplier: cfg.multiplier, shift: cfg.shift, relu: cfg.relu };
}

function readBias(mem: SparseMemory, ins: Instruction, cfg: TileConfig, n: number): Int32Array {
  const bias = new Int32Array(n);
  if ((ins.flags & FLAG_BIAS) === 0 || cfg.addrBias === 0) return bias;
  const raw = mem.read(cfg.addrBias, 4 * n);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
  for (let j = 0; j < n; j++) bias[j] = view.getInt32(4 * j, true);
  return bias;
}

/**
 * acc[0..n) += Σ_{r<rows} x[xOff + r] · w[wOff + r·n + 0..n): one output row of a matmul.
 * Four weight rows per pass so each accumulator element is loaded and stored a quarter as
 * often (the hot loop of functional mode; the bench measured ~1.5× over one row per pass).
 * Int32Array stores wrap mod 2^32 exactly like sequential int32 adds: the partial sum of
 * four int8×int8 products is far below 2^53.
 */
function accumulateRows(
  acc: Int32Array,
  n: number,
  x: Int8Array,
  xOff: number,
  rows: number,
  w: Int8Array,
  wOff: number,
): void {
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const x0 = x[xOff + r]!;
    const x1 = x[xOff + r + 1]!;
    const x2 = x[xOff + r + 2]!;
    const x3 = x[xOff + r + 3]!;
    if ((x0 | x1 | x2 | x3) === 0) continue;
    const r0 = wOff + r * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    for (let j = 0; j < n; j++)
      acc[j]! += x0 * w[r0 + j]! + x1 * w[r1 + j]! + x2 * w[r2 + j]! + x3 * w[r3 + j]!;
  }
  for (; r < rows; r++) {
    const xv = x[xOff + r]!;
    if (xv === 0) continue;
    const r0 = wOff + r * n;
    for (let j = 0; j < n; j++) acc[j]! += xv * w[r0 + j]!;
  }
}

export function runMatmul(mem: SparseMemory, ins: Instruction, cfg: TileConfig): void {
  const { I, J, K } = cfg;
  if (I === 0 || J === 0) return;
  const a = i8(mem.readRows(cfg.addrA, I, K, cfg.strideA));
  const b = i8(mem.readRows(cfg.addrB, K, J, cfg.strideB));
  const bias = readBias(mem, ins, cfg, J);
  const acc = new Int32Array(J);
  const out = new Int8Array(I * J);
  const q = quantOf(cfg);
  const aff = cfg.affine;
  const scales = aff ? readScales(mem, aff, J) : null;
  if (aff && aff.zA !== 0) {
    // Σ (A − zA)·B = Σ A·B − zA·Σ_k B[k][j]: folded into the bias once per loop
    const sums = columnSums(b, K, J);
    for (let j = 0; j < J; j++) bias[j] = bias[j]! - aff.zA * sums[j]!;
  }
  for (let i = 0; i < I; i++) {
    acc.set(bias);
    accumulateRows(acc, J, a, i * K, K, b, 0);
    if (aff) requantAffineRow(acc, J, scales!, aff, cfg.relu, out, i * J);
    else requantRow(acc, J, q, out, i * J);
  }
  mem.writeRows(cfg.addrC, u8(out), I, J, cfg.strideC);
}

/** Conv (normal or depthwise) rows [w.cy0, w.cy1) of the conv map, as a dense
 *  (cy1−cy0)×outW×outC int8 map with the activation applied. Only the input rows of the
 *  window are read; rows outside the image are padding (zero). */
function convMap(mem: SparseMemory, ins: Instruction, cfg: TileConfig, w: RowWindow): Int8Array {
  const { inW, inC, outW, outC, kernel: k, convStride: s, padding: p } = cfg;
  const depthwise = (ins.flags & FLAG_DEPTHWISE) !== 0;
  const inRows = w.iy1 - w.iy0;
  const input = i8(mem.readRows(cfg.addrA + w.iy0 * inW * cfg.strideA, inRows * inW, inC, cfg.strideA));
  const wRows = depthwise ? k * k : k * k * inC;
  const wt = i8(mem.readRows(cfg.addrB, wRows, outC, cfg.strideB));
  const bias = readBias(mem, ins, cfg, outC);
  const acc = new Int32Array(outC);
  const rows = w.cy1 - w.cy0;
  const out = new Int8Array(rows * outW * outC);
  const q = quantOf(cfg);
  const aff = cfg.affine;
  const scales = aff ? readScales(mem, aff, outC) : null;
  // Affine: taps inside the image contribute (in − zA)·W, taps outside 0 (padding is the
  // value zA); the −zA·Σ W term is subtracted per valid tap from per-tap column sums.
  const zA = aff ? aff.zA : 0;
  const tapSums =
    zA === 0
      ? null
      : depthwise
        ? Int32Array.from(wt)
        : (() => {
            const t = new Int32Array(k * k * outC);
            for (let tap = 0; tap < k * k; tap++) t.set(columnSums(wt, inC, outC, tap * inC), tap * outC);
            return t;
          })();
  for (let r = 0; r < rows; r++) {
    const oy = w.cy0 + r;
    for (let ox = 0; ox < outW; ox++) {
      acc.set(bias);
      for (let ky = 0; ky < k; ky++) {
        const iy = oy * s + ky - p;
        if (iy < w.iy0 || iy >= w.iy1) continue;
        for (let kx = 0; kx < k; kx++) {
          const ix = ox * s + kx - p;
          if (ix < 0 || ix >= inW) continue;
          const inBase = ((iy - w.iy0) * inW + ix) * inC;
          if (tapSums !== null) {
            const t = (ky * k + kx) * outC;
            for (let c = 0; c < outC; c++) acc[c]! -= zA * tapSums[t + c]!;
          }
          if (depthwise) {
            const wBase = (ky * k + kx) * outC;
            for (let c = 0; c < outC; c++) acc[c]! += input[inBase + c]! * wt[wBase + c]!;
          } else {
            accumulateRows(acc, outC, input, inBase, inC, wt, (ky * k + kx) * inC * outC);
          }
        }
      }
      if (aff) requantAffineRow(acc, outC, scales!, aff, cfg.relu, out, (r * outW + ox) * outC);
      else requantRow(acc, outC, q, out, (r * outW + ox) * outC);
    }
  }
  return out;
}

/**
 * Max-pool rows first … first+ph−1 of an image `boundH` rows high, of which `map` holds
 * rows [y0, y0 + rows) densely (w pixels × c channels). Window positions outside the image
 * are ignored; the caller's row window guarantees every position inside it is in `map`.
 */
function maxPool(
  map: Int8Array,
  y0: number,
  boundH: number,
  w: number,
  c: number,
  size: number,
  stride: number,
  pad: number,
  first: number,
  ph: number,
  pw: number,
): Int8Array {
  const out = new Int8Array(ph * pw * c);
  for (let py = 0; py < ph; py++) {
    for (let px = 0; px < pw; px++) {
      const o = (py * pw + px) * c;
      for (let ch = 0; ch < c; ch++) {
        let best = -129;
        for (let wy = 0; wy < size; wy++) {
          const y = (py + first) * stride + wy - pad;
          if (y < 0 || y >= boundH) continue;
          for (let wx = 0; wx < size; wx++) {
            const x = px * stride + wx - pad;
            if (x < 0 || x >= w) continue;
            const v = map[((y - y0) * w + x) * c + ch]!;
            if (v > best) best = v;
          }
        }
        // A window entirely outside the map has no element; it yields the int8 minimum.
        out[o + ch] = best === -129 ? -128 : best;
      }
    }
  }
  return out;
}

export function runConv(mem: SparseMemory, ins: Instruction, cfg: TileConfig): void {
  const pooled = (ins.flags & FLAG_FUSED_POOL) !== 0;
  if ((pooled ? cfg.pooledH * cfg.pooledW : cfg.outH * cfg.outW) * cfg.outC === 0) return;
  const w = convRowWindow(cfg, ins.flags);
  const map = convMap(mem, ins, cfg, w);
  if (!pooled) {
    mem.writeRows(cfg.addrC, u8(map), cfg.outH * cfg.outW, cfg.outC, cfg.strideC);
    return;
  }
  const out = maxPool(
    map,
    w.cy0,
    cfg.outH,
    cfg.outW,
    cfg.outC,
    cfg.poolSize,
    cfg.poolStride,
    cfg.poolPadding,
    cfg.firstRow,
    cfg.pooledH,
    cfg.pooledW,
  );
  mem.writeRows(cfg.addrC, u8(out), cfg.pooledH * cfg.pooledW, cfg.outC, cfg.strideC);
}

export function runResadd(mem: SparseMemory, cfg: TileConfig): void {
  const { I, J } = cfg;
  if (I * J === 0) return;
  const a = i8(mem.readRows(cfg.addrA, I, J, cfg.strideA));
  const b = i8(mem.readRows(cfg.addrB, I, J, cfg.strideB));
  const out = new Int8Array(I * J);
  const aff = cfg.affine;
  if (aff) {
    // scale table: sA, sB, sC (docs/isa.md)
    const raw = mem.read(aff.addrScale, 12);
    const view = new DataView(raw.buffer, raw.byteOffset, 12);
    const s = Float32Array.of(view.getFloat32(0, true), view.getFloat32(4, true), view.getFloat32(8, true));
    for (let n = 0; n < I * J; n++) out[n] = addAffine(a[n]!, b[n]!, s, aff, cfg.relu);
  } else {
    const q = quantOf(cfg);
    for (let n = 0; n < I * J; n++) out[n] = requantOne(a[n]! + b[n]!, q);
  }
  mem.writeRows(cfg.addrC, u8(out), I, J, cfg.strideC);
}

export function runPool(mem: SparseMemory, ins: Instruction, cfg: TileConfig): void {
  const { inH, inW, inC } = cfg;
  if ((ins.flags & FLAG_GLOBAL_AVG) !== 0) {
    const input = i8(mem.readRows(cfg.addrA, inH * inW, inC, cfg.strideA));
    const sums = new Int32Array(inC);
    for (let px = 0; px < inH * inW; px++) for (let c = 0; c < inC; c++) sums[c]! += input[px * inC + c]!;
    const out = new Int8Array(inC);
    const aff = cfg.affine;
    if (aff) {
      // Σ (in − zA), then rq with the table's scale (1/(H·W) and the scale ratio folded in)
      for (let c = 0; c < inC; c++) sums[c] = sums[c]! - aff.zA * inH * inW;
      requantAffineRow(sums, inC, readScales(mem, aff, inC), aff, false, out, 0);
    } else {
      // docs/isa.md: global average is requant(Σ) with no activation.
      const q: Quant = { multiplier: cfg.multiplier, shift: cfg.shift, relu: false };
      for (let c = 0; c < inC; c++) out[c] = requantOne(sums[c]!, q);
    }
    mem.write(cfg.addrC, u8(out));
    return;
  }
  if (cfg.pooledH * cfg.pooledW * inC === 0) return;
  const w = poolRowWindow(cfg);
  const input = i8(
    mem.readRows(cfg.addrA + w.iy0 * inW * cfg.strideA, (w.iy1 - w.iy0) * inW, inC, cfg.strideA),
  );
  const pooled =
    (ins.flags & FLAG_WINDOW_AVG) !== 0
      ? avgPool(mem, input, w.iy0, cfg, (ins.flags & FLAG_COUNT_PAD) !== 0)
      : maxPool(
          input,
          w.iy0,
          inH,
          inW,
          inC,
          cfg.poolSize,
          cfg.poolStride,
          cfg.poolPadding,
          cfg.firstRow,
          cfg.pooledH,
          cfg.pooledW,
        );
  mem.writeRows(cfg.addrC, u8(pooled), cfg.pooledH * cfg.pooledW, inC, cfg.strideC);
}

/**
 * Windowed average (docs/isa.md, LOOP_POOL flags.1) of the pooled rows of a row slice; `map`
 * holds input rows [y0, …) densely. A window is clipped to the image; it averages over its
 * taps inside the image, or with padding counted (`countPad`) over the window clipped to the
 * padded image (size² unless a ceil-mode window reaches past it). Affine mode: the
 * float32 steps of ONNX Runtime's QLinearAveragePool (docs/isa.md);
 * otherwise requant(Σ) with the loop's M, S.
 */
function avgPool(
  mem: SparseMemory,
  map: Int8Array,
  y0: number,
  cfg: TileConfig,
  countPad: boolean,
): Int8Array {
  const { inH: H, inW: W, inC: C, poolSize: k, poolStride: st, poolPadding: pad } = cfg;
  const out = new Int8Array(cfg.pooledH * cfg.pooledW * C);
  const aff = cfg.affine;
  const table = aff ? readScales(mem, { ...aff, perChannel: true }, 3) : null;
  const q = quantOf(cfg);
  for (let py = 0; py < cfg.pooledH; py++) {
    const y0w = (py + cfg.firstRow) * st - pad;
    const ys = Math.max(y0w, 0);
    const ye = Math.min(y0w + k, H);
    for (let px = 0; px < cfg.pooledW; px++) {
      const x0w = px * st - pad;
      const xs = Math.max(x0w, 0);
      const xe = Math.min(x0w + k, W);
      // padding counts, but not the part of a (ceil-mode) window past the padded edge
      const count = countPad
        ? (Math.min(y0w + k, H + pad) - y0w) * (Math.min(x0w + k, W + pad) - x0w)
        : Math.max(0, ye - ys) * Math.max(0, xe - xs);
      const o = (py * cfg.pooledW + px) * C;
      for (let ch = 0; ch < C; ch++) {
        if (aff) {
          out[o + ch] = averageAffine(
            map,
            ((ys - y0) * W + xs) * C + ch,
            ye - ys,
            xe - xs,
            W * C,
            C,
            count,
            table!,
            aff,
          );
          continue;
        }
        let acc = 0;
        for (let y = ys; y < ye; y++) for (let x = xs; x < xe; x++) acc += map[((y - y0) * W + x) * C + ch]!;
        out[o + ch] = requantOne(acc, q);
      }
    }
  }
  return out;
}

/** LOOP_VEC is modelled for timing only: functionally it copies A to C (docs/isa.md). */
export function runVec(mem: SparseMemory, cfg: TileConfig): void {
  if (cfg.I * cfg.J === 0) return;
  mem.writeRows(cfg.addrC, mem.readRows(cfg.addrA, cfg.I, cfg.J, cfg.strideA), cfg.I, cfg.J, cfg.strideC);
}
