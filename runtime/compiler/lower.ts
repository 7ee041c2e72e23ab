// Lowering: a model table → buffers (activations, weight blocks) and, per layer, the loop
// ops that execute it, with symbolic addresses (buffer id + offset). Buffer sizes are the
// hull of every byte any op writes or reads, so layers that read more than their producer
// wrote (quirks kept from the source tables, docs/models.md) stay inside their buffer.
import { CompileError } from '../../boards/errors.ts';
import { unreachable } from '../../boards/unreachable.ts';
import type { Layer, LayerKind, ModelTable } from '../models/types.ts';
import { outputBuffer } from '../models/schema.ts';
import { layerWeightBytes } from '../models/metrics.ts';
import { opSpans } from './ops.ts';
import { blockLayout, type LayerQuant } from './qparams.ts';
import type { LoopOp, QParams, Quant, SymAddr } from './types.ts';

export interface Buffer {
  readonly id: number;
  readonly name: string;
  readonly kind: 'input' | 'activation' | 'weights';
  /** Row / pixel stride in bytes (activations), 0 for weight blocks. */
  readonly width: number;
  bytes: number;
}

export interface LoweredLayer {
  readonly index: number;
  readonly layer: Layer;
  readonly ops: LoopOp[];
  /** Weight block of the layer: weights (K×J row-major) at offset 0, int32 biases at biasOffset. */
  readonly weights: {
    readonly buf: number;
    readonly weightBytes: number;
    readonly biasOffset: number;
    readonly biasCount: number;
    /** Imported layers: float32 scale table (docs/isa.md, CFG_QPARAM); count 0 otherwise. */
    readonly scaleOffset: number;
    readonly scaleCount: number;
  } | null;
}

export interface Lowered {
  readonly buffers: Buffer[];
  readonly layers: LoweredLayer[];
  readonly inputBuf: number;
  readonly outputBuf: number;
}

/** Requantization shift for a reduction of `k` products of int8 values: with weights
 *  uniform in ±32 (σ≈18.5) and activations spread over int8 (σ≲73) a sum has σ ≈ 1350·√k;
 *  2^-S ≈ 1/(34·√k) brings it to σ ≈ 40, inside int8 without saturating most values.
 *  M = 1. Deterministic in k only (docs/compiler.md). */
export function reductionQuant(k: number, relu: boolean, activationsOnly = false): Quant {
  const scale = 34 * Math.sqrt(k) * (activationsOnly ? 4 : 1);
  return { relu, M: 1, S: Math.min(31, Math.max(0, Math.round(Math.log2(scale)))) };
}

/** Global average: M/2^16 ≈ 1/(H·W). */
export function averageQuant(pixels: number): Quant {
  return { relu: false, M: Math.max(1, Math.round(65536 / pixels)), S: 16 };
}

export const ADD_QUANT = (relu: boolean): Quant => ({ relu, M: 1, S: 0 });

function outWidth(l: Layer): number {
  switch (l.kind) {
    case 'conv':
    case 'dwconv':
    case 'pool':
      return l.out[2];
    case 'matmul':
      return l.batched === 'pv' ? l.J * (l.heads ?? 1) : l.J;
    case 'add':
      return l.J;
    case 'global_avgpool':
      return l.in[2];
    case 'softmax':
    case 'layernorm':
      return l.cols;
  }
}

function concatOffset(l: Layer): number {
  return (l.kind === 'conv' || l.kind === 'dwconv' || l.kind === 'matmul') && l.concat ? l.concat.offset : 0;
}

/** What a layer's lowering needs: its input and output buffers, its weight block. */
interface LayerContext {
  readonly what: string;
  /** The buffer of the layer's i-th input. */
  inBuf(i: number): Buffer;
  readonly out: Buffer;
  /** Where the layer writes (its output buffer at its concat offset). */
  readonly c: SymAddr;
  /** An address in the layer's weight block. */
  wAddr(off?: number): SymAddr;
  /** The layer's int32 biases, or null without any. */
  readonly biasAddr: SymAddr | null;
}

type LayerOf<K extends LayerKind> = Extract<Layer, { kind: K }>;

const at = (b: Buffer, off = 0): SymAddr => ({ buf: b.id, off });

/** `quant`: per layer name, the affine requantization of an imported model (its layers then
 *  use CFG_QPARAM instead of the synthetic M/S choice). */
export function lowerModel(model: ModelTable, quant?: ReadonlyMap<string, LayerQuant>): Lowered {
  const buffers: Buffer[] = [];
  const input: Buffer = {
    id: 0,
    name: 'input',
    kind: 'input',
    width: model.input.c,
    bytes: model.input.h * model.input.w * model.input.c,
  };
  buffers.push(input);
  const producerBuf = activationBuffers(model, buffers, input);
  const layers: LoweredLayer[] = model.layers.map((l, index) => {
    const what = `model ${model.name} layer ${l.name}`;
    const out = producerBuf.get(l.name)!;
    const lq = quant?.get(l.name);
    const weights = weightBlock(l, buffers, lq ? lq.scales.length : 0);
    const ctx: LayerContext = {
      what,
      inBuf: (i) => {
        const n = l.inputs[i];
        const b = n === undefined ? undefined : producerBuf.get(n);
        if (b === undefined) throw new CompileError(`${what}: input ${i} is missing`);
        return b;
      },
      out,
      c: { buf: out.id, off: concatOffset(l) },
      wAddr: (off = 0) => ({ buf: weights!.buf, off }),
      biasAddr: weights && weights.biasCount > 0 ? { buf: weights.buf, off: weights.biasOffset } : null,
    };
    const ops = lowerLayer(l, ctx);
    return { index, layer: l, ops: lq && weights ? withAffine(ops, lq, weights) : ops, weights };
  });
  sizeBuffers(model, buffers, layers);
  const last = model.layers[model.layers.length - 1]!;
  return { buffers, layers, inputBuf: 0, outputBuf: producerBuf.get(last.name)!.id };
}

/** Adds one activation buffer per distinct output name (a concat buffer is as wide as its
 *  writers reach); returns each layer's output buffer by layer name, and the input's. */
function activationBuffers(model: ModelTable, buffers: Buffer[], input: Buffer): Map<string, Buffer> {
  const byName = new Map<string, Buffer>([['input', input]]);
  const widths = new Map<string, number>();
  for (const l of model.layers) {
    const name = outputBuffer(l);
    widths.set(name, Math.max(widths.get(name) ?? 0, concatOffset(l) + outWidth(l)));
  }
  for (const [name, width] of widths) {
    if (name === 'input')
      throw new CompileError(`model ${model.name}: a layer writes the network input buffer`);
    const b: Buffer = { id: buffers.length, name, kind: 'activation', width, bytes: 0 };
    buffers.push(b);
    byName.set(name, b);
  }
  const producerBuf = new Map<string, Buffer>([['input', input]]);
  for (const l of model.layers) producerBuf.set(l.name, byName.get(outputBuffer(l))!);
  return producerBuf;
}

/** Adds the layer's parameter block (weights, then int32 biases, then — imported layers —
 *  float32 scales, each 16-byte aligned: qparams.ts blockLayout), if it has any. */
function weightBlock(l: Layer, buffers: Buffer[], scaleCount: number): LoweredLayer['weights'] {
  const wBytes = layerWeightBytes(l);
  if (wBytes === 0 && scaleCount === 0) return null;
  const biasCount =
    l.kind === 'conv' || l.kind === 'dwconv' ? l.out[2] : l.kind === 'matmul' && l.weights === 'B' ? l.J : 0;
  const blk = blockLayout(wBytes, biasCount, scaleCount);
  const wb: Buffer = {
    id: buffers.length,
    name: `${l.name}.weights`,
    kind: 'weights',
    width: 0,
    bytes: blk.bytes,
  };
  buffers.push(wb);
  return {
    buf: wb.id,
    weightBytes: wBytes,
    biasOffset: blk.biasOffset,
    biasCount,
    scaleOffset: blk.scaleOffset,
    scaleCount,
  };
}

/** An imported layer's ops requantize with CFG_QPARAM (neutral CFG_QUANT before it). */
function withAffine(ops: LoopOp[], lq: LayerQuant, w: NonNullable<LoweredLayer['weights']>): LoopOp[] {
  const qp: QParams = {
    perChannel: lq.perChannel,
    scale: { buf: w.buf, off: w.scaleOffset },
    zA: lq.zA,
    zB: lq.zB,
    zC: lq.zC,
    lo: lq.lo,
    hi: lq.hi,
  };
  const neutral: Quant = { relu: false, M: 1, S: 0 };
  return ops.map((op) => (op.kind === 'vec' ? op : { ...op, q: neutral, qp }));
}

function lowerLayer(l: Layer, ctx: LayerContext): LoopOp[] {
  switch (l.kind) {
    case 'conv':
    case 'dwconv':
      return [lowerConv(l, ctx)];
    case 'matmul':
      return lowerMatmul(l, ctx);
    case 'add':
      return [lowerAdd(l, ctx)];
    case 'pool':
      return [lowerPool(l, ctx)];
    case 'global_avgpool':
      return [lowerGlobalAvgPool(l, ctx)];
    case 'softmax':
    case 'layernorm':
      return [lowerVec(l, ctx)];
    default:
      return unreachable(l, 'layer kind');
  }
}

function lowerConv(l: LayerOf<'conv' | 'dwconv'>, ctx: LayerContext): LoopOp {
  const src = ctx.inBuf(0);
  const dw = l.kind === 'dwconv';
  const kRed = dw ? l.kernel * l.kernel : l.kernel * l.kernel * l.in[2];
  return {
    kind: 'conv',
    depthwise: dw,
    inH: l.in[0],
    inW: l.in[1],
    inC: l.in[2],
    outH: l.out[0],
    outW: l.out[1],
    outC: l.out[2],
    k: l.kernel,
    s: l.stride,
    p: l.padding,
    row0: 0,
    pool: l.pool ? { ...l.pool } : null,
    a: at(src),
    b: ctx.wAddr(),
    bias: ctx.biasAddr,
    c: ctx.c,
    sA: src.width,
    sB: l.out[2],
    sC: ctx.out.width,
    q: reductionQuant(kRed, l.relu),
  };
}

/** A matmul with weights (A or B side), two activations, or per-head batched attention. */
function lowerMatmul(l: LayerOf<'matmul'>, ctx: LayerContext): LoopOp[] {
  const { c, out } = ctx;
  if (l.batched !== undefined) {
    const x = ctx.inBuf(0),
      y = ctx.inBuf(1);
    const q = reductionQuant(l.K, l.relu, true);
    const ops: LoopOp[] = [];
    for (let h = 0; h < (l.heads ?? 1); h++) {
      ops.push(
        l.batched === 'qkt'
          ? // K_hᵀ is read as a K×J matrix at the head's column offset (docs/compiler.md).
            {
              kind: 'matmul',
              I: l.I,
              J: l.J,
              K: l.K,
              a: at(x, h * l.K),
              b: at(y, h * l.K),
              bias: null,
              c: { buf: c.buf, off: c.off + h * l.I * out.width },
              sA: x.width,
              sB: y.width,
              sC: out.width,
              q,
            }
          : {
              kind: 'matmul',
              I: l.I,
              J: l.J,
              K: l.K,
              a: at(x, h * l.I * x.width),
              b: at(y, h * l.J),
              bias: null,
              c: { buf: c.buf, off: c.off + h * l.J },
              sA: x.width,
              sB: y.width,
              sC: out.width,
              q,
            },
      );
    }
    return ops;
  }
  if (l.weights === 'A') {
    const src = ctx.inBuf(0);
    return [
      {
        kind: 'matmul',
        I: l.I,
        J: l.J,
        K: l.K,
        a: ctx.wAddr(),
        b: at(src),
        bias: null,
        c,
        sA: l.K,
        sB: l.J,
        sC: out.width,
        q: reductionQuant(l.K, l.relu),
      },
    ];
  }
  const src = ctx.inBuf(0);
  const w = l.weights === 'B';
  return [
    {
      kind: 'matmul',
      I: l.I,
      J: l.J,
      K: l.K,
      a: at(src),
      b: w ? ctx.wAddr() : at(ctx.inBuf(1)),
      bias: w ? ctx.biasAddr : null,
      c,
      sA: src.width,
      sB: w ? l.J : ctx.inBuf(1).width,
      sC: out.width,
      q: reductionQuant(l.K, l.relu, !w),
    },
  ];
}

function lowerAdd(l: LayerOf<'add'>, ctx: LayerContext): LoopOp {
  const x = ctx.inBuf(0),
    y = ctx.inBuf(1);
  return {
    kind: 'resadd',
    I: l.I,
    J: l.J,
    a: at(x),
    b: at(y),
    c: ctx.c,
    sA: x.width,
    sB: y.width,
    sC: ctx.out.width,
    q: ADD_QUANT(l.relu),
  };
}

function lowerPool(l: LayerOf<'pool'>, ctx: LayerContext): LoopOp {
  const src = ctx.inBuf(0);
  return {
    kind: 'pool',
    global: false,
    inH: l.in[0],
    inW: l.in[1],
    C: l.in[2],
    size: l.kernel,
    stride: l.stride,
    padding: l.padding,
    row0: 0,
    outH: l.out[0],
    outW: l.out[1],
    a: at(src),
    c: ctx.c,
    sA: src.width,
    sC: ctx.out.width,
    ...(l.mode === 'avg'
      ? { average: { countPad: l.countIncludePad === true }, q: averageQuant(l.kernel * l.kernel) }
      : { q: { relu: false, M: 1, S: 0 } }),
  };
}

function lowerGlobalAvgPool(l: LayerOf<'global_avgpool'>, ctx: LayerContext): LoopOp {
  const src = ctx.inBuf(0);
  return {
    kind: 'pool',
    global: true,
    inH: l.in[0],
    inW: l.in[1],
    C: l.in[2],
    size: 0,
    stride: 0,
    padding: 0,
    row0: 0,
    outH: 1,
    outW: 1,
    a: at(src),
    c: ctx.c,
    sA: src.width,
    sC: ctx.out.width,
    q: averageQuant(l.in[0] * l.in[1]),
  };
}

function lowerVec(l: LayerOf<'softmax' | 'layernorm'>, ctx: LayerContext): LoopOp {
  const src = ctx.inBuf(0);
  return {
    kind: 'vec',
    layernorm: l.kind === 'layernorm',
    rows: l.rows,
    cols: l.cols,
    a: at(src),
    c: ctx.c,
    sA: src.width,
    sC: ctx.out.width,
  };
}

/** Sizes activation buffers by every byte any op touches; an op reading past its weight
 *  block is a compiler bug surfaced as a CompileError. */
function sizeBuffers(model: ModelTable, buffers: Buffer[], layers: readonly LoweredLayer[]): void {
  for (const ll of layers) {
    for (const op of ll.ops) {
      const { reads, writes } = opSpans(op);
      for (const s of [...reads, ...writes]) {
        const b = buffers[s.buf]!;
        if (b.kind !== 'weights') b.bytes = Math.max(b.bytes, s.hi);
        else if (s.hi > b.bytes)
          throw new CompileError(
            `model ${model.name} layer ${ll.layer.name}: reads past its weight block (${s.hi} > ${b.bytes})`,
          );
      }
    }
  }
}
