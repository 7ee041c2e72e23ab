// ONNX import: a QDQ-quantized ONNX model (QuantizeLinear / DequantizeLinear around each
// operator, as ONNX Runtime's static quantizer writes it) → a model package: the layer table
// in the zoo schema, int8 weights, int32 biases and affine requantization per layer.
//
// The graph is walked in its (topological) node order. Every quantized activation tensor is
// one cotenant buffer (int8; uint8 tensors are shifted by −128, which changes neither the
// arithmetic nor the saturation bounds). A compute node reads DequantizeLinear outputs and
// is finished by the QuantizeLinear after it (optionally through Relu / Clip, folded into the
// clamp bounds); its requantization scale is computed in float32 exactly as ONNX Runtime's
// integer kernels compute theirs. docs/import.md lists what is supported.
import onnxProto, { type onnx } from 'onnx-proto';
import { ModelError } from '../../boards/errors.ts';
import type { LayerQuant } from '../compiler/qparams.ts';
import type { LayerParams, ModelPackage, TensorQuant } from '../models/package.ts';
import { parseModel } from '../models/schema.ts';
import type { Layer } from '../models/types.ts';
import {
  DT,
  attrFloat,
  attrInt,
  attrInts,
  attrString,
  attrsOf,
  num,
  readTensor,
  type Attrs,
  type ConstTensor,
} from './tensors.ts';

const proto = onnxProto.onnx;

export const SUPPORTED_OPS = [
  'QuantizeLinear',
  'DequantizeLinear',
  'Conv',
  'MatMul',
  'Gemm',
  'Add',
  'Relu',
  'Clip',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'Concat',
  'Flatten',
  'Reshape',
  'Identity',
] as const;

const f32 = Math.fround;

/** A quantized activation tensor: the layers that write its buffer and its quantization. */
interface QT {
  readonly producers: readonly string[];
  /** ONNX shape: [1, C, H, W] or [M, K]. */
  readonly shape: readonly number[];
  scale: number;
  /** Zero point in the int8 domain (uint8 zero point − 128). */
  zp: number;
  unsigned: boolean;
  /** Flattened from [C, H, W] (NCHW order) while the buffer holds H·W·C (NHWC). */
  readonly flattenedFrom?: readonly [number, number, number];
  /** Tensor name (uses are counted on it). */
  readonly tensor: string;
}

interface Clamp {
  min: number;
  max: number;
}

/** A float result waiting for its QuantizeLinear. */
interface Pending {
  readonly node: string;
  clamp: Clamp;
  /** Ops exact in the quantized domain (max pool, reshape, relu): they keep the source's quantization. */
  readonly keeps?: QT;
  finish(out: OutQ, clamp: Clamp, tensor: string): QT;
}

interface OutQ {
  readonly scale: number;
  readonly zp: number;
  readonly unsigned: boolean;
}

type Value =
  | { kind: 'q'; t: QT }
  | { kind: 'dq'; t: QT }
  | { kind: 'const'; c: ConstTensor }
  | { kind: 'cdq'; c: ConstTensor; scales: number[]; zps: number[]; axis: number }
  | { kind: 'float-input'; name: string; shape: number[] }
  | { kind: 'pending'; p: Pending };

interface MutableQuant {
  zA: number;
  zB: number;
  zC: number;
  lo: number;
  hi: number;
  scales: number[];
  perChannel: boolean;
}

const NO_CLAMP: Clamp = { min: -Infinity, max: Infinity };

function rne(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function importOnnx(bytes: Uint8Array, label: string): ModelPackage {
  let model: onnx.ModelProto;
  try {
    model = proto.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelError(`${label}: not an ONNX model (protobuf decode failed: ${(e as Error).message})`);
  }
  const g = model.graph;
  if (!g) throw new ModelError(`${label}: the ONNX model has no graph`);
  return new Importer(label, g).run();
}

class Importer {
  private readonly values = new Map<string, Value>();
  private readonly uses = new Map<string, number>();
  private readonly layers: Layer[] = [];
  private readonly quant = new Map<string, MutableQuant>();
  private readonly params: (LayerParams | null)[] = [];
  private readonly names = new Set<string>(['input']);
  private input: TensorQuant | undefined;
  private inputShape: number[] = [];
  private inputName = '';

  constructor(
    private readonly label: string,
    private readonly g: onnx.IGraphProto,
  ) {}

  private fail(node: onnx.INodeProto | string, msg: string): never {
    const what =
      typeof node === 'string'
        ? node
        : `node ${node.name || node.output?.[0] || '?'} (${node.opType ?? '?'})`;
    throw new ModelError(`${this.label}: ${what}: ${msg}`);
  }

  run(): ModelPackage {
    const inits = new Set<string>();
    for (const t of this.g.initializer ?? []) {
      const c = readTensor(t);
      this.values.set(c.name, { kind: 'const', c });
      inits.add(c.name);
    }
    for (const n of this.g.node ?? [])
      for (const i of n.input ?? []) if (i) this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    for (const o of this.g.output ?? []) this.uses.set(o.name ?? '', (this.uses.get(o.name ?? '') ?? 0) + 1);
    const graphInputs = (this.g.input ?? []).filter((i) => !inits.has(i.name ?? ''));
    if (graphInputs.length !== 1)
      throw new ModelError(
        `${this.label}: the model has ${graphInputs.length} inputs; exactly one is supported`,
      );
    const gi = graphInputs[0]!;
    this.inputName = gi.name ?? 'input';
    const tt = gi.type?.tensorType;
    this.inputShape = (tt?.shape?.dim ?? []).map((d, i) =>
      d.dimValue !== undefined && d.dimValue !== null && num(d.dimValue) > 0
        ? num(d.dimValue)
        : i === 0
          ? 1
          : 0,
    );
    if (this.inputShape.some((d) => d <= 0) || (this.inputShape.length !== 4 && this.inputShape.length !== 2))
      throw new ModelError(
        `${this.label}: input ${this.inputName} has shape [${this.inputShape.join(', ')}]; a fixed [1, C, H, W] or [M, K] shape is needed`,
      );
    if (this.inputShape[0] !== 1 && this.inputShape.length === 4)
      throw new ModelError(`${this.label}: input batch is ${this.inputShape[0]}; only batch 1 is supported`);
    const elem = tt?.elemType ?? 0;
    if (elem === DT.FLOAT)
      this.values.set(this.inputName, { kind: 'float-input', name: this.inputName, shape: this.inputShape });
    else if (elem === DT.INT8 || elem === DT.UINT8)
      this.values.set(this.inputName, {
        kind: 'q',
        t: {
          producers: ['input'],
          shape: this.inputShape,
          scale: NaN,
          zp: 0,
          unsigned: elem === DT.UINT8,
          tensor: this.inputName,
        },
      });
    else
      throw new ModelError(
        `${this.label}: input ${this.inputName} has element type ${elem}; float32, int8 or uint8 are supported`,
      );

    for (const node of this.g.node ?? []) this.visit(node);

    const outs = this.g.output ?? [];
    if (outs.length !== 1)
      throw new ModelError(`${this.label}: the model has ${outs.length} outputs; exactly one is supported`);
    const outName = outs[0]!.name ?? '';
    const ov = this.values.get(outName);
    let out: QT;
    if (ov?.kind === 'q' || ov?.kind === 'dq') out = ov.t;
    else if (ov?.kind === 'pending' && ov.p.keeps) out = ov.p.finish(ov.p.keeps, ov.p.clamp, outName);
    else
      throw new ModelError(
        `${this.label}: output ${outName} is not a quantized tensor (it must come from a QuantizeLinear, or a DequantizeLinear of one)`,
      );
    if (this.layers.length === 0)
      throw new ModelError(`${this.label}: the model computes nothing cotenant runs (no supported layer)`);
    const last = this.layers[this.layers.length - 1]!;
    if (!out.producers.includes(last.name))
      throw new ModelError(
        `${this.label}: output ${outName} is not written by the last layer (${last.name})`,
      );
    if (!this.input || Number.isNaN(this.input.scale))
      throw new ModelError(
        `${this.label}: the input is never quantized (no QuantizeLinear / DequantizeLinear on it)`,
      );

    const s = this.inputShape;
    const table = parseModel(
      {
        name: safeName(this.g.name || this.label),
        displayName: this.g.name || this.label,
        source: 'onnx-import',
        input: s.length === 4 ? { h: s[2], w: s[3], c: s[1] } : { h: s[0], w: 1, c: s[1] },
        layers: this.layers,
      },
      this.label,
    );
    return {
      table,
      quant: new Map(
        [...this.quant].map(([k, v]) => [k, { ...v, scales: [...v.scales] } satisfies LayerQuant]),
      ),
      params: this.params,
      input: this.input,
      output: {
        name: outName,
        shape: out.shape,
        scale: out.scale,
        zeroPoint: out.unsigned ? out.zp + 128 : out.zp,
        dtype: out.unsigned ? 'uint8' : 'int8',
      },
    };
  }

  private value(node: onnx.INodeProto, i: number, optional = false): Value | undefined {
    const name = node.input?.[i];
    if (!name) {
      if (optional) return undefined;
      this.fail(node, `input ${i} is missing`);
    }
    const v = this.values.get(name);
    if (v === undefined) this.fail(node, `input ${name} is not produced by any earlier node or initializer`);
    return v;
  }

  /** A float activation operand: DequantizeLinear of a quantized tensor (or an op that keeps one). */
  private act(node: onnx.INodeProto, i: number): QT {
    const v = this.value(node, i)!;
    if (v.kind === 'dq') return v.t;
    if (v.kind === 'pending' && v.p.keeps) return v.p.finish(v.p.keeps, v.p.clamp, node.input![i]!);
    return this.fail(
      node,
      `input ${node.input![i]} is not a dequantized activation (expected DequantizeLinear of a QuantizeLinear output); is the model QDQ-quantized?`,
    );
  }

  private constScalar(node: onnx.INodeProto, i: number, what: string, optional = false): number | undefined {
    const v = this.value(node, i, optional);
    if (v === undefined) return undefined;
    if (v.kind !== 'const' || v.c.values.length !== 1) this.fail(node, `${what} must be a constant scalar`);
    return v.c.values[0]!;
  }

  private layerName(node: onnx.INodeProto): string {
    const base = safeName(node.name || `${node.opType ?? 'op'}_${node.output?.[0] ?? this.layers.length}`);
    let n = base;
    for (let k = 1; this.names.has(n); k++) n = `${base}_${k}`;
    this.names.add(n);
    return n;
  }

  private addLayer(l: Layer, q: MutableQuant | null, p: LayerParams | null): void {
    this.layers.push(l);
    if (q) this.quant.set(l.name, q);
    this.params.push(p);
  }

  private setOutput(node: onnx.INodeProto, v: Value): void {
    const o = node.output?.[0];
    if (!o) this.fail(node, 'has no output');
    this.values.set(o, v);
  }

  private visit(node: onnx.INodeProto): void {
    const op = node.opType ?? '';
    if (node.domain && node.domain !== 'ai.onnx')
      this.fail(
        node,
        `operator domain ${node.domain} is not supported; supported: ${SUPPORTED_OPS.join(', ')} (domain ai.onnx)`,
      );
    const a = attrsOf(node);
    switch (op) {
      case 'QuantizeLinear':
        return this.quantize(node, a);
      case 'DequantizeLinear':
        return this.dequantize(node, a);
      case 'Identity':
        return this.setOutput(node, this.value(node, 0)!);
      case 'Conv':
        return this.conv(node, a);
      case 'MatMul':
      case 'Gemm':
        return this.matmul(node, a, op === 'Gemm');
      case 'Add':
        return this.add(node);
      case 'Relu':
      case 'Clip':
        return this.activation(node, a, op);
      case 'MaxPool':
        return this.maxPool(node, a);
      case 'AveragePool':
      case 'GlobalAveragePool':
        return this.avgPool(node, a, op === 'GlobalAveragePool');
      case 'Concat':
        return this.concat(node, a);
      case 'Flatten':
      case 'Reshape':
        return this.reshape(node, a, op);
      default:
        this.fail(node, `operator ${op} is not supported; supported operators: ${SUPPORTED_OPS.join(', ')}`);
    }
  }

  private qparams(
    node: onnx.INodeProto,
    a: Attrs,
  ): { scales: number[]; zps: number[]; dtype: number; axis: number } {
    const sv = this.value(node, 1)!;
    if (sv.kind !== 'const') this.fail(node, 'scale must be an initializer');
    const zv = this.value(node, 2, true);
    if (zv !== undefined && zv.kind !== 'const') this.fail(node, 'zero point must be an initializer');
    const scales = [...sv.c.values].map(f32);
    const zps = zv ? [...zv.c.values] : scales.map(() => 0);
    const dtype = zv ? zv.c.dataType : DT.UINT8;
    if (scales.some((s) => !(s > 0) || !Number.isFinite(s)))
      this.fail(node, 'scales must be positive and finite');
    return { scales, zps, dtype, axis: attrInt(a, 'axis', 1) };
  }

  private quantize(node: onnx.INodeProto, a: Attrs): void {
    const { scales, zps, dtype } = this.qparams(node, a);
    if (scales.length !== 1)
      this.fail(node, 'per-axis quantization of activations is not supported (one scale per tensor)');
    if (dtype !== DT.INT8 && dtype !== DT.UINT8)
      this.fail(node, `activations must be int8 or uint8 (zero point type ${dtype})`);
    const unsigned = dtype === DT.UINT8;
    const out: OutQ = { scale: scales[0]!, zp: unsigned ? zps[0]! - 128 : zps[0]!, unsigned };
    const v = this.value(node, 0)!;
    const tensor = node.output![0]!;
    if (v.kind === 'float-input') {
      this.input = {
        name: v.name,
        shape: v.shape,
        scale: out.scale,
        zeroPoint: zps[0]!,
        dtype: unsigned ? 'uint8' : 'int8',
      };
      this.setOutput(node, { kind: 'q', t: { producers: ['input'], shape: v.shape, ...out, tensor } });
      return;
    }
    if (v.kind !== 'pending')
      this.fail(node, 'QuantizeLinear must follow a supported operator or the float input');
    this.setOutput(node, { kind: 'q', t: v.p.finish(out, v.p.clamp, tensor) });
  }

  private dequantize(node: onnx.INodeProto, a: Attrs): void {
    const v = this.value(node, 0)!;
    const { scales, zps, axis } = this.qparams(node, a);
    if (v.kind === 'const') {
      this.setOutput(node, { kind: 'cdq', c: v.c, scales, zps, axis });
      return;
    }
    if (v.kind !== 'q')
      this.fail(node, 'DequantizeLinear must read a QuantizeLinear output, the int8 input or an initializer');
    if (scales.length !== 1) this.fail(node, 'per-axis dequantization of activations is not supported');
    const t = v.t;
    const zp = t.unsigned ? zps[0]! - 128 : zps[0]!;
    if (Number.isNaN(t.scale) && t.producers[0] === 'input') {
      t.scale = scales[0]!;
      t.zp = zp;
      this.input = {
        name: this.inputName,
        shape: this.inputShape,
        scale: t.scale,
        zeroPoint: zps[0]!,
        dtype: t.unsigned ? 'uint8' : 'int8',
      };
    } else if (t.scale !== scales[0] || t.zp !== zp) {
      this.fail(
        node,
        'dequantizes with a scale / zero point different from the QuantizeLinear that produced its input',
      );
    }
    this.setOutput(node, { kind: 'dq', t });
  }

  /** int8 weights from a DequantizeLinear of an initializer (zero point folded in; must fit int8). */
  private weights(
    node: onnx.INodeProto,
    i: number,
    channels: number,
    axisWanted: number,
  ): { w: ConstTensor; wq: Int8Array; scales: number[] } {
    const v = this.value(node, i)!;
    if (v.kind !== 'cdq')
      this.fail(node, `weights ${node.input![i]} must be a DequantizeLinear of an int8 initializer`);
    const { c, scales, zps } = v;
    if (c.dataType !== DT.INT8 && c.dataType !== DT.UINT8)
      this.fail(node, `weights ${c.name} must be int8 or uint8`);
    const per = scales.length > 1;
    if (per && (scales.length !== channels || (v.axis + c.dims.length) % c.dims.length !== axisWanted))
      this.fail(
        node,
        `weights ${c.name}: per-channel scales must be along the output-channel axis (${axisWanted}) with ${channels} entries`,
      );
    const wq = new Int8Array(c.values.length);
    const stride = c.dims.slice(axisWanted + 1).reduce((x, y) => x * y, 1);
    for (let n = 0; n < wq.length; n++) {
      const ch = per ? Math.floor(n / stride) % channels : 0;
      const w = c.values[n]! - (zps[per ? ch : 0] ?? 0);
      if (w < -128 || w > 127)
        this.fail(
          node,
          `weights ${c.name}: value minus zero point (${w}) does not fit int8; quantize weights as int8 (symmetric)`,
        );
      wq[n] = w;
    }
    return { w: c, wq, scales: per ? scales : new Array<number>(channels).fill(scales[0]!) };
  }

  /** Biases: int32 (DequantizeLinear of an int32 initializer, scale = input scale × weight scale) or float. */
  private bias(
    node: onnx.INodeProto,
    i: number,
    channels: number,
    xScale: number,
    wScales: number[],
  ): Int32Array {
    const b = new Int32Array(channels);
    const v = this.value(node, i, true);
    if (v === undefined) return b;
    if (v.kind === 'cdq' && v.c.dataType === DT.INT32) {
      if (v.c.values.length !== channels)
        this.fail(node, `bias has ${v.c.values.length} values, expected ${channels}`);
      for (let j = 0; j < channels; j++) b[j] = v.c.values[j]! - (v.zps[v.zps.length > 1 ? j : 0] ?? 0);
      return b;
    }
    if (v.kind === 'const' && v.c.dataType === DT.FLOAT && v.c.values.length === channels) {
      for (let j = 0; j < channels; j++) b[j] = rne(v.c.values[j]! / f32(xScale * wScales[j]!));
      return b;
    }
    return this.fail(
      node,
      `bias ${node.input![i]} must be an int32 DequantizeLinear or a float initializer of ${channels} values`,
    );
  }

  /** A float result; `finish` runs once (a second consumer gets the same tensor). */
  private pending(node: onnx.INodeProto, finish: Pending['finish'], keeps?: QT): void {
    let done: QT | undefined;
    const once: Pending['finish'] = (out, clamp, tensor) => (done ??= finish(out, clamp, tensor));
    this.setOutput(node, {
      kind: 'pending',
      p: { node: node.name ?? '', clamp: { ...NO_CLAMP }, finish: once, keeps },
    });
  }

  private bounds(out: OutQ, clamp: Clamp): { lo: number; hi: number } {
    const lo =
      clamp.min === -Infinity ? -128 : Math.max(-128, Math.min(127, out.zp + rne(clamp.min / out.scale)));
    const hi =
      clamp.max === Infinity ? 127 : Math.max(-128, Math.min(127, out.zp + rne(clamp.max / out.scale)));
    return { lo, hi };
  }

  private qt(
    producers: string[],
    shape: readonly number[],
    out: OutQ,
    tensor: string,
    extra: Partial<QT> = {},
  ): QT {
    return { producers, shape, scale: out.scale, zp: out.zp, unsigned: out.unsigned, tensor, ...extra };
  }

  private conv(node: onnx.INodeProto, a: Attrs): void {
    const x = this.act(node, 0);
    if (x.shape.length !== 4) this.fail(node, `input must be [1, C, H, W] (got [${x.shape.join(', ')}])`);
    const [, C, H, W] = x.shape as [number, number, number, number];
    const wv = this.value(node, 1)!;
    if (wv.kind !== 'cdq') this.fail(node, 'weights must be a DequantizeLinear of an int8 initializer');
    const [M, Cg, kh, kw] = wv.c.dims as [number, number, number, number];
    const group = attrInt(a, 'group', 1);
    const strides = attrInts(a, 'strides') ?? [1, 1];
    const pads = attrInts(a, 'pads') ?? [0, 0, 0, 0];
    const dil = attrInts(a, 'dilations') ?? [1, 1];
    const autoPad = attrString(a, 'auto_pad') ?? 'NOTSET';
    if (autoPad !== 'NOTSET')
      this.fail(node, `auto_pad ${autoPad} is not supported; export with explicit pads`);
    if (kh !== kw) this.fail(node, `kernel ${kh}×${kw}: only square kernels are supported`);
    if (strides[0] !== strides[1])
      this.fail(node, `strides ${strides.join('×')}: only equal strides are supported`);
    if (dil.some((d) => d !== 1)) this.fail(node, 'dilated convolutions are not supported');
    if (pads[0] !== pads[1])
      this.fail(
        node,
        `pads [${pads.join(', ')}]: the top and left padding must be equal (bottom and right may differ)`,
      );
    const depthwise = group !== 1;
    if (depthwise && !(group === C && M === C && Cg === 1))
      this.fail(
        node,
        `group ${group}: only group = 1 or depthwise (group = channels, one filter per channel) is supported`,
      );
    if (!depthwise && Cg !== C) this.fail(node, `weights have ${Cg} input channels, input has ${C}`);
    const k = kh,
      s = strides[0]!,
      p = pads[0]!;
    // bottom/right padding only sets the output size: taps past the input contribute nothing
    const end: [number, number] = [pads[2] ?? p, pads[3] ?? p];
    const oh = Math.floor((H + p + end[0] - k) / s) + 1,
      ow = Math.floor((W + p + end[1] - k) / s) + 1;
    const { wq, scales } = this.weights(node, 1, M, 0);
    // ONNX W[co][ci][ky][kx] → K×J with rows (ky, kx, ci), columns co (depthwise: (ky, kx) × c)
    const kRows = depthwise ? k * k : k * k * C;
    const wm = new Int8Array(kRows * M);
    for (let co = 0; co < M; co++)
      for (let ci = 0; ci < Cg; ci++)
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++)
            wm[((ky * k + kx) * Cg + ci) * M + co] = wq[((co * Cg + ci) * k + ky) * k + kx]!;
    const bias = this.bias(node, 2, M, x.scale, scales);
    const name = this.layerName(node);
    this.pending(node, (out, clamp, tensor) => {
      const { lo, hi } = this.bounds(out, clamp);
      this.addLayer(
        {
          name,
          kind: depthwise ? 'dwconv' : 'conv',
          inputs: [...x.producers],
          in: [H, W, C],
          out: [oh, ow, M],
          kernel: k,
          stride: s,
          padding: p,
          ...(end[0] !== p || end[1] !== p ? { paddingEnd: end } : {}),
          relu: false,
        },
        {
          zA: x.zp,
          zB: 0,
          zC: out.zp,
          lo,
          hi,
          scales: scales.map((sw) => f32(f32(x.scale * sw) / out.scale)),
          perChannel: true,
        },
        { weights: wm, bias },
      );
      return this.qt([name], [1, M, oh, ow], out, tensor);
    });
  }

  private matmul(node: onnx.INodeProto, a: Attrs, gemm: boolean): void {
    const x = this.act(node, 0);
    if (x.shape.length !== 2)
      this.fail(node, `input A must be 2-D [M, K] (got [${x.shape.join(', ')}]); add a Flatten`);
    const [Mrows, K] = x.shape as [number, number];
    const transA = gemm ? attrInt(a, 'transA', 0) : 0;
    const transB = gemm ? attrInt(a, 'transB', 0) : 0;
    if (transA) this.fail(node, 'transA = 1 is not supported');
    if (gemm && ((attrFloat(a, 'alpha') ?? 1) !== 1 || (attrFloat(a, 'beta') ?? 1) !== 1))
      this.fail(node, 'Gemm alpha and beta must be 1');
    const wv = this.value(node, 1)!;
    if (wv.kind !== 'cdq' || wv.c.dims.length !== 2)
      this.fail(node, 'B must be a DequantizeLinear of a 2-D int8 initializer');
    const [d0, d1] = wv.c.dims as [number, number];
    const N = transB ? d0 : d1;
    const kB = transB ? d1 : d0;
    if (kB !== K) this.fail(node, `B has ${kB} rows for A's ${K} columns`);
    const { wq, scales } = this.weights(node, 1, N, transB ? 0 : 1);
    // B as K×N row-major; a flattened NCHW input is read in NHWC order, so rows are permuted
    const f = x.flattenedFrom;
    const wm = new Int8Array(K * N);
    for (let kk = 0; kk < K; kk++) {
      let row = kk; // our row index for ONNX row kk
      if (f) {
        const [c, h, w] = f;
        const ci = Math.floor(kk / (h * w)),
          rem = kk % (h * w);
        row = rem * c + ci;
      }
      for (let n = 0; n < N; n++) wm[row * N + n] = wq[transB ? n * K + kk : kk * N + n]!;
    }
    const bias = this.bias(node, 2, N, x.scale, scales);
    const name = this.layerName(node);
    this.pending(node, (out, clamp, tensor) => {
      const { lo, hi } = this.bounds(out, clamp);
      this.addLayer(
        { name, kind: 'matmul', inputs: [...x.producers], I: Mrows, J: N, K, weights: 'B', relu: false },
        {
          zA: x.zp,
          zB: 0,
          zC: out.zp,
          lo,
          hi,
          scales: scales.map((sw) => f32(f32(x.scale * sw) / out.scale)),
          perChannel: true,
        },
        { weights: wm, bias },
      );
      return this.qt([name], [Mrows, N], out, tensor);
    });
  }

  private add(node: onnx.INodeProto): void {
    const x = this.act(node, 0),
      y = this.act(node, 1);
    if (x.shape.join() !== y.shape.join())
      this.fail(
        node,
        `inputs have shapes [${x.shape.join(', ')}] and [${y.shape.join(', ')}]; broadcasting is not supported`,
      );
    if (x.flattenedFrom || y.flattenedFrom) this.fail(node, 'an Add after a Flatten is not supported');
    const [I, J] =
      x.shape.length === 4 ? [x.shape[2]! * x.shape[3]!, x.shape[1]!] : [x.shape[0]!, x.shape[1]!];
    const name = this.layerName(node);
    this.pending(node, (out, clamp, tensor) => {
      const { lo, hi } = this.bounds(out, clamp);
      this.addLayer(
        { name, kind: 'add', inputs: [x.producers[0]!, y.producers[0]!], I, J, relu: false },
        { zA: x.zp, zB: y.zp, zC: out.zp, lo, hi, scales: [x.scale, y.scale, out.scale], perChannel: false },
        null,
      );
      if (x.producers.length > 1 || y.producers.length > 1)
        this.fail(node, 'an Add of a Concat output is not supported');
      return this.qt([name], x.shape, out, tensor);
    });
  }

  /** Relu / Clip: folded into the clamp of the layer whose QuantizeLinear follows. */
  private activation(node: onnx.INodeProto, a: Attrs, op: string): void {
    let min = 0,
      max = Infinity;
    if (op === 'Clip') {
      min = this.constScalar(node, 1, 'Clip min', true) ?? attrFloat(a, 'min') ?? -Infinity;
      max = this.constScalar(node, 2, 'Clip max', true) ?? attrFloat(a, 'max') ?? Infinity;
    }
    const v = this.value(node, 0)!;
    if (v.kind === 'pending') {
      const c = v.p.clamp;
      this.setOutput(node, {
        kind: 'pending',
        p: { ...v.p, clamp: { min: Math.max(c.min, min), max: Math.min(c.max, max) } },
      });
      return;
    }
    if (v.kind !== 'dq') this.fail(node, `${op} must follow a supported operator or a DequantizeLinear`);
    const src = v.t;
    // On a quantized tensor: exact as a clamp of its producer, if nothing else reads it.
    this.pending(
      node,
      (out, clamp, tensor) => {
        if (out.scale !== src.scale || out.zp !== src.zp)
          this.fail(node, `${op} between tensors of different quantization is not supported`);
        const only = src.producers.length === 1 ? this.quant.get(src.producers[0]!) : undefined;
        if (!only || (this.uses.get(src.tensor) ?? 0) > 1)
          this.fail(node, `${op} on a tensor that other nodes also read (or on the input) is not supported`);
        const { lo, hi } = this.bounds(out, clamp);
        only.lo = Math.max(only.lo, lo);
        only.hi = Math.min(only.hi, hi);
        return { ...src, tensor };
      },
      src,
    );
    const p = this.values.get(node.output![0]!) as { kind: 'pending'; p: Pending };
    p.p.clamp = { min, max };
  }

  /** A pool's window: square `k`, stride `s`, padding `p` at the top and left (the ISA's);
   *  the bottom/right padding (`end`) may differ — it only sets the output size, since a
   *  window is clipped to the input either way. Output size as ONNX (floor or ceil mode). */
  private poolGeometry(
    node: onnx.INodeProto,
    a: Attrs,
    H: number,
    W: number,
  ): { k: number; s: number; p: number; oh: number; ow: number; end: [number, number] } {
    const ks = attrInts(a, 'kernel_shape') ?? [];
    const strides = attrInts(a, 'strides') ?? [1, 1];
    const pads = attrInts(a, 'pads') ?? [0, 0, 0, 0];
    const ceil = attrInt(a, 'ceil_mode', 0);
    if ((attrString(a, 'auto_pad') ?? 'NOTSET') !== 'NOTSET')
      this.fail(node, 'auto_pad is not supported; use explicit pads');
    if (ks.length !== 2 || ks[0] !== ks[1])
      this.fail(node, `a ${ks.join('×')} window: only square pooling windows are supported`);
    if (strides[0] !== strides[1]) this.fail(node, 'only equal strides are supported');
    if (pads[0] !== pads[1])
      this.fail(
        node,
        `pads [${pads.join(', ')}]: the top and left padding must be equal (bottom and right may differ)`,
      );
    if ((attrInts(a, 'dilations') ?? [1, 1]).some((d) => d !== 1))
      this.fail(node, 'dilated pooling is not supported');
    const k = ks[0]!,
      s = strides[0]!,
      p = pads[0]!;
    const end: [number, number] = [pads[2] ?? p, pads[3] ?? p];
    const size = (n: number, e: number): number => {
      const r = (n + p + e - k) / s;
      return (ceil ? Math.ceil(r) : Math.floor(r)) + 1;
    };
    const oh = size(H, end[0]),
      ow = size(W, end[1]);
    // the layer table allows the symmetric size or one more (docs/models.md)
    const sym = (n: number): number => Math.floor((n + 2 * p - k) / s) + 1;
    if (oh < sym(H) || oh > sym(H) + 1 || ow < sym(W) || ow > sym(W) + 1)
      this.fail(
        node,
        `pads [${pads.join(', ')}] give a ${oh}×${ow} output: only end padding that adds at most one row/column to the symmetric size is supported`,
      );
    return { k, s, p, oh, ow, end };
  }

  private maxPool(node: onnx.INodeProto, a: Attrs): void {
    const x = this.act(node, 0);
    if (x.shape.length !== 4) this.fail(node, 'input must be [1, C, H, W]');
    const [, C, H, W] = x.shape as [number, number, number, number];
    if (node.output!.length > 1 && node.output![1]) this.fail(node, 'the Indices output is not supported');
    const { k, s, p, oh, ow } = this.poolGeometry(node, a, H, W);
    const name = this.layerName(node);
    this.pending(
      node,
      (out, clamp, tensor) => {
        if (out.scale !== x.scale || out.zp !== x.zp)
          this.fail(node, 'MaxPool must keep its input quantization (same scale and zero point after it)');
        if (clamp.min !== -Infinity || clamp.max !== Infinity)
          this.fail(node, 'an activation after MaxPool is not supported');
        this.addLayer(
          {
            name,
            kind: 'pool',
            inputs: [...x.producers],
            in: [H, W, C],
            out: [oh, ow, C],
            kernel: k,
            stride: s,
            padding: p,
          },
          null, // a max pool is exact on the quantized values: no requantization
          null,
        );
        return this.qt([name], [1, C, oh, ow], out, tensor);
      },
      x,
    );
  }

  private avgPool(node: onnx.INodeProto, a: Attrs, global: boolean): void {
    const x = this.act(node, 0);
    if (x.shape.length !== 4) this.fail(node, 'input must be [1, C, H, W]');
    const [, C, H, W] = x.shape as [number, number, number, number];
    if (!global) return this.windowAvgPool(node, a, x, C, H, W);
    const name = this.layerName(node);
    this.pending(node, (out, clamp, tensor) => {
      const { lo, hi } = this.bounds(out, clamp);
      // ONNX Runtime's integer global average: rne(f32(Σ(x − zx)) · sx / (sy · H·W)) + zy
      const scale = f32(x.scale / f32(out.scale * (H * W)));
      this.addLayer(
        { name, kind: 'global_avgpool', inputs: [...x.producers], in: [H, W, C] },
        { zA: x.zp, zB: 0, zC: out.zp, lo, hi, scales: [scale], perChannel: false },
        null,
      );
      return this.qt([name], [1, C, 1, 1], out, tensor);
    });
  }

  /** AveragePool with a window (ONNX Runtime runs the QDQ form as QLinearAveragePool, in
   *  float32: the emulator's LOOP_POOL average repeats its steps, docs/isa.md). */
  private windowAvgPool(node: onnx.INodeProto, a: Attrs, x: QT, C: number, H: number, W: number): void {
    const countPad = attrInt(a, 'count_include_pad', 0) !== 0;
    const { k, s, p, oh, ow, end } = this.poolGeometry(node, a, H, W);
    if (p >= k) this.fail(node, `padding ${p} ≥ window ${k}: a window could lie entirely in the padding`);
    if ((oh - 1) * s - p >= H || (ow - 1) * s - p >= W)
      this.fail(node, 'the last window starts past the input: it would average nothing');
    if (countPad && (end[0] !== p || end[1] !== p))
      this.fail(
        node,
        'count_include_pad with different padding at the start and the end of an axis is not supported',
      );
    // ONNX Runtime divides such a window by k² in its uint8 kernel (QLinearAveragePool) but
    // by the part inside the padded input in its int8 (float) path: no single answer to match.
    if (countPad && ((oh - 1) * s - p + k > H + p || (ow - 1) * s - p + k > W + p))
      this.fail(
        node,
        'count_include_pad with ceil_mode where the last window reaches past the padded input is not supported (ONNX Runtime itself counts it differently for int8 and uint8); pad the input so the windows fit, or use count_include_pad = 0',
      );
    const name = this.layerName(node);
    this.pending(node, (out, clamp, tensor) => {
      const { lo, hi } = this.bounds(out, clamp);
      const zOut = out.unsigned ? out.zp + 128 : out.zp;
      this.addLayer(
        {
          name,
          kind: 'pool',
          inputs: [...x.producers],
          in: [H, W, C],
          out: [oh, ow, C],
          kernel: k,
          stride: s,
          padding: p,
          mode: 'avg',
          countIncludePad: countPad,
        },
        // table: sIn, sOut and the model's own output zero point (docs/isa.md)
        { zA: x.zp, zB: 0, zC: out.zp, lo, hi, scales: [x.scale, out.scale, zOut], perChannel: false },
        null,
      );
      return this.qt([name], [1, C, oh, ow], out, tensor);
    });
  }

  private concat(node: onnx.INodeProto, a: Attrs): void {
    const n = node.input?.length ?? 0;
    const xs = Array.from({ length: n }, (_, i) => this.act(node, i));
    const rank = xs[0]?.shape.length ?? 0;
    const axis = (attrInt(a, 'axis', 1) + rank) % rank;
    if (axis !== 1)
      this.fail(node, `concatenation along axis ${axis}: only the channel axis (1) is supported`);
    const bufName = this.layerName(node);
    let off = 0;
    const offsets = xs.map((x) => {
      const o = off;
      off += x.shape[1]!;
      return o;
    });
    this.pending(node, (out, clamp, tensor) => {
      if (clamp.min !== -Infinity || clamp.max !== Infinity)
        this.fail(node, 'an activation after Concat is not supported');
      xs.forEach((x, i) => {
        if (x.scale !== out.scale || x.zp !== out.zp)
          this.fail(
            node,
            `input ${node.input![i]} has a different quantization than the output; requantizing concat is not supported (quantize the inputs with the output's scale and zero point)`,
          );
        const prod =
          x.producers.length === 1 ? this.layers.find((l) => l.name === x.producers[0]) : undefined;
        if (
          !prod ||
          (prod.kind !== 'conv' && prod.kind !== 'dwconv' && prod.kind !== 'matmul') ||
          prod.concat
        )
          this.fail(
            node,
            `input ${node.input![i]} must come straight from a Conv or MatMul/Gemm (the network input, pools and adds cannot write into a concatenation)`,
          );
        if ((this.uses.get(x.tensor) ?? 0) > 1)
          this.fail(node, `input ${node.input![i]} is also read elsewhere; not supported`);
        (prod as { concat?: { buffer: string; offset: number } }).concat = {
          buffer: bufName,
          offset: offsets[i]!,
        };
      });
      const sh = [...xs[0]!.shape];
      sh[1] = off;
      return this.qt(
        xs.map((x) => x.producers[0]!),
        sh,
        out,
        tensor,
      );
    });
  }

  private reshape(node: onnx.INodeProto, a: Attrs, op: string): void {
    const x = this.act(node, 0);
    const total = x.shape.reduce((p, q) => p * q, 1);
    let target: number[];
    if (op === 'Flatten') {
      const axis = attrInt(a, 'axis', 1);
      if (axis !== 1) this.fail(node, `Flatten axis ${axis}: only axis 1 is supported`);
      target = [x.shape[0]!, total / x.shape[0]!];
    } else {
      const sv = this.value(node, 1)!;
      if (sv.kind !== 'const') this.fail(node, 'the shape must be an initializer');
      target = [...sv.c.values];
      const known = target.reduce((p, q, i) => p * (q === -1 ? 1 : q === 0 ? x.shape[i]! : q), 1);
      target = target.map((d, i) => (d === -1 ? total / known : d === 0 ? x.shape[i]! : d));
    }
    if (target.length !== 2 || target[0] !== 1)
      this.fail(node, `${op} to [${target.join(', ')}]: only flattening to [1, N] is supported`);
    const flattenedFrom =
      x.flattenedFrom ??
      (x.shape.length === 4 && x.shape[2]! * x.shape[3]! > 1
        ? ([x.shape[1]!, x.shape[2]!, x.shape[3]!] as const)
        : undefined);
    const src = x;
    this.pending(
      node,
      (out, clamp, tensor) => {
        if (out.scale !== src.scale || out.zp !== src.zp)
          this.fail(node, `${op} must keep its input quantization`);
        if (clamp.min !== -Infinity || clamp.max !== Infinity)
          this.fail(node, `an activation after ${op} is not supported`);
        return { ...src, shape: target, tensor, ...(flattenedFrom ? { flattenedFrom } : {}) };
      },
      x,
    );
  }
}

function safeName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9_.-]/g, '_');
  return n === '' || n === 'input' ? `${n}_` : n;
}
