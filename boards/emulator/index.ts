// The board emulator's entry point. Only boards/ is imported from here; hosts reach it
// through drivers/inprocess.ts (or a transport's firmware loop).
import type { BoardDefinition } from '../types.ts';
import type { EmulatedBoard, ExecutionMode, FlashPeripheral } from './api.ts';
import { NpuBoard } from './board.ts';

export * from './api.ts';
export { NpuBoard } from './board.ts';
export { ThrottleEngine, type ThrottleState } from './throttle.ts';
export { maxMinShare } from './bandwidth.ts';
export { SparseMemory } from './sparse-memory.ts';
export { COMMAND_QUEUE_DEPTH } from './tile.ts';

export interface CreateBoardOptions {
  /** Initial execution mode (also switchable with the MODE register). Default timing. */
  readonly mode?: ExecutionMode;
  /** Flash controller + boot ROM; without one the board boots DEFAULT_MANIFEST. */
  readonly flash?: FlashPeripheral;
}

export function createEmulatedBoard(def: BoardDefinition, opts: CreateBoardOptions = {}): EmulatedBoard {
  return new NpuBoard(def, opts);
}
