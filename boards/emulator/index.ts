// The board emulator's entry point. Only boards/ is imported from here; hosts reach it
// through drivers/inprocess.ts (or a transport's firmware loop).
import type { BoardDefinition } from '../types.ts';
import type { EmulatedBoard, ExecutionMode, FlashPeripheral } from './api.ts';
import { NpuBoard } from './board.ts';
import { createFlashPeripheral } from './flash/index.ts';

export * from './api.ts';
export { NpuBoard } from './board.ts';
export { ThrottleEngine, type ThrottleState } from './throttle.ts';
export { maxMinShare } from './bandwidth.ts';
export { SparseMemory } from './sparse-memory.ts';
export { COMMAND_QUEUE_DEPTH } from './tile.ts';

export interface CreateBoardOptions {
  /** Initial execution mode (also switchable with the MODE register). Default timing. */
  readonly mode?: ExecutionMode;
  /** Flash controller + boot ROM. Default: factory flash (signed factory image in slot A,
   *  development key provisioned). `null`: no flash peripheral, the board boots
   *  DEFAULT_MANIFEST (unit tests of the NPU alone). */
  readonly flash?: FlashPeripheral | null;
}

export function createEmulatedBoard(def: BoardDefinition, opts: CreateBoardOptions = {}): EmulatedBoard {
  const flash = opts.flash === null ? undefined : (opts.flash ?? createFlashPeripheral(def));
  return new NpuBoard(def, {
    ...(opts.mode === undefined ? {} : { mode: opts.mode }),
    ...(flash === undefined ? {} : { flash }),
  });
}
