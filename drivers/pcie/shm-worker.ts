// The emulator worker of the shared-memory PCIe backend: owns the board and serves the
// mailbox (shm-protocol.ts) until told to stop. Blocking Atomics.wait is fine here: this
// thread does nothing else.
import { workerData } from 'node:worker_threads';
import { findBoard } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { createFlashPeripheral } from '../../boards/emulator/flash/index.ts';
import { PcieEndpoint } from '../../boards/emulator/serial-firmware/pcie-endpoint.ts';
import { FreeRunningBoard } from '../pacing/free-running-board.ts';
import { Ctl, DATA_BYTES, DATA_OFFSET, Op, Result, State, type ShmWorkerData } from './shm-protocol.ts';

const data = workerData as ShmWorkerData;
const def = findBoard(data.boardId);
if (def === undefined) throw new Error(`shm worker: unknown board ${data.boardId}`);
const model = createEmulatedBoard(def, { mode: data.mode, flash: createFlashPeripheral(def) });
// free-running: the pacing (not the model) follows this thread's monotonic clock
const endpoint = new PcieEndpoint(
  data.speed === undefined ? model : new FreeRunningBoard(model, { speed: data.speed }),
);
const ctl = new Int32Array(data.sab, 0, DATA_OFFSET / 4);
const bytes = new Uint8Array(data.sab, DATA_OFFSET, DATA_BYTES);

function serve(op: number, addr: number, arg: number): number {
  switch (op) {
    case Op.MMIO_READ:
      ctl[Ctl.ARG] = endpoint.mmioRead(addr);
      return 0;
    case Op.MMIO_WRITE:
      endpoint.mmioWrite(addr, arg >>> 0);
      ctl[Ctl.IRQ] = endpoint.irqCount;
      return 0;
    case Op.MMIO_WRITE_MANY: {
      const view = new DataView(bytes.buffer, bytes.byteOffset, arg * 8);
      const writes = Array.from({ length: arg }, (_, i) => ({
        address: view.getUint32(i * 8, true),
        value: view.getUint32(i * 8 + 4, true),
      }));
      endpoint.mmioWriteMany(writes);
      return 0;
    }
    case Op.DMA_READ: {
      const out = endpoint.dmaRead(addr, arg);
      bytes.set(out);
      return out.length;
    }
    case Op.DMA_WRITE:
      endpoint.dmaWrite(addr, bytes.slice(0, arg));
      return 0;
    default:
      throw new Error(`unknown mailbox op ${op}`);
  }
}

for (;;) {
  // Sleep until the host posts a request. Waiting on whatever STATE holds now (IDLE, or
  // DONE until the host takes the reply) instead of on IDLE alone keeps this thread from
  // spinning while the host has not yet acknowledged the last reply.
  const state = Atomics.load(ctl, Ctl.STATE);
  if (state !== State.REQUEST) {
    Atomics.wait(ctl, Ctl.STATE, state);
    continue;
  }
  const op = ctl[Ctl.OP]!;
  if (op === Op.STOP) break;
  try {
    ctl[Ctl.RESULT_LEN] = serve(op, ctl[Ctl.ADDR]! >>> 0, ctl[Ctl.ARG]!);
    ctl[Ctl.RESULT] = Result.OK;
  } catch (err) {
    const msg = new TextEncoder().encode(err instanceof Error ? err.message : String(err)).subarray(0, 4096);
    bytes.set(msg);
    ctl[Ctl.RESULT_LEN] = msg.length;
    ctl[Ctl.RESULT] = err instanceof RangeError ? Result.RANGE : Result.FAILED;
  }
  Atomics.store(ctl, Ctl.STATE, State.DONE);
  Atomics.notify(ctl, Ctl.STATE);
}
Atomics.store(ctl, Ctl.STATE, State.DONE);
Atomics.notify(ctl, Ctl.STATE);
