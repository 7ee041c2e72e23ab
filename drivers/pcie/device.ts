// The Device contract over a PCIe function (XDMA character devices or the shared-memory
// emulator): registers are BAR accesses at their register-map offsets, bulk memory is DMA,
// and advance/reset/info are LINK block commands that complete with an interrupt; their
// results (event records, info) are DMA-read from the mailbox window. Operations are
// serialised: the LINK block holds one command's state at a time.
import { findBoard, BOARDS } from '../../boards/definitions.ts';
import { ConfigError, DeviceFault, DisconnectedError, ProtocolError } from '../../boards/errors.ts';
import type { AdvanceResult, BoardInfo } from '../../boards/events.ts';
import type { RegisterName } from '../../boards/registers.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { decodeEvents, decodeInfo } from '../../boards/wire/messages.ts';
import { LINK_BLOCK_BASE, LINK_MAGIC, LinkCmd, LinkReg, MAILBOX_BASE } from '../../boards/wire/pcie.ts';
import { Status } from '../../boards/wire/protocol.ts';
import type { Device, HelloInfo, RegisterWrite } from '../device.ts';
import {
  checkCycle,
  checkMemoryArgs,
  checkRegisterValue,
  resolveRegister,
} from '../link/register-address.ts';
import type { PcieFunction } from './function.ts';

const TWO32 = 0x1_0000_0000;
/** Most writes in one burst (8 bytes each in the shm data area, far below its 1 MiB). */
const MAX_BURST = 4096;
const utf8 = new TextDecoder();

export interface PcieDeviceOptions {
  readonly board?: BoardDefinition;
  /** Longest wait for a LINK command's completion interrupt (default 120 s: advance may run long). */
  readonly commandTimeoutMs?: number;
}

export class PcieDevice implements Device {
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly fn: PcieFunction,
    readonly board: BoardDefinition,
    private info: BoardInfo,
    private readonly version: number,
    private readonly timeoutMs: number,
  ) {}

  static async connect(fn: PcieFunction, opts: PcieDeviceOptions = {}): Promise<PcieDevice> {
    try {
      const magic = await fn.mmioRead(LINK_BLOCK_BASE + LinkReg.MAGIC);
      if (magic !== LINK_MAGIC)
        throw new ProtocolError(
          `${fn.name}: LINK block magic is 0x${magic.toString(16)}, expected 0x${LINK_MAGIC.toString(16)} ('CTPL'): is the cotenant bitstream loaded?`,
        );
      const version = await fn.mmioRead(LINK_BLOCK_BASE + LinkReg.VERSION);
      const timeoutMs = opts.commandTimeoutMs ?? 120_000;
      const info = decodeInfo(await linkCommand(fn, LinkCmd.INFO, timeoutMs));
      const board =
        opts.board ??
        findBoard(info.boardId) ??
        Object.values(BOARDS).find((b) => b.boardIdCode === info.boardId);
      if (board === undefined)
        throw new ConfigError(
          `${fn.name}: the board reports id "${info.boardId}", which is not in the catalogue; pass the board definition explicitly`,
        );
      return new PcieDevice(fn, board, info, version, timeoutMs);
    } catch (err) {
      await fn.close().catch(() => undefined);
      throw err;
    }
  }

  hello(): Promise<HelloInfo> {
    return this.serial(async () => {
      this.info = decodeInfo(await linkCommand(this.fn, LinkCmd.INFO, this.timeoutMs));
      return { ...this.info, protocolVersion: this.version, transport: this.fn.transport };
    });
  }

  readRegister(name: RegisterName, tile?: number): Promise<number> {
    return this.serial(() => this.fn.mmioRead(resolveRegister(name, tile, this.info.tiles)));
  }

  /** Several writes as one burst of posted BAR writes (one mailbox request on shm). */
  writeRegisters(writes: readonly RegisterWrite[]): Promise<void> {
    return this.serial(async () => {
      const resolved = writes.map((w) => {
        checkRegisterValue(w.name, w.value);
        return { offset: resolveRegister(w.name, w.tile, this.info.tiles), value: w.value };
      });
      if (this.fn.mmioWriteMany !== undefined && resolved.length <= MAX_BURST)
        return this.fn.mmioWriteMany(resolved);
      for (const w of resolved) await this.fn.mmioWrite(w.offset, w.value);
    });
  }

  writeRegister(name: RegisterName, value: number, tile?: number): Promise<void> {
    return this.serial(() => {
      const address = resolveRegister(name, tile, this.info.tiles);
      checkRegisterValue(name, value);
      return this.fn.mmioWrite(address, value);
    });
  }

  readMemory(address: number, length: number): Promise<Uint8Array> {
    return this.serial(async () => {
      checkMemoryArgs(address, length);
      const out = new Uint8Array(length);
      for (let off = 0; off < length; off += this.fn.maxDmaBytes) {
        out.set(await this.fn.dmaRead(address + off, Math.min(this.fn.maxDmaBytes, length - off)), off);
      }
      return out;
    });
  }

  writeMemory(address: number, data: Uint8Array): Promise<void> {
    return this.serial(async () => {
      checkMemoryArgs(address, data.length);
      for (let off = 0; off < data.length; off += this.fn.maxDmaBytes)
        await this.fn.dmaWrite(address + off, data.subarray(off, off + this.fn.maxDmaBytes));
    });
  }

  advance(untilCycle: number): Promise<AdvanceResult> {
    return this.serial(async () => {
      checkCycle(untilCycle);
      const until = Math.floor(untilCycle);
      await this.fn.mmioWrite(LINK_BLOCK_BASE + LinkReg.ADV_UNTIL_LO, until % TWO32);
      await this.fn.mmioWrite(LINK_BLOCK_BASE + LinkReg.ADV_UNTIL_HI, Math.floor(until / TWO32));
      const records = await linkCommand(this.fn, LinkCmd.ADVANCE, this.timeoutMs);
      const lo = await this.fn.mmioRead(LINK_BLOCK_BASE + LinkReg.CYCLE_LO);
      const hi = await this.fn.mmioRead(LINK_BLOCK_BASE + LinkReg.CYCLE_HI);
      const count = await this.fn.mmioRead(LINK_BLOCK_BASE + LinkReg.EVENTS);
      const events = decodeEvents(records, `${this.fn.name} event records`);
      if (events.length !== count)
        throw new ProtocolError(`${this.fn.name}: LINK says ${count} events, mailbox holds ${events.length}`);
      return { cycle: hi * TWO32 + lo, events };
    });
  }

  reset(): Promise<void> {
    return this.serial(async () => {
      await linkCommand(this.fn, LinkCmd.RESET, this.timeoutMs);
      this.info = decodeInfo(await linkCommand(this.fn, LinkCmd.INFO, this.timeoutMs));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain.catch(() => undefined);
    await this.fn.close();
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed)
      return Promise.reject(new DisconnectedError(`${this.fn.name} is closed; open the device again`));
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** Issues a LINK command, waits for its interrupt, returns its mailbox result. */
async function linkCommand(fn: PcieFunction, cmd: number, timeoutMs: number): Promise<Uint8Array> {
  await fn.mmioWrite(LINK_BLOCK_BASE + LinkReg.CMD, cmd);
  await fn.waitInterrupt(timeoutMs);
  const status = await fn.mmioRead(LINK_BLOCK_BASE + LinkReg.STATUS);
  const bytes = await fn.mmioRead(LINK_BLOCK_BASE + LinkReg.RESULT_BYTES);
  const result = bytes === 0 ? new Uint8Array(0) : await fn.dmaRead(MAILBOX_BASE, bytes);
  if (status !== 0) {
    const msg = utf8.decode(result);
    throw status === Status.RANGE || status === Status.INTERNAL
      ? new DeviceFault(msg)
      : new ProtocolError(`${fn.name}: LINK command ${cmd} failed with status ${status}: ${msg}`);
  }
  return result;
}
