// A tile's configuration registers, set by the CFG_* instructions (docs/isa.md) and read by
// the loop macro-ops and MVIN/MVOUT. They persist across programs until reset.
import { FLAG_RELU, type UnitInstruction } from '../isa/index.ts';
import { unreachable } from '../unreachable.ts';
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

/** Applies a CFG_* instruction to the tile's configuration registers. */
export function applyConfig(cfg: TileConfig, ins: UnitInstruction<'config'>): void {
  switch (ins.op) {
    case 'CFG_GEMM':
      cfg.I = ins.I;
      cfg.J = ins.J;
      cfg.K = ins.K;
      return;
    case 'CFG_TILE':
      cfg.tileI = ins.tileI;
      cfg.tileJ = ins.tileJ;
      cfg.tileK = ins.tileK;
      return;
    case 'CFG_ADDR_IN':
      cfg.addrA = ins.addrA;
      cfg.addrB = ins.addrB;
      cfg.addrBias = ins.addrBias;
      return;
    case 'CFG_ADDR_OUT':
      cfg.addrC = ins.addrC;
      return;
    case 'CFG_STRIDE':
      cfg.strideA = ins.strideA;
      cfg.strideB = ins.strideB;
      cfg.strideC = ins.strideC;
      return;
    case 'CFG_QUANT':
      cfg.relu = (ins.flags & FLAG_RELU) !== 0;
      cfg.multiplier = ins.multiplier;
      cfg.shift = ins.shift;
      cfg.affine = null; // back to M/S requantization until the next CFG_QPARAM
      return;
    case 'CFG_CONV_IN':
      cfg.inH = ins.inH;
      cfg.inW = ins.inW;
      cfg.inC = ins.inC;
      return;
    case 'CFG_CONV_OUT':
      cfg.outH = ins.outH;
      cfg.outW = ins.outW;
      cfg.outC = ins.outC;
      return;
    case 'CFG_CONV_KERNEL':
      cfg.kernel = ins.kernel;
      cfg.convStride = ins.stride;
      cfg.padding = ins.padding;
      cfg.firstRow = ins.firstRow;
      return;
    case 'CFG_POOL':
      cfg.poolSize = ins.size;
      cfg.poolStride = ins.stride;
      cfg.poolPadding = ins.padding;
      cfg.pooledH = ins.pooledHW >>> 16;
      cfg.pooledW = ins.pooledHW & 0xffff;
      return;
    case 'CFG_LOAD':
      cfg.loadStride = ins.stride;
      return;
    case 'CFG_STORE':
      cfg.storeStride = ins.stride;
      return;
    case 'CFG_QPARAM':
      cfg.affine = affineOf(ins);
      return;
    default:
      return unreachable(ins, 'configuration opcode');
  }
}
