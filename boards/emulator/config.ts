// A tile's configuration registers, set by the CFG_* instructions (docs/isa.md) and read by
// the loop macro-ops and MVIN/MVOUT. They persist across programs until reset.
import { FLAG_RELU, type Instruction } from '../isa/index.ts';
import { unreachable } from '../unreachable.ts';

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
  };
}

/** Applies a CFG_* instruction; returns false for any other opcode. */
export function applyConfig(cfg: TileConfig, ins: Instruction): boolean {
  switch (ins.op) {
    case 'CFG_GEMM':
      cfg.I = ins.I;
      cfg.J = ins.J;
      cfg.K = ins.K;
      return true;
    case 'CFG_TILE':
      cfg.tileI = ins.tileI;
      cfg.tileJ = ins.tileJ;
      cfg.tileK = ins.tileK;
      return true;
    case 'CFG_ADDR_IN':
      cfg.addrA = ins.addrA;
      cfg.addrB = ins.addrB;
      cfg.addrBias = ins.addrBias;
      return true;
    case 'CFG_ADDR_OUT':
      cfg.addrC = ins.addrC;
      return true;
    case 'CFG_STRIDE':
      cfg.strideA = ins.strideA;
      cfg.strideB = ins.strideB;
      cfg.strideC = ins.strideC;
      return true;
    case 'CFG_QUANT':
      cfg.relu = (ins.flags & FLAG_RELU) !== 0;
      cfg.multiplier = ins.multiplier;
      cfg.shift = ins.shift;
      return true;
    case 'CFG_CONV_IN':
      cfg.inH = ins.inH;
      cfg.inW = ins.inW;
      cfg.inC = ins.inC;
      return true;
    case 'CFG_CONV_OUT':
      cfg.outH = ins.outH;
      cfg.outW = ins.outW;
      cfg.outC = ins.outC;
      return true;
    case 'CFG_CONV_KERNEL':
      cfg.kernel = ins.kernel;
      cfg.convStride = ins.stride;
      cfg.padding = ins.padding;
      cfg.firstRow = ins.firstRow;
      return true;
    case 'CFG_POOL':
      cfg.poolSize = ins.size;
      cfg.poolStride = ins.stride;
      cfg.poolPadding = ins.padding;
      cfg.pooledH = ins.pooledHW >>> 16;
      cfg.pooledW = ins.pooledHW & 0xffff;
      return true;
    case 'CFG_LOAD':
      cfg.loadStride = ins.stride;
      return true;
    case 'CFG_STORE':
      cfg.storeStride = ins.stride;
      return true;
    case 'LOOP_MATMUL':
    case 'LOOP_CONV':
    case 'LOOP_RESADD':
    case 'LOOP_POOL':
    case 'LOOP_VEC':
    case 'MVIN':
    case 'MVOUT':
    case 'PRELOAD':
    case 'COMPUTE':
    case 'FENCE':
    case 'GRANULE_END':
    case 'END':
      return false;
    default:
      return unreachable(ins, 'opcode');
  }
}
