// Loop op (absolute addresses) → tile instructions (docs/isa.md). Each op is a handful of
// CFG_* words and one LOOP_* word.
import {
  instr,
  FLAG_BIAS,
  FLAG_DEPTHWISE,
  FLAG_FUSED_POOL,
  FLAG_GLOBAL_AVG,
  FLAG_LAYERNORM,
  FLAG_RELU,
  type Instruction,
} from '../../boards/isa/index.ts';
import type { Tiles } from './cost.ts';
import { qparamWord } from './qparams.ts';
import type { LoopOp, QParams, Quant } from './types.ts';

const quant = (q: Quant): Instruction =>
  instr('CFG_QUANT', { flags: q.relu ? FLAG_RELU : 0, b: q.M, c: q.S });

/** CFG_QUANT, then CFG_QPARAM for an affine (imported) op: CFG_QUANT clears affine mode. */
const quants = (q: Quant, qp: QParams<number> | undefined): Instruction[] =>
  qp ? [quant(q), qparamWord(qp)] : [quant(q)];

export function emitOp(op: LoopOp<number>, tiles: Tiles | null): Instruction[] {
  const tile = tiles ? [instr('CFG_TILE', { b: tiles.tI, c: tiles.tJ, d: tiles.tK })] : [];
  switch (op.kind) {
    case 'matmul':
      return [
        instr('CFG_GEMM', { b: op.I, c: op.J, d: op.K }),
        ...tile,
        instr('CFG_ADDR_IN', { b: op.a, c: op.b, d: op.bias ?? 0 }),
        instr('CFG_ADDR_OUT', { b: op.c }),
        instr('CFG_STRIDE', { b: op.sA, c: op.sB, d: op.sC }),
        ...quants(op.q, op.qp),
        instr('LOOP_MATMUL', { flags: op.bias !== null ? FLAG_BIAS : 0 }),
      ];
    case 'conv': {
      const pool = op.pool
        ? [
            instr('CFG_POOL', {
              a: op.pool.size,
              b: op.pool.stride,
              c: op.pool.padding,
              d: ((op.pool.h << 16) | op.pool.w) >>> 0,
            }),
          ]
        : [];
      const flags =
        (op.bias !== null ? FLAG_BIAS : 0) |
        (op.depthwise ? FLAG_DEPTHWISE : 0) |
        (op.pool ? FLAG_FUSED_POOL : 0);
      return [
        instr('CFG_CONV_IN', { b: op.inH, c: op.inW, d: op.inC }),
        instr('CFG_CONV_OUT', { b: op.outH, c: op.outW, d: op.outC }),
        instr('CFG_CONV_KERNEL', { a: op.k, b: op.s, c: op.p, d: op.row0 }),
        ...pool,
        ...tile,
        instr('CFG_ADDR_IN', { b: op.a, c: op.b, d: op.bias ?? 0 }),
        instr('CFG_ADDR_OUT', { b: op.c }),
        instr('CFG_STRIDE', { b: op.sA, c: op.sB, d: op.sC }),
        ...quants(op.q, op.qp),
        instr('LOOP_CONV', { flags }),
      ];
    }
    case 'resadd':
      return [
        instr('CFG_GEMM', { b: op.I, c: op.J }),
        instr('CFG_ADDR_IN', { b: op.a, c: op.b }),
        instr('CFG_ADDR_OUT', { b: op.c }),
        instr('CFG_STRIDE', { b: op.sA, c: op.sB, d: op.sC }),
        ...quants(op.q, op.qp),
        instr('LOOP_RESADD'),
      ];
    case 'pool':
      return [
        instr('CFG_CONV_IN', { b: op.inH, c: op.inW, d: op.C }),
        // a max pool reads its row slice's first row from CFG_CONV_KERNEL.d (docs/isa.md)
        ...(op.global
          ? []
          : [
              instr('CFG_CONV_KERNEL', { d: op.row0 }),
              instr('CFG_POOL', {
                a: op.size,
                b: op.stride,
                c: op.padding,
                d: ((op.outH << 16) | op.outW) >>> 0,
              }),
            ]),
        instr('CFG_ADDR_IN', { b: op.a }),
        instr('CFG_ADDR_OUT', { b: op.c }),
        instr('CFG_STRIDE', { b: op.sA, d: op.sC }),
        ...quants(op.q, op.qp),
        instr('LOOP_POOL', { flags: op.global ? FLAG_GLOBAL_AVG : 0 }),
      ];
    case 'vec':
      return [
        instr('CFG_GEMM', { b: op.rows, c: op.cols }),
        instr('CFG_ADDR_IN', { b: op.a }),
        instr('CFG_ADDR_OUT', { b: op.c }),
        instr('CFG_STRIDE', { b: op.sA, d: op.sC }),
        instr('LOOP_VEC', { flags: op.layernorm ? FLAG_LAYERNORM : 0 }),
      ];
  }
}
