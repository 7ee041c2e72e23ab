// The shared-memory mailbox between the host and the emulator worker: a control block of
// Int32 words and a data area, in one SharedArrayBuffer. The host writes a request and
// sets STATE = REQUEST (Atomics.notify); the worker executes it, sets STATE = DONE and
// notifies; the host reads the reply and sets STATE = IDLE. One request at a time.

export const CTL_WORDS = 16;
export const DATA_OFFSET = CTL_WORDS * 4;
export const DATA_BYTES = 1 << 20;

export const Ctl = { STATE: 0, OP: 1, ADDR: 2, ARG: 3, RESULT: 4, RESULT_LEN: 5, IRQ: 6 } as const;
export const State = { IDLE: 0, REQUEST: 1, DONE: 2 } as const;
/** MMIO_WRITE_MANY: ARG (address, value) pairs of u32 little-endian in the data area. */
export const Op = {
  MMIO_READ: 1,
  MMIO_WRITE: 2,
  DMA_READ: 3,
  DMA_WRITE: 4,
  STOP: 5,
  MMIO_WRITE_MANY: 6,
} as const;
/** RESULT codes: 0 ok, RANGE = the card refused the address, FAILED = anything else. */
export const Result = { OK: 0, RANGE: 1, FAILED: 2 } as const;

export interface ShmWorkerData {
  readonly sab: SharedArrayBuffer;
  readonly boardId: string;
  readonly mode: 'timing' | 'functional';
  /** Serve the board free-running at this speed (FreeRunningBoard); absent = lockstep. */
  readonly speed?: number;
}
