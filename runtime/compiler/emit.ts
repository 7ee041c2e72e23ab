// Loop op (absolute addresses) → tile instructions (docs/isa.md). Each op is a handful of
// CFG_* words and one LOOP_* word.
import {
  instr,
  packPooled,
  FLAG_BIAS,
  FLAG_DEPTHWISE,
  FLAG_FUSED_POOL,
  FLAG_GLOBAL_AVG,
  FLAG_WINDOW_AVG,
  FLAG_COUNT_PAD,
  FLAG_LAYERNORM,
  FLAG_RELU,
  type Instruction,
} from '../../boards/isa/index.ts';
import type { Tiles } from './cost.ts';
import { qparamWord } from './qparams.ts';
import type { LoopOp, QParams, Quant } from './types.ts';

const quant = (q: Quant): Instruction =>
  instr('CFG_QUANT', { flags: q.relu ? FLAG_RELU : 0, multiplier: q.M, shift: q.S });

/** CFG_QUANT, then CFG_QPARAM for an affine (imported) op: CFG_QUANT clears affine mode. */
const quants = (q: Quant, qp: QParams<number> | undefined): Instruction[] =>
  qp ? [quant(q), qparamWord(qp)] : [quant(q)];

export function emitOp(op: LoopOp<number>, tiles: Tiles | null): Instruction[] {
  const tile = tiles ? [instr('CFG_TILE', { tileI: tiles.tI, tileJ: tiles.tJ, tileK: tiles.tK })] : [];
  switch (op.kind) {
    case 'matmul':
      return [
        instr('CFG_GEMM', { I: op.I, J: op.J, K: op.K }),
        ...tile,
        instr('CFG_ADDR_IN', { addrA: op.a, addrB: op.b, addrBias: op.bias ?? 0 }),
        instr('CFG_ADDR_OUT', { addrC: op.c }),
        instr('CFG_STRIDE', { strideA: op.sA, strideB: op.sB, strideC: op.sC }),
        ...quants(op.q, op.qp),
        instr('LOOP_MATMUL', { flags: op.bias !== null ? FLAG_BIAS : 0 }),
      ];
    case 'conv': {
      const pool = op.pool
        ? [
            instr('CFG_POOL', {
              size: op.pool.size,
              stride: op.pool.stride,
              padding: op.pool.padding,
              pooledHW: packPooled(op.pool.h, op.pool.w),
            }),
          ]
        : [];
      const flags =
        (op.bias !== null ? FLAG_BIAS : 0) |
        (op.depthwise ? FLAG_DEPTHWISE : 0) |
        (op.pool ? FLAG_FUSED_POOL : 0);
      return [
        instr('CFG_CONV_IN', { inH: op.inH, inW: op.inW, inC: op.inC }),
        instr('CFG_CONV_OUT', { outH: op.outH, outW: op.outW, outC: op.outC }),
        instr('CFG_CONV_KERNEL', { kernel: op.k, stride: op.s, padding: op.p, firstRow: op.row0 }),
        ...pool,
        ...tile,
        instr('CFG_ADDR_IN', { addrA: op.a, addrB: op.b, addrBias: op.bias ?? 0 }),
        instr('CFG_ADDR_OUT', { addrC: op.c }),
        instr('CFG_STRIDE', { strideA: op.sA, strideB: op.sB, strideC: op.sC }),
        ...quants(op.q, op.qp),
        instr('LOOP_CONV', { flags }),
      ];
    }
    case 'resadd':
      return [
        instr('CFG_GEMM', { I: op.I, J: op.J }),
        instr('CFG_ADDR_IN', { addrA: op.a, addrB: op.b }),
        instr('CFG_ADDR_OUT', { addrC: op.c }),
        instr('CFG_STRIDE', { strideA: op.sA, strideB: op.sB, strideC: op.sC }),
        ...quants(op.q, op.qp),
        instr('LOOP_RESADD'),
      ];
    case 'pool':
      return [
        instr('CFG_CONV_IN', { inH: op.inH, inW: op.inW, inC: op.C }),
        // a max pool reads its row slice's first row from CFG_CONV_KERNEL.d (docs/isa.md)
        ...(op.global
          ? []
          : [
              instr('CFG_CONV_KERNEL', { firstRow: op.row0 }),
              instr('CFG_POOL', {
                size: op.size,
                stride: op.stride,
                padding: op.padding,
                pooledHW: packPooled(op.outH, op.outW),
              }),
            ]),
        instr('CFG_ADDR_IN', { addrA: op.a }),
        instr('CFG_ADDR_OUT', { addrC: op.c }),
        instr('CFG_STRIDE', { strideA: op.sA, strideC: op.sC }),
        ...quants(op.q, op.qp),
        instr('LOOP_POOL', {
          flags: op.global
            ? FLAG_GLOBAL_AVG
            : op.average
              ? FLAG_WINDOW_AVG | (op.average.countPad ? FLAG_COUNT_PAD : 0)
              : 0,
        }),
      ];
    case 'vec':
      return [
        instr('CFG_GEMM', { I: op.rows, J: op.cols }),
        instr('CFG_ADDR_IN', { addrA: op.a }),
        instr('CFG_ADDR_OUT', { addrC: op.c }),
        instr('CFG_STRIDE', { strideA: op.sA, strideC: op.sC }),
        instr('LOOP_VEC', { flags: op.layernorm ? FLAG_LAYERNORM : 0 }),
      ];
  }
}
