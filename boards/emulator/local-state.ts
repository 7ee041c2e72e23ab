// Functional mode's tile-local state for the fine-grained ops (MVIN, PRELOAD, COMPUTE,
// MVOUT): scratchpad rows of DIM int8, accumulator rows of DIM int32, and the array's
// DIM×DIM weight block. Allocated only when a functional fine-grained op first runs.
import type { Instruction } from '../isa/index.ts';
import { FLAG_ACCUMULATE, FLAG_TO_ACC } from '../isa/index.ts';
import type { TileConfig } from './config.ts';
import { requantRow } from './requant.ts';
import type { SparseMemory } from './sparse-memory.ts';

export class LocalState {
  readonly spad: Int8Array;
  readonly acc: Int32Array;
  readonly weights: Int8Array;
  preloadAccRow = 0;

  constructor(
    readonly dim: number,
    readonly spadRows: number,
    readonly accRows: number,
  ) {
    this.spad = new Int8Array(spadRows * dim);
    this.acc = new Int32Array(accRows * dim);
    this.weights = new Int8Array(dim * dim);
  }

  /** Executes a fine-grained op whose ranges were already checked. */
  run(mem: SparseMemory, ins: Instruction, cfg: TileConfig): void {
    const dim = this.dim;
    switch (ins.op) {
      case 'MVIN': {
        const toAcc = (ins.flags & FLAG_TO_ACC) !== 0;
        const rowBytes = ins.d * (toAcc ? 4 : 1);
        const data = mem.readRows(ins.b, ins.a, rowBytes, cfg.loadStride);
        const view = new DataView(data.buffer, data.byteOffset, data.length);
        for (let r = 0; r < ins.a; r++) {
          const row = (ins.c + r) * dim;
          for (let j = 0; j < dim; j++) {
            const inside = j < ins.d;
            if (toAcc) this.acc[row + j] = inside ? view.getInt32(r * rowBytes + 4 * j, true) : 0;
            else this.spad[row + j] = inside ? view.getInt8(r * rowBytes + j) : 0;
          }
        }
        return;
      }
      case 'MVOUT': {
        const out = new Int8Array(ins.a * ins.d);
        const q = { multiplier: cfg.multiplier, shift: cfg.shift, relu: cfg.relu };
        for (let r = 0; r < ins.a; r++)
          requantRow(this.acc.subarray((ins.c + r) * dim), ins.d, q, out, r * ins.d);
        mem.writeRows(ins.b, new Uint8Array(out.buffer), ins.a, ins.d, cfg.storeStride);
        return;
      }
      case 'PRELOAD':
        this.weights.set(this.spad.subarray(ins.b * dim, (ins.b + dim) * dim));
        this.preloadAccRow = ins.c;
        return;
      case 'COMPUTE': {
        const accumulate = (ins.flags & FLAG_ACCUMULATE) !== 0;
        const w = this.weights;
        for (let r = 0; r < ins.a; r++) {
          const aRow = (ins.b + r) * dim;
          const cRow = (this.preloadAccRow + r) * dim;
          for (let j = 0; j < dim; j++) {
            let s = accumulate ? this.acc[cRow + j]! : 0;
            for (let k = 0; k < dim; k++) s = (s + this.spad[aRow + k]! * w[k * dim + j]!) | 0;
            this.acc[cRow + j] = s;
          }
        }
        return;
      }
      default:
        return;
    }
  }
}

function inside(start: number, n: number, rows: number): boolean {
  return start + n <= rows;
}

/** Why a fine-grained op's local rows or column count are out of range, if they are. */
export function localRangeProblem(
  ins: Instruction,
  dim: number,
  spadRows: number,
  accRows: number,
  preloadAccRow: number,
): { code: 'range' | 'illegal'; why: string } | undefined {
  switch (ins.op) {
    case 'MVIN': {
      if (ins.d > dim) return { code: 'illegal', why: `MVIN of ${ins.d} columns exceeds DIM ${dim}` };
      const rows = (ins.flags & FLAG_TO_ACC) !== 0 ? accRows : spadRows;
      return inside(ins.c, ins.a, rows)
        ? undefined
        : { code: 'range', why: `MVIN rows ${ins.c}..${ins.c + ins.a - 1} outside ${rows} local rows` };
    }
    case 'MVOUT':
      if (ins.d > dim) return { code: 'illegal', why: `MVOUT of ${ins.d} columns exceeds DIM ${dim}` };
      return inside(ins.c, ins.a, accRows)
        ? undefined
        : { code: 'range', why: `MVOUT rows outside ${accRows} accumulator rows` };
    case 'PRELOAD':
      return inside(ins.b, dim, spadRows) && ins.c < accRows
        ? undefined
        : { code: 'range', why: 'PRELOAD rows outside the scratchpad/accumulator' };
    case 'COMPUTE':
      return inside(ins.b, ins.a, spadRows) && inside(preloadAccRow, ins.a, accRows)
        ? undefined
        : { code: 'range', why: 'COMPUTE rows outside the scratchpad/accumulator' };
    default:
      return undefined;
  }
}
