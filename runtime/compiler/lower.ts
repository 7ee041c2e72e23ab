// Lowering: a model table → buffers (activations, weight blocks) and, per layer, the loop
// ops that execute it, with symbolic addresses (buffer id + offset). Buffer sizes are the
// hull of every byte any op writes or reads, so layers that read more than their producer
// wrote (quirks kept from the source tables, docs/models.md) stay inside their buffer.
import { CompileError } from '../../boards/errors.ts';
import type { Layer, ModelTable } from '../models/types.ts';
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

/** `quant`: per layer name, the affine requantization of an imported model (its layers then
 *  use CFG_QPARAM instead of the synthetic M/S choice). */
export function lowerModel(model: ModelTable, quant?: ReadonlyMap<string, LayerQuant>): Lowered {
  const buffers: Buffer[] = [];
  const byName = new Map<string, Buffer>();
  const input: Buffer = {
    id: 0,
    name: 'input',
    kind: 'input',
    width: model.input.c,
    bytes: model.input.h * model.input.w * model.input.c,
  };
  buffers.push(input);
  byName.set('input', input);

  // Pass 1: activation buffers and their widths (a concat buffer is as wide as its writers reach).
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

  const layers: LoweredLayer[] = model.layers.map((l, index) => {
    const what = `model ${model.name} layer ${l.name}`;
    const inBuf = (i: number): Buffer => {
      const n = l.inputs[i];
      const b = n === undefined ? undefined : producerBuf.get(n);
      if (b === undefined) throw new CompileError(`${what}: input ${i} is missing`);
      return b;
    };
    const out = producerBuf.get(l.name)!;
    const c: SymAddr = { buf: out.id, off: concatOffset(l) };
    const A = (b: Buffer, off = 0): SymAddr => ({ buf: b.id, off });

    let weights: LoweredLayer['weights'] = null;
    const wBytes = layerWeightBytes(l);
    const biasCount =
      l.kind === 'conv' || l.kind === 'dwconv'
        ? l.out[2]
        : l.kind === 'matmul' && l.weights === 'B'
          ? l.J
          : 0;
    const lq = quant?.get(l.name);
    const scaleCount = lq ? lq.scales.length : 0;
    if (wBytes > 0 || scaleCount > 0) {
      const blk = blockLayout(wBytes, biasCount, scaleCount);
      const wb: Buffer = {
        id: buffers.length,
        name: `${l.name}.weights`,
        kind: 'weights',
        width: 0,
        bytes: blk.bytes,
      };
      buffers.push(wb);
      weights = {
        buf: wb.id,
        weightBytes: wBytes,
        biasOffset: blk.biasOffset,
        biasCount,
        scaleOffset: blk.scaleOffset,
        scaleCount,
      };
    }
    const wAddr = (off = 0): SymAddr => ({ buf: weights!.buf, off });
    const biasAddr = weights && weights.biasCount > 0 ? wAddr(weights.biasOffset) : null;
    const qp: QParams | undefined =
      lq && scaleCount > 0
        ? {
            perChannel: lq.perChannel,
            scale: wAddr(weights!.scaleOffset),
            zA: lq.zA,
            zB: lq.zB,
            zC: lq.zC,
            lo: lq.lo,
            hi: lq.hi,
          }
        : undefined;

    const ops: LoopOp[] = [];
    switch (l.kind) {
      case 'conv':
      case 'dwconv': {
        const src = inBuf(0);
        const dw = l.kind === 'dwconv';
        const kRed = dw ? l.kernel * l.kernel : l.kernel * l.kernel * l.in[2];
        ops.push({
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
          a: A(src),
          b: wAddr(),
          bias: biasAddr,
          c,
          sA: src.width,
          sB: l.out[2],
          sC: out.width,
          q: reductionQuant(kRed, l.relu),
        });
        break;
      }
      case 'matmul': {
        if (l.batched !== undefined) {
          const x = inBuf(0),
            y = inBuf(1);
          const q = reductionQuant(l.K, l.relu, true);
          for (let h = 0; h < (l.heads ?? 1); h++) {
            ops.push(
              l.batched === 'qkt'
                ? // K_hᵀ is read as a K×J matrix at the head's column offset (docs/compiler.md).
                  {
                    kind: 'matmul',
                    I: l.I,
                    J: l.J,
                    K: l.K,
                    a: A(x, h * l.K),
                    b: A(y, h * l.K),
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
                    a: A(x, h * l.I * x.width),
                    b: A(y, h * l.J),
                    bias: null,
                    c: { buf: c.buf, off: c.off + h * l.J },
                    sA: x.width,
                    sB: y.width,
                    sC: out.width,
                    q,
                  },
            );
          }
        } else if (l.weights === 'A') {
          const src = inBuf(0);
          ops.push({
            kind: 'matmul',
            I: l.I,
            J: l.J,
            K: l.K,
            a: wAddr(),
            b: A(src),
            bias: null,
            c,
            sA: l.K,
            sB: l.J,
            sC: out.width,
            q: reductionQuant(l.K, l.relu),
          });
        } else {
          const src = inBuf(0);
          const w = l.weights === 'B';
          ops.push({
            kind: 'matmul',
            I: l.I,
            J: l.J,
            K: l.K,
            a: A(src),
            b: w ? wAddr() : A(inBuf(1)),
            bias: w ? biasAddr : null,
            c,
            sA: src.width,
            sB: w ? l.J : inBuf(1).width,
            sC: out.width,
            q: reductionQuant(l.K, l.relu, !w),
          });
        }
        break;
      }
      case 'add': {
        const x = inBuf(0),
          y = inBuf(1);
        ops.push({
          kind: 'resadd',
          I: l.I,
          J: l.J,
          a: A(x),
          b: A(y),
          c,
          sA: x.width,
          sB: y.width,
          sC: out.width,
          q: ADD_QUANT(l.relu),
        });
        break;
      }
      case 'pool': {
        const src = inBuf(0);
        ops.push({
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
          a: A(src),
          c,
          sA: src.width,
          sC: out.width,
          q: { relu: false, M: 1, S: 0 },
        });
        break;
      }
      case 'global_avgpool': {
        const src = inBuf(0);
        ops.push({
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
          a: A(src),
          c,
          sA: src.width,
          sC: out.width,
          q: averageQuant(l.in[0] * l.in[1]),
        });
        break;
      }
      case 'softmax':
      case 'layernorm': {
        const src = inBuf(0);
        ops.push({
          kind: 'vec',
          layernorm: l.kind === 'layernorm',
          rows: l.rows,
          cols: l.cols,
          a: A(src),
          c,
          sA: src.width,
          sC: out.width,
        });
        break;
      }
    }
    const NEUTRAL: Quant = { relu: false, M: 1, S: 0 };
    const withQp = qp ? ops.map((op) => (op.kind === 'vec' ? op : { ...op, q: NEUTRAL, qp })) : ops;
    return { index, layer: l, ops: withQp, weights };
  });

  // Size activation buffers by every byte any op touches.
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
  const last = model.layers[model.layers.length - 1]!;
  return { buffers, layers, inputBuf: 0, outputBuf: producerBuf.get(last.name)!.id };
}
