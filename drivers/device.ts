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
// - Board time is the board's cycle counter. In lockstep mode (every emulated board unless
//   served free-running; hello().capabilities.lockstep) it advances only inside advance();
//   between calls the board is frozen, so a host that makes the same calls sees the same
//   cycles and events on every transport. A free-running board (a devkit on its own
//   clock, or `cotenant emu --pty --free-running`) runs whether or not the host calls:
//   every operation happens at the board's current time, and hello().speed says how
//   fast that time moves against the host's.
// - After close(), every pending and later call rejects with DisconnectedError.
import type { BoardDefinition } from '../boards/types.ts';
import type { RegisterName } from '../boards/registers.ts';
import type { AdvanceResult, BoardInfo } from '../boards/events.ts';

/** What hello() reports: the booted firmware's BoardInfo plus the link's own facts. */
export interface HelloInfo extends BoardInfo {
  /** Wire protocol version spoken (1 for the in-process transport). */
  readonly protocolVersion: number;
  /** The transport's name: "inprocess", "serial", "pcie-xdma", "pcie-shm". */
  readonly transport: string;
}

export type { BoardEvent as DeviceEvent, AdvanceResult } from '../boards/events.ts';
export {
  FAULT_DMA_OUT_OF_REGION,
  FAULT_ILLEGAL_INSTRUCTION,
  FAULT_SCRATCHPAD_RANGE,
  FAULT_QUEUE_FULL,
} from '../boards/events.ts';

/** One register write of a batch (Device.writeRegisters). */
export interface RegisterWrite {
  readonly name: RegisterName;
  readonly value: number;
  readonly tile?: number;
}

export interface Device {
  readonly board: BoardDefinition;
  /** Bytes a second the link carries when it is rate-limited (a serial line: baud / 10), so
   *  long transfers can be given time in proportion; undefined when the link is not the
   *  bottleneck. */
  readonly linkBytesPerSecond?: number;
  hello(): Promise<HelloInfo>;
  readRegister(name: RegisterName, tile?: number): Promise<number>;
  writeRegister(name: RegisterName, value: number, tile?: number): Promise<void>;
  /** Optional: several writes, in order, at one board time, in as few link round trips as
   *  the transport allows (serial: one WRITE_REGS frame when the board grants
   *  BATCH_WRITES). Every name and value is checked before anything is sent. Callers use
   *  writeRegisters() from drivers/register-batch.ts, which falls back to single writes. */
  writeRegisters?(writes: readonly RegisterWrite[]): Promise<void>;
  readMemory(address: number, length: number): Promise<Uint8Array>;
  writeMemory(address: number, data: Uint8Array): Promise<void>;
  /**
   * Lockstep board: lets the board run until it has at least one event to report or its
   * cycle counter reaches `untilCycle`, whichever comes first; returns all events raised
   * up to then. If events are already pending, returns them at once without advancing. If
   * no tile is busy, time jumps straight to `untilCycle`.
   *
   * Free-running board: a poll. Returns at once with every event raised up to the board's
   * current time (board-time order, each exactly once) and that time; it never moves the
   * clock, so the returned cycle may lie below or above `untilCycle` (which is only
   * checked to be finite). A host waits for board time by polling.
   */
  advance(untilCycle: number): Promise<AdvanceResult>;
  /** Board reset: tiles stop, pending events are discarded, the boot ROM boots again. */
  reset(): Promise<void>;
  close(): Promise<void>;
}
