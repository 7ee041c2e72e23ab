// Builds small QDQ-quantized ONNX models in TypeScript (with onnx-proto), in the form ONNX
// Runtime's static quantizer writes: every operator reads DequantizeLinear outputs and is
// followed by a QuantizeLinear; weights int8 (per-tensor or per-channel), biases int32 with
// scale = input scale × weight scale. Seeded, so every model is reproducible.
import onnxProto from 'onnx-proto';
import { mulberry32 } from '../../boards/prng.ts';

const { onnx } = onnxProto;
const f32 = Math.fround;
const DT_FLOAT = 1,
  DT_UINT8 = 2,
  DT_INT8 = 3,
  DT_INT32 = 6,
  DT_INT64 = 7;

/** A quantized tensor in the graph (a QuantizeLinear output). */
export interface QTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly scale: number;
  /** Zero point in the tensor's type. */
  readonly zp: number;
}

export interface ConvOpts {
  depthwise?: boolean;
  perChannel?: boolean;
  act?: 'relu' | 'clip6';
  /** Relu as a standalone DQ → Relu → Q after the conv's Q (instead of before it). */
  standaloneRelu?: boolean;
}

export class QdqBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly inits: InstanceType<typeof onnx.TensorProto>[] = [];
  private n = 0;
  private readonly rnd: () => number;
  private inputShape: number[] = [];
  /** Multiply-accumulates of the model (for throughput figures). */
  macs = 0;

  constructor(
    seed: number,
    private readonly unsigned = false,
  ) {
    this.rnd = mulberry32(seed);
  }

  private id(p: string): string {
    return `${p}_${this.n++}`;
  }
  private uniform(lo: number, hi: number): number {
    return lo + ((this.rnd() >>> 0) / 2 ** 32) * (hi - lo);
  }
  private intIn(lo: number, hi: number): number {
    return lo + ((this.rnd() >>> 0) % (hi - lo + 1));
  }

  private init(name: string, dataType: number, dims: number[], values: ArrayLike<number>): string {
    const t = new onnx.TensorProto({ name, dataType, dims });
    if (dataType === DT_FLOAT) t.rawData = new Uint8Array(Float32Array.from(values).buffer);
    else if (dataType === DT_INT8) t.rawData = new Uint8Array(Int8Array.from(values).buffer);
    else if (dataType === DT_UINT8) t.rawData = Uint8Array.from(values);
    else if (dataType === DT_INT32) t.rawData = new Uint8Array(Int32Array.from(values).buffer);
    else t.rawData = new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
    this.inits.push(t);
    return name;
  }

  private node(
    opType: string,
    inputs: string[],
    outputs: string[],
    attrs: Record<string, number | number[]> = {},
  ): void {
    const attribute = Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
        : new onnx.AttributeProto({ name, type: onnx.AttributeProto.AttributeType.INT, i: v }),
    );
    this.nodes.push(
      new onnx.NodeProto({ opType, input: inputs, output: outputs, name: this.id(opType), attribute }),
    );
  }

  private actType(): number {
    return this.unsigned ? DT_UINT8 : DT_INT8;
  }

  private qparams(scale: number, zp: number, prefix: string): [string, string] {
    return [
      this.init(this.id(`${prefix}_scale`), DT_FLOAT, [], [scale]),
      this.init(this.id(`${prefix}_zp`), this.actType(), [], [zp]),
    ];
  }

  private dq(x: QTensor): string {
    const out = this.id('dq');
    const [s, z] = this.qparams(x.scale, x.zp, 'dq');
    this.node('DequantizeLinear', [x.name, s, z], [out]);
    return out;
  }

  private q(floatName: string, shape: readonly number[], scale: number, zp: number): QTensor {
    const out = this.id('q');
    const [s, z] = this.qparams(scale, zp, 'q');
    this.node('QuantizeLinear', [floatName, s, z], [out]);
    return { name: out, shape, scale: f32(scale), zp };
  }

  /** A zero point for a new activation tensor (signed or unsigned, not centred). */
  zp(centre = 0): number {
    return this.unsigned ? 128 + centre + this.intIn(-20, 20) : centre + this.intIn(-20, 20);
  }

  input(shape: number[], scale = 1 / 100): QTensor {
    this.inputShape = shape;
    return this.q('input', shape, scale, this.zp());
  }

  /** int8 weights + DequantizeLinear (axis `axis` when per-channel); returns [dq name, scales]. */
  private weights(
    dims: number[],
    channels: number,
    axis: number,
    perChannel: boolean,
  ): [string, number[], Int8Array] {
    const count = dims.reduce((a, b) => a * b, 1);
    const w = Int8Array.from({ length: count }, () => this.intIn(-127, 127));
    const scales = perChannel
      ? Array.from({ length: channels }, () => f32(this.uniform(0.002, 0.02)))
      : [f32(this.uniform(0.002, 0.02))];
    const wName = this.init(this.id('w'), DT_INT8, dims, w);
    const sName = this.init(this.id('w_scale'), DT_FLOAT, perChannel ? [channels] : [], scales);
    const zName = this.init(
      this.id('w_zp'),
      DT_INT8,
      perChannel ? [channels] : [],
      scales.map(() => 0),
    );
    const out = this.id('dqw');
    this.node('DequantizeLinear', [wName, sName, zName], [out], perChannel ? { axis } : {});
    return [out, perChannel ? scales : new Array<number>(channels).fill(scales[0]!), w];
  }

  private bias(channels: number, xScale: number, wScales: number[]): string {
    const b = Array.from({ length: channels }, () => this.intIn(-2000, 2000));
    const scales = wScales.map((s) => f32(xScale * s));
    const bName = this.init(this.id('b'), DT_INT32, [channels], b);
    const per = new Set(scales).size > 1;
    const sName = this.init(this.id('b_scale'), DT_FLOAT, per ? [channels] : [], per ? scales : [scales[0]!]);
    const zName = this.init(
      this.id('b_zp'),
      DT_INT32,
      per ? [channels] : [],
      per ? scales.map(() => 0) : [0],
    );
    const out = this.id('dqb');
    this.node('DequantizeLinear', [bName, sName, zName], [out], per ? { axis: 0 } : {});
    return out;
  }

  /** Output scale so that a reduction of `k` int8 products lands at ~±60 LSB. */
  private outScale(xScale: number, wScales: number[], k: number): number {
    const mean = wScales.reduce((a, b) => a + b, 0) / wScales.length;
    return f32((xScale * mean * 73 * 73 * Math.sqrt(k)) / 60 / this.uniform(0.9, 1.1));
  }

  private finish(
    op: string,
    shape: readonly number[],
    scale: number,
    act: ConvOpts['act'],
    standalone = false,
  ): QTensor {
    let f = op;
    const centre = act ? -90 : 0;
    if (act && !standalone) {
      const a = this.id(act);
      if (act === 'relu') this.node('Relu', [f], [a]);
      else {
        const lo = this.init(this.id('clip_lo'), DT_FLOAT, [], [0]);
        const hi = this.init(this.id('clip_hi'), DT_FLOAT, [], [scale * 60]);
        this.node('Clip', [f, lo, hi], [a]);
      }
      f = a;
    }
    const t = this.q(f, shape, scale, this.zp(centre));
    if (act && standalone) {
      const r = this.id('relu');
      this.node('Relu', [this.dq(t)], [r]);
      return this.q(r, shape, t.scale, t.zp);
    }
    return t;
  }

  /** `p`: padding on every side, or [top/left, bottom, right]. */
  conv(
    x: QTensor,
    outC: number,
    k: number,
    s: number,
    p: number | [number, number, number],
    o: ConvOpts = {},
  ): QTensor {
    const [, C, H, W] = x.shape as [number, number, number, number];
    const [pb, eh, ew] = typeof p === 'number' ? [p, p, p] : p;
    const M = o.depthwise ? C : outC;
    const cg = o.depthwise ? 1 : C;
    const [w, ws] = this.weights([M, cg, k, k], M, 0, o.perChannel ?? false);
    const b = this.bias(M, x.scale, ws);
    const out = this.id('conv');
    this.node('Conv', [this.dq(x), w, b], [out], {
      kernel_shape: [k, k],
      strides: [s, s],
      pads: [pb, pb, eh, ew],
      ...(o.depthwise ? { group: C } : {}),
    });
    const oh = Math.floor((H + pb + eh - k) / s) + 1,
      ow = Math.floor((W + pb + ew - k) / s) + 1;
    this.macs += oh * ow * M * k * k * cg;
    return this.finish(out, [1, M, oh, ow], this.outScale(x.scale, ws, k * k * cg), o.act, o.standaloneRelu);
  }

  matmul(x: QTensor, N: number, o: { gemm?: boolean; perChannel?: boolean; act?: 'relu' } = {}): QTensor {
    const [M, K] = x.shape as [number, number];
    const per = o.perChannel ?? false;
    const out = this.id('mm');
    if (o.gemm) {
      const [w, ws] = this.weights([N, K], N, 0, per);
      const b = this.bias(N, x.scale, ws);
      this.node('Gemm', [this.dq(x), w, b], [out], { transB: 1 });
      this.macs += M * N * K;
      return this.finish(out, [M, N], this.outScale(x.scale, ws, K), o.act);
    }
    const [w, ws] = this.weights([K, N], N, 1, per);
    this.node('MatMul', [this.dq(x), w], [out]);
    this.macs += M * N * K;
    return this.finish(out, [M, N], this.outScale(x.scale, ws, K), o.act);
  }

  add(x: QTensor, y: QTensor, act?: 'relu'): QTensor {
    const out = this.id('add');
    this.node('Add', [this.dq(x), this.dq(y)], [out]);
    return this.finish(out, x.shape, f32(Math.max(x.scale, y.scale) * this.uniform(1.2, 1.6)), act);
  }

  /** `p`: padding on every side, or [top/left, bottom, right]. */
  maxPool(x: QTensor, k: number, s: number, p: number | [number, number, number] = 0, ceil = 0): QTensor {
    const [, C, H, W] = x.shape as [number, number, number, number];
    const [b, eh, ew] = typeof p === 'number' ? [p, p, p] : p;
    const out = this.id('maxpool');
    this.node('MaxPool', [this.dq(x)], [out], {
      kernel_shape: [k, k],
      strides: [s, s],
      pads: [b, b, eh, ew],
      ...(ceil ? { ceil_mode: 1 } : {}),
    });
    const sz = (n: number, e: number) =>
      (ceil ? Math.ceil((n + b + e - k) / s) : Math.floor((n + b + e - k) / s)) + 1;
    return this.q(out, [1, C, sz(H, eh), sz(W, ew)], x.scale, x.zp);
  }

  globalAvgPool(x: QTensor, asAveragePool = false): QTensor {
    const [, C, H, W] = x.shape as [number, number, number, number];
    const out = this.id('gap');
    if (asAveragePool) this.node('AveragePool', [this.dq(x)], [out], { kernel_shape: [H, W] });
    else this.node('GlobalAveragePool', [this.dq(x)], [out]);
    return this.q(out, [1, C, 1, 1], f32(x.scale * this.uniform(0.3, 0.6)), this.zp());
  }

  /** A k×k average pool (stride s, padding p each side), requantized to a new scale/zero point. */
  avgPool(
    x: QTensor,
    k: number,
    s = k,
    p: number | [number, number, number] = 0,
    o: { countPad?: boolean; ceil?: boolean } = {},
  ): QTensor {
    const [, C, H, W] = x.shape as [number, number, number, number];
    const [b, eh, ew] = typeof p === 'number' ? [p, p, p] : p;
    const out = this.id('avgpool');
    this.node('AveragePool', [this.dq(x)], [out], {
      kernel_shape: [k, k],
      strides: [s, s],
      pads: [b, b, eh, ew],
      ...(o.countPad ? { count_include_pad: 1 } : {}),
      ...(o.ceil ? { ceil_mode: 1 } : {}),
    });
    const sz = (n: number, e: number) =>
      (o.ceil ? Math.ceil((n + b + e - k) / s) : Math.floor((n + b + e - k) / s)) + 1;
    return this.q(out, [1, C, sz(H, eh), sz(W, ew)], f32(x.scale * this.uniform(0.4, 0.8)), this.zp());
  }

  /** Concat along channels; every input must already have `scale`/`zp` (see convTo). */
  concat(xs: QTensor[]): QTensor {
    const out = this.id('concat');
    this.node(
      'Concat',
      xs.map((x) => this.dq(x)),
      [out],
      { axis: 1 },
    );
    const shape = [...xs[0]!.shape];
    shape[1] = xs.reduce((a, x) => a + x.shape[1]!, 0);
    return this.q(out, shape, xs[0]!.scale, xs[0]!.zp);
  }

  /** A conv whose output takes a given quantization (for concat inputs). */
  convTo(
    x: QTensor,
    outC: number,
    k: number,
    s: number,
    p: number,
    scale: number,
    zp: number,
    o: ConvOpts = {},
  ): QTensor {
    const [, C, H, W] = x.shape as [number, number, number, number];
    const [w, ws] = this.weights([outC, C, k, k], outC, 0, o.perChannel ?? false);
    const b = this.bias(outC, x.scale, ws);
    const out = this.id('conv');
    this.node('Conv', [this.dq(x), w, b], [out], {
      kernel_shape: [k, k],
      strides: [s, s],
      pads: [p, p, p, p],
    });
    const oh = Math.floor((H + 2 * p - k) / s) + 1,
      ow = Math.floor((W + 2 * p - k) / s) + 1;
    this.macs += oh * ow * outC * k * k * C;
    return this.q(out, [1, outC, oh, ow], scale, zp);
  }

  /** Suggested output scale of a conv over `x` with k×k kernels (for convTo). */
  convScale(x: QTensor, k: number): number {
    return f32(x.scale * 0.011 * 73 * Math.sqrt(k * k * x.shape[1]!));
  }

  flatten(x: QTensor, reshape = false): QTensor {
    const out = this.id('flat');
    const total = x.shape.reduce((a, b) => a * b, 1);
    if (reshape) {
      const shape = this.init(this.id('shape'), DT_INT64, [2], [1, -1]);
      this.node('Reshape', [this.dq(x), shape], [out]);
    } else this.node('Flatten', [this.dq(x)], [out], { axis: 1 });
    return this.q(out, [1, total], x.scale, x.zp);
  }

  /** Raw node, for tests of unsupported operators. */
  raw(opType: string, x: QTensor): QTensor {
    const out = this.id(opType.toLowerCase());
    this.node(opType, [this.dq(x)], [out]);
    return this.q(out, x.shape, x.scale, x.zp);
  }

  /** The serialized model with `y` as its (quantized) output. */
  build(y: QTensor, name = 'test'): Uint8Array {
    const vi = (n: string, elemType: number, shape: readonly number[]) =>
      new onnx.ValueInfoProto({
        name: n,
        type: new onnx.TypeProto({
          tensorType: new onnx.TypeProto.Tensor({
            elemType,
            shape: new onnx.TensorShapeProto({
              dim: shape.map((d) => new onnx.TensorShapeProto.Dimension({ dimValue: d })),
            }),
          }),
        }),
      });
    const graph = new onnx.GraphProto({
      name,
      node: this.nodes,
      initializer: this.inits,
      input: [vi('input', DT_FLOAT, this.inputShape)],
      output: [vi(y.name, this.actType(), y.shape)],
    });
    const model = new onnx.ModelProto({
      irVersion: 7,
      producerName: 'cotenant-test',
      opsetImport: [new onnx.OperatorSetIdProto({ domain: '', version: 13 })],
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }

  inputDims(): number[] {
    return [...this.inputShape];
  }

  /** A float input in [−1, 1) for the model's input shape. */
  sampleInput(): Float32Array {
    const n = this.inputShape.reduce((a, b) => a * b, 1);
    return Float32Array.from({ length: n }, () => this.uniform(-1, 1));
  }
}
