// Functional mode's tile-local state for the fine-grained ops (MVIN, PRELOAD, COMPUTE,
// MVOUT): scratchpad rows of DIM int8, accumulator rows of DIM int32, and the array's
// DIM×DIM weight block. Allocated only when a functional fine-grained op first runs.
import {
  FLAG_ACCUMULATE,
  FLAG_TO_ACC,
  inUnit,
  type Instruction,
  type UnitInstruction,
} from '../isa/index.ts';
import { unreachable } from '../unreachable.ts';
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
  run(mem: SparseMemory, ins: UnitInstruction<'fine'>, cfg: TileConfig): void {
    const dim = this.dim;
    switch (ins.op) {
      case 'MVIN': {
        const toAcc = (ins.flags & FLAG_TO_ACC) !== 0;
        const rowBytes = ins.cols * (toAcc ? 4 : 1);
        const data = mem.readRows(ins.dram, ins.rows, rowBytes, cfg.loadStride);
        const view = new DataView(data.buffer, data.byteOffset, data.length);
        for (let r = 0; r < ins.rows; r++) {
          const row = (ins.localRow + r) * dim;
          for (let j = 0; j < dim; j++) {
            const inside = j < ins.cols;
            if (toAcc) this.acc[row + j] = inside ? view.getInt32(r * rowBytes + 4 * j, true) : 0;
            else this.spad[row + j] = inside ? view.getInt8(r * rowBytes + j) : 0;
          }
        }
        return;
      }
      case 'MVOUT': {
        const out = new Int8Array(ins.rows * ins.cols);
        const q = { multiplier: cfg.multiplier, shift: cfg.shift, relu: cfg.relu };
        for (let r = 0; r < ins.rows; r++)
          requantRow(this.acc.subarray((ins.accRow + r) * dim), ins.cols, q, out, r * ins.cols);
        mem.writeRows(ins.dram, new Uint8Array(out.buffer), ins.rows, ins.cols, cfg.storeStride);
        return;
      }
      case 'PRELOAD':
        this.weights.set(this.spad.subarray(ins.spadRow * dim, (ins.spadRow + dim) * dim));
        this.preloadAccRow = ins.accRow;
        return;
      case 'COMPUTE': {
        const accumulate = (ins.flags & FLAG_ACCUMULATE) !== 0;
        const w = this.weights;
        for (let r = 0; r < ins.rows; r++) {
          const aRow = (ins.spadRow + r) * dim;
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
        return unreachable(ins, 'fine-grained opcode');
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
  if (!inUnit(ins, 'fine')) return undefined;
  switch (ins.op) {
    case 'MVIN': {
      if (ins.cols > dim) return { code: 'illegal', why: `MVIN of ${ins.cols} columns exceeds DIM ${dim}` };
      const rows = (ins.flags & FLAG_TO_ACC) !== 0 ? accRows : spadRows;
      return inside(ins.localRow, ins.rows, rows)
        ? undefined
        : {
            code: 'range',
            why: `MVIN rows ${ins.localRow}..${ins.localRow + ins.rows - 1} outside ${rows} local rows`,
          };
    }
    case 'MVOUT':
      if (ins.cols > dim) return { code: 'illegal', why: `MVOUT of ${ins.cols} columns exceeds DIM ${dim}` };
      return inside(ins.accRow, ins.rows, accRows)
        ? undefined
        : { code: 'range', why: `MVOUT rows outside ${accRows} accumulator rows` };
    case 'PRELOAD':
      return inside(ins.spadRow, dim, spadRows) && ins.accRow < accRows
        ? undefined
        : { code: 'range', why: 'PRELOAD rows outside the scratchpad/accumulator' };
    case 'COMPUTE':
      return inside(ins.spadRow, ins.rows, spadRows) && inside(preloadAccRow, ins.rows, accRows)
        ? undefined
        : { code: 'range', why: 'COMPUTE rows outside the scratchpad/accumulator' };
    default:
      return unreachable(ins, 'fine-grained opcode');
  }
}
