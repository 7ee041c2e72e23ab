// A job is one unit of tile work in flight: the program fetch, a loop macro-op, or one
// fine-grained op (MVIN, PRELOAD, COMPUTE, MVOUT) in one of the tile's three decoupled
// queues. It runs through its cost's segments at the rate the board's solver gives it.
//
// Fine-grained ops in different queues overlap; one waits for another only when their
// local rows conflict (read-after-write, write-after-read, write-after-write on the same
// scratchpad or accumulator rows), as Gemmini's reorder buffer does. DRAM is not tracked:
// a program that reads back what it stored uses FENCE (docs/isa.md).
import { FLAG_TO_ACC, type Instruction, type UnitInstruction } from '../isa/index.ts';
import { unreachable } from '../unreachable.ts';
import type { TileConfig } from './config.ts';
import type { OpCost } from './costs.ts';
import type { Segment } from './segment.ts';

export const LOAD_QUEUE = 0;
export const EXEC_QUEUE = 1;
export const STORE_QUEUE = 2;
export type QueueIndex = 0 | 1 | 2;

/** Local rows an op reads and writes: [lo, hi) per memory, empty when lo ≥ hi. */
export interface LocalFootprint {
  readonly spadRead: readonly [number, number];
  readonly spadWrite: readonly [number, number];
  readonly accRead: readonly [number, number];
  readonly accWrite: readonly [number, number];
}

const NONE: readonly [number, number] = [0, 0];

export function footprintOf(
  ins: UnitInstruction<'fine'>,
  dim: number,
  preloadAccRow: number,
): LocalFootprint {
  switch (ins.op) {
    case 'MVIN': {
      const rows: readonly [number, number] = [ins.localRow, ins.localRow + ins.rows];
      return (ins.flags & FLAG_TO_ACC) !== 0
        ? { spadRead: NONE, spadWrite: NONE, accRead: NONE, accWrite: rows }
        : { spadRead: NONE, spadWrite: rows, accRead: NONE, accWrite: NONE };
    }
    case 'PRELOAD':
      return { spadRead: [ins.spadRow, ins.spadRow + dim], spadWrite: NONE, accRead: NONE, accWrite: NONE };
    case 'COMPUTE':
      // Accumulating reads the rows it writes; overwriting only writes them.
      return {
        spadRead: [ins.spadRow, ins.spadRow + ins.rows],
        spadWrite: NONE,
        accRead: [preloadAccRow, preloadAccRow + ins.rows],
        accWrite: [preloadAccRow, preloadAccRow + ins.rows],
      };
    case 'MVOUT':
      return {
        spadRead: NONE,
        spadWrite: NONE,
        accRead: [ins.accRow, ins.accRow + ins.rows],
        accWrite: NONE,
      };
    default:
      return unreachable(ins, 'fine-grained opcode');
  }
}

function overlap(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] < a[1] && b[0] < b[1] && a[0] < b[1] && b[0] < a[1];
}

/** Whether `later` must wait for `earlier` (RAW, WAR or WAW on local rows). */
export function conflicts(earlier: LocalFootprint, later: LocalFootprint): boolean {
  return (
    overlap(earlier.spadWrite, later.spadRead) ||
    overlap(earlier.spadWrite, later.spadWrite) ||
    overlap(earlier.spadRead, later.spadWrite) ||
    overlap(earlier.accWrite, later.accRead) ||
    overlap(earlier.accWrite, later.accWrite) ||
    overlap(earlier.accRead, later.accWrite)
  );
}

export class Job {
  /** Index of the current segment (−1 before start). */
  seg = -1;
  /** Fraction of the current segment still to do. */
  remaining = 0;
  /** Progress through the current segment, fraction per cycle (set by the solver). */
  rate = 0;
  /** Read beats per cycle this job issues now. */
  readRate = 0;
  /** Board cycle at which the current segment ends at the current rate. */
  endAt = Number.POSITIVE_INFINITY;
  done = false;

  constructor(
    readonly ins: Instruction | undefined,
    readonly cost: OpCost,
    readonly queue: QueueIndex,
    /** Fetch and loop macro-ops own the whole tile: they start on empty queues and nothing
     *  issues behind them until they finish. */
    readonly exclusive: boolean,
    readonly deps: readonly Job[],
    readonly footprint: LocalFootprint | undefined,
    /** Configuration as it was at issue (later CFG_* words may change the tile's). */
    readonly cfg: TileConfig,
  ) {}

  get segment(): Segment | undefined {
    return this.seg >= 0 ? this.cost.segments[this.seg] : undefined;
  }

  get ready(): boolean {
    for (const d of this.deps) if (!d.done) return false;
    return true;
  }
}
