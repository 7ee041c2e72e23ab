// Real inference with an imported model package: compile it with its affine parameters,
// upload its weights, biases, scale tables and the input, run it in functional mode on any
// Device, read the output back. Plus the host-side tensor conversions (float ↔ int8, NCHW ↔
// NHWC) between what an application holds and what the board computes on.
import { ConfigError } from '../boards/errors.ts';
import type { BoardDefinition } from '../boards/types.ts';
import type { Device } from '../drivers/device.ts';
import { compileModel } from './compiler/compile.ts';
import { blockLayout } from './compiler/qparams.ts';
import type { CompiledModel, GranuleSpec } from './compiler/types.ts';
import { layerBiasCount } from './models/metrics.ts';
import type { ModelPackage, TensorQuant } from './models/package.ts';
import { runCompiled, type RunResult } from './profile.ts';
import { parseNpy } from './tensor-file.ts';

export interface PackageCompileOptions {
  readonly tiles?: number;
  readonly granule?: GranuleSpec;
  readonly regionBase?: number;
}

export function compilePackage(
  pkg: ModelPackage,
  board: BoardDefinition,
  opts: PackageCompileOptions = {},
): CompiledModel {
  return compileModel(pkg.table, board, {
    tiles: opts.tiles ?? 1,
    granule: opts.granule ?? { kind: 'layer' },
    regionBase: opts.regionBase ?? board.dram.base,
    functional: true,
    quant: pkg.quant,
  });
}

/** Bytes of the network input on the board (NHWC int8). */
export function inputBytes(pkg: ModelPackage): number {
  const i = pkg.table.input;
  return i.h * i.w * i.c;
}

/** The data image of a functional run: every layer's parameter block, then the input. */
export function packageImage(
  compiled: CompiledModel,
  pkg: ModelPackage,
  input: Int8Array,
): { address: number; bytes: Uint8Array }[] {
  if (input.length !== inputBytes(pkg))
    throw new ConfigError(
      `input has ${input.length} values; model ${pkg.table.name} takes ${inputBytes(pkg)} (${pkg.input.shape.join('×')})`,
    );
  const out = [
    {
      address: compiled.layout.input.address,
      bytes: new Uint8Array(input.buffer, input.byteOffset, input.length),
    },
  ];
  pkg.table.layers.forEach((l, i) => {
    const w = compiled.layout.weights[i]!;
    if (w.bytes === 0) return;
    const p = pkg.params[i] ?? null;
    const q = pkg.quant.get(l.name);
    const wBytes = p ? p.weights.length : 0;
    const biasCount = p ? layerBiasCount(l) : 0;
    const scales = q ? q.scales : [];
    const blk = blockLayout(wBytes, biasCount, scales.length);
    const block = new Uint8Array(w.bytes);
    const view = new DataView(block.buffer);
    if (p) {
      block.set(new Uint8Array(p.weights.buffer, p.weights.byteOffset, p.weights.length), 0);
      p.bias.forEach((v, j) => view.setInt32(blk.biasOffset + 4 * j, v, true));
    }
    scales.forEach((s, j) => view.setFloat32(blk.scaleOffset + 4 * j, s, true));
    out.push({ address: w.address, bytes: block });
  });
  return out;
}

export interface InferResult {
  /** Output as the board wrote it: NHWC (or rows × columns) int8. */
  readonly raw: Int8Array;
  readonly run: RunResult;
}

/** Runs one inference of a compiled package on `device` (functional mode). */
export async function inferCompiled(
  device: Device,
  compiled: CompiledModel,
  pkg: ModelPackage,
  input: Int8Array,
  firstTile = 0,
): Promise<InferResult> {
  const run = await runCompiled(device, compiled, { image: packageImage(compiled, pkg, input), firstTile });
  const { address, bytes } = compiled.layout.output;
  const got = await device.readMemory(address, bytes);
  return { raw: new Int8Array(got.buffer, got.byteOffset, got.length), run };
}

// ---- host-side tensors ------------------------------------------------------------------

function rne(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** [C, H, W] of a tensor shape ([1, C, H, W]; a 2-D [M, K] is M rows of K channels). */
function chw(shape: readonly number[]): [number, number, number] {
  return shape.length === 4 ? [shape[1]!, shape[2]!, shape[3]!] : [shape[1]!, shape[0]!, 1];
}

/** NCHW → NHWC (a 2-D tensor is unchanged). */
function toNhwc<T extends Int8Array | Float32Array>(
  src: ArrayLike<number>,
  shape: readonly number[],
  out: T,
): T {
  const [c, h, w] = chw(shape);
  if (shape.length !== 4) {
    for (let i = 0; i < out.length; i++) out[i] = src[i]!;
    return out;
  }
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[p * c + ch] = src[ch * h * w + p]!;
  return out;
}

/** Quantizes a float32 input (ONNX layout) as the model's first QuantizeLinear does:
 *  saturate(rne(x / scale) + zero point), in float32. Returns the board's NHWC int8. */
export function quantizeInput(pkg: ModelPackage, x: Float32Array): Int8Array {
  const t = pkg.input;
  checkCount(t, x.length);
  const s = Math.fround(t.scale);
  const lo = t.dtype === 'uint8' ? 0 : -128;
  const hi = t.dtype === 'uint8' ? 255 : 127;
  const q = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.min(hi, Math.max(lo, rne(Math.fround(x[i]! / s)) + t.zeroPoint));
    q[i] = t.dtype === 'uint8' ? v - 128 : v;
  }
  return toNhwc(q, t.shape, new Int8Array(q.length));
}

/** An already-quantized input (int8 or uint8 values of the input's type, ONNX layout). */
export function quantizedInput(pkg: ModelPackage, x: Int8Array | Uint8Array): Int8Array {
  const t = pkg.input;
  checkCount(t, x.length);
  const shifted = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) shifted[i] = t.dtype === 'uint8' ? x[i]! - 128 : x[i]!;
  return toNhwc(shifted, t.shape, new Int8Array(x.length));
}

function checkCount(t: TensorQuant, n: number): void {
  const want = t.shape.reduce((a, b) => a * b, 1);
  if (n !== want)
    throw new ConfigError(
      `input has ${n} values; the model's input ${t.name} is [${t.shape.join(', ')}] (${want} values)`,
    );
}

export interface OutputTensor {
  readonly shape: readonly number[];
  readonly dtype: 'int8' | 'uint8';
  /** Quantized values in the output's own type, ONNX layout (NCHW or 2-D). */
  readonly quantized: Int8Array | Uint8Array;
  /** (q − zero point) · scale. */
  readonly float: Float32Array;
}

/** The board's NHWC int8 output → the model's output tensor (ONNX layout and type). */
export function outputTensor(pkg: ModelPackage, raw: Int8Array): OutputTensor {
  const t = pkg.output;
  const n = t.shape.reduce((a, b) => a * b, 1);
  const [c, h, w] = chw(t.shape);
  const q = t.dtype === 'uint8' ? new Uint8Array(n) : new Int8Array(n);
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // ONNX index i → NHWC position
    const src = t.shape.length === 4 ? (i % (h * w)) * c + Math.floor(i / (h * w)) : i;
    const v = raw[src]! + (t.dtype === 'uint8' ? 128 : 0);
    q[i] = v;
    f[i] = Math.fround((v - t.zeroPoint) * t.scale);
  }
  void w;
  return { shape: t.shape, dtype: t.dtype, quantized: q, float: f };
}

/** An input file's bytes → the board's NHWC int8: .npy float32 is quantized with the model's
 *  input quantization, .npy int8/uint8 and .bin (raw, the input's type) are taken as
 *  quantized values. ONNX layout (NCHW) in every case. */
export function inputFromFile(pkg: ModelPackage, bytes: Uint8Array, name: string): Int8Array {
  if (name.toLowerCase().endsWith('.npy')) {
    const { data } = parseNpy(bytes, name);
    if (data instanceof Float32Array) return quantizeInput(pkg, data);
    if (data instanceof Uint8Array !== (pkg.input.dtype === 'uint8'))
      throw new ConfigError(
        `${name}: holds ${data instanceof Uint8Array ? 'uint8' : 'int8'} values; the model's input is ${pkg.input.dtype} (or give float32 to quantize)`,
      );
    return quantizedInput(pkg, data);
  }
  const copy = Uint8Array.from(bytes); // own buffer (a Buffer may share its pool)
  return quantizedInput(pkg, pkg.input.dtype === 'uint8' ? copy : new Int8Array(copy.buffer));
}
