// The Device contract: everything the runtime, the flasher and the HIL suite may do with a
// board. Types only. Every transport (in-process, serial, PCIe XDMA, shared memory)
// implements exactly this, with these guarantees:
//
// - Each method resolves once the board has applied the operation (a write is not
//   "sent", it is done), or rejects with a CotenantError: TimeoutError when the board did
//   not answer within the transport's timeouts and retries, DisconnectedError when the
//   link is gone (never a hang), ProtocolError for a reply that makes no sense,
//   DeviceFault when the board refused the operation.
// - Every operation takes effect exactly once, even when a transport retransmits.
// - Board time is the board's cycle counter. In lockstep mode (every emulated board) it
//   advances only inside advance(); between calls the board is frozen, so a host that
//   makes the same calls sees the same cycles and events on every transport.
// - After close(), every pending and later call rejects with DisconnectedError.
import type { BoardDefinition } from '../boards/types.ts';
import type { RegisterName } from '../boards/registers.ts';

export interface HelloInfo {
  /** Four-character board code from BOARD_ID, e.g. "CEMU". */
  readonly boardId: string;
  /** Firmware version booted by the boot ROM, "major.minor.patch+build". */
  readonly firmwareVersion: string;
  /** Wire protocol version spoken (1 for the in-process transport). */
  readonly protocolVersion: number;
  readonly tiles: number;
  readonly capabilities: {
    readonly throttle: boolean;
    readonly functional: boolean;
    readonly flash: boolean;
    /** Board time advances only inside advance(). */
    readonly lockstep: boolean;
  };
  /** Boot slot and whether it is on trial (booted as test, not yet confirmed). */
  readonly bootSlot: 'A' | 'B';
  readonly trial: boolean;
  /** The transport's name: "inprocess", "serial", "pcie-xdma", "pcie-shm". */
  readonly transport: string;
}

/** Fault codes a tile reports. */
export const FAULT_DMA_OUT_OF_REGION = 1;
export const FAULT_ILLEGAL_INSTRUCTION = 2;
export const FAULT_SCRATCHPAD_RANGE = 3;
export const FAULT_QUEUE_FULL = 4;

export type DeviceEvent =
  /** A GRANULE_END marker retired: the tile reached a preemption point. */
  | { readonly kind: 'granule'; readonly tile: number; readonly cycle: number; readonly tag: number }
  /** The tile finished its program (END or end of CMD_LEN) and is idle unless more are queued. */
  | { readonly kind: 'done'; readonly tile: number; readonly cycle: number; readonly tag: number }
  /** The tile stopped on a fault; nothing of the faulting access was written. */
  | { readonly kind: 'fault'; readonly tile: number; readonly cycle: number; readonly address: number; readonly code: number }
  | { readonly kind: 'log'; readonly cycle: number; readonly message: string };

export interface AdvanceResult {
  /** Board cycle counter when advance() returned. */
  readonly cycle: number;
  /** Events in board-time order (ties: by tile index, then by kind order granule < done < fault). */
  readonly events: readonly DeviceEvent[];
}

export interface Device {
  readonly board: BoardDefinition;
  hello(): Promise<HelloInfo>;
  readRegister(name: RegisterName, tile?: number): Promise<number>;
  writeRegister(name: RegisterName, value: number, tile?: number): Promise<void>;
  readMemory(address: number, length: number): Promise<Uint8Array>;
  writeMemory(address: number, data: Uint8Array): Promise<void>;
  /**
   * Lets the board run until it has at least one event to report or its cycle counter
   * reaches `untilCycle`, whichever comes first; returns all events raised up to then.
   * If events are already pending, returns them at once without advancing. If no tile is
   * busy, time jumps straight to `untilCycle`.
   */
  advance(untilCycle: number): Promise<AdvanceResult>;
  /** Board reset: tiles stop, pending events are discarded, the boot ROM boots again. */
  reset(): Promise<void>;
  close(): Promise<void>;
}
