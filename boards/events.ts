// What a board reports, as data: events with board timestamps and fault codes. Shared by
// the emulator (which raises them) and every transport (which carries them).

/** Fault codes a tile reports. */
export const FAULT_DMA_OUT_OF_REGION = 1;
export const FAULT_ILLEGAL_INSTRUCTION = 2;
export const FAULT_SCRATCHPAD_RANGE = 3;
export const FAULT_QUEUE_FULL = 4;

const FAULT_NAMES: Readonly<Record<number, string>> = {
  [FAULT_DMA_OUT_OF_REGION]: 'DMA outside the tile region',
  [FAULT_ILLEGAL_INSTRUCTION]: 'illegal instruction',
  [FAULT_SCRATCHPAD_RANGE]: 'scratchpad/accumulator range',
  [FAULT_QUEUE_FULL]: 'command queue full',
};

/** "DMA outside the tile region (code 1)" for a fault code. */
export function describeFault(code: number): string {
  return `${FAULT_NAMES[code] ?? 'unknown fault'} (code ${code})`;
}

export type BoardEvent =
  /** A GRANULE_END marker retired: the tile reached a preemption point. */
  | { readonly kind: 'granule'; readonly tile: number; readonly cycle: number; readonly tag: number }
  /** The tile finished its program (END or end of CMD_LEN) and is idle unless more are queued. */
  | { readonly kind: 'done'; readonly tile: number; readonly cycle: number; readonly tag: number }
  /** The tile stopped on a fault; nothing of the faulting access was written. */
  | {
      readonly kind: 'fault';
      readonly tile: number;
      readonly cycle: number;
      readonly address: number;
      readonly code: number;
    }
  | { readonly kind: 'log'; readonly cycle: number; readonly message: string };

export interface AdvanceResult {
  /** Board cycle counter when advance() returned. */
  readonly cycle: number;
  /** Events in board-time order (ties: by tile index, then granule < done < fault). */
  readonly events: readonly BoardEvent[];
}

/** What the booted firmware says about the board (hello without the transport's part). */
export interface BoardInfo {
  readonly boardId: string;
  /** "major.minor.patch+build" of the booted image. */
  readonly firmwareVersion: string;
  readonly tiles: number;
  readonly capabilities: {
    readonly throttle: boolean;
    readonly functional: boolean;
    readonly flash: boolean;
    /** Board time moves only inside advance() (every emulated board unless served
     *  free-running); false: the board runs on its own clock (docs/protocol.md). */
    readonly lockstep: boolean;
  };
  /** Free-running boards only: board cycles per host second as a fraction of the board's
   *  clock rate (1 = real time; carried in millionths on the wire). Absent when lockstep. */
  readonly speed?: number;
  readonly bootSlot: 'A' | 'B';
  readonly trial: boolean;
  /** Key ids (hex of the 8-byte id, docs/image-format.md) the boot ROM accepts signatures
   *  from; empty when the board has no flash controller. A host checks an image against
   *  these before it erases anything. */
  readonly trustedKeyIds: readonly string[];
}
