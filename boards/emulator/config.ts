// A tile's configuration registers, set by the CFG_* instructions (docs/isa.md) and read by
// the loop macro-ops and MVIN/MVOUT. They persist across programs until reset.
import type { Instruction } from '../isa/index.ts';
import { affineOf, type AffineConfig } from './affine.ts';

export interface TileConfig {
  I: number;
  J: number;
  K: number;
  tileI: number;
  tileJ: number;
  tileK: number;
  addrA: number;
  addrB: number;
  addrBias: number;
  addrC: number;
  strideA: number;
  strideB: number;
  strideC: number;
  relu: boolean;
  multiplier: number;
  shift: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kernel: number;
  convStride: number;
  padding: number;
  /** First row (of the written map) that a row-sliced LOOP_CONV / max LOOP_POOL produces. */
  firstRow: number;
  poolSize: number;
  poolStride: number;
  poolPadding: number;
  pooledH: number;
  pooledW: number;
  loadStride: number;
  storeStride: number;
  /** Affine requantization (CFG_QPARAM; cleared by CFG_QUANT): see affine.ts. */
  affine: AffineConfig | null;
}

export function resetConfig(): TileConfig {
  return {
    I: 0,
    J: 0,
    K: 0,
    tileI: 0,
    tileJ: 0,
    tileK: 0,
    addrA: 0,
    addrB: 0,
    addrBias: 0,
    addrC: 0,
    strideA: 0,
    strideB: 0,
    strideC: 0,
    relu: false,
    multiplier: 1,
    shift: 0,
    inH: 0,
    inW: 0,
    inC: 0,
    outH: 0,
    outW: 0,
    outC: 0,
    kernel: 1,
    convStride: 1,
    padding: 0,
    firstRow: 0,
    poolSize: 1,
    poolStride: 1,
    poolPadding: 0,
    pooledH: 0,
    pooledW: 0,
    loadStride: 0,
    storeStride: 0,
    affine: null,
  };
}

/** Applies a CFG_* instruction; returns false for any other opcode. */
export function applyConfig(cfg: TileConfig, ins: Instruction): boolean {
  switch (ins.op) {
    case 'CFG_GEMM':
      cfg.I = ins.b;
      cfg.J = ins.c;
      cfg.K = ins.d;
      return true;
    case 'CFG_TILE':
      cfg.tileI = ins.b;
      cfg.tileJ = ins.c;
      cfg.tileK = ins.d;
      return true;
    case 'CFG_ADDR_IN':
      cfg.addrA = ins.b;
      cfg.addrB = ins.c;
      cfg.addrBias = ins.d;
      return true;
    case 'CFG_ADDR_OUT':
      cfg.addrC = ins.b;
      return true;
    case 'CFG_STRIDE':
      cfg.strideA = ins.b;
      cfg.strideB = ins.c;
      cfg.strideC = ins.d;
      return true;
    case 'CFG_QUANT':
      cfg.relu = (ins.flags & 1) !== 0;
      cfg.multiplier = ins.b;
      cfg.shift = ins.c;
      cfg.affine = null; // back to M/S requantization until the next CFG_QPARAM
      return true;
    case 'CFG_CONV_IN':
      cfg.inH = ins.b;
      cfg.inW = ins.c;
      cfg.inC = ins.d;
      return true;
    case 'CFG_CONV_OUT':
      cfg.outH = ins.b;
      cfg.outW = ins.c;
      cfg.outC = ins.d;
      return true;
    case 'CFG_CONV_KERNEL':
      cfg.kernel = ins.a;
      cfg.convStride = ins.b;
      cfg.padding = ins.c;
      cfg.firstRow = ins.d;
      return true;
    case 'CFG_POOL':
      cfg.poolSize = ins.a;
      cfg.poolStride = ins.b;
      cfg.poolPadding = ins.c;
      cfg.pooledH = ins.d >>> 16;
      cfg.pooledW = ins.d & 0xffff;
      return true;
    case 'CFG_LOAD':
      cfg.loadStride = ins.b;
      return true;
    case 'CFG_STORE':
      cfg.storeStride = ins.b;
      return true;
    case 'CFG_QPARAM':
      cfg.affine = affineOf(ins);
      return true;
    default:
      return false;
  }
}
