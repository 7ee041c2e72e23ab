// The board side of the PCIe function: BAR register accesses and DMA mapped onto an
// EmulatedBoard, with the LINK block (boards/wire/pcie.ts) for advance/reset/info. What
// the shared-memory worker runs, and what tests put behind the XDMA backend's file I/O.
// Commands complete synchronously (lockstep) and then raise the completion interrupt.
import type { EmulatedBoard } from '../api.ts';
import { encodeAdvanceRequest, encodeError, encodeEvents, encodeInfo } from '../../wire/messages.ts';
import {
  LINK_BLOCK_BASE,
  LINK_MAGIC,
  LinkCmd,
  LinkReg,
  MAILBOX_BASE,
  MAILBOX_BYTES,
} from '../../wire/pcie.ts';
import { MsgType, PROTOCOL_VERSION, Status } from '../../wire/protocol.ts';
import { executeRequest } from './executor.ts';

const TWO32 = 0x1_0000_0000;

export class PcieEndpoint {
  private untilLo = 0;
  private untilHi = 0;
  private status = 0;
  private cycle = 0;
  private events = 0;
  private result: Uint8Array = new Uint8Array(0);
  /** Completion interrupts raised so far. */
  irqCount = 0;

  constructor(readonly board: EmulatedBoard) {}

  /** 32-bit read at a BAR offset; throws RangeError for a misaligned offset. */
  mmioRead(offset: number): number {
    if (offset < LINK_BLOCK_BASE) return this.board.readRegister(offset);
    switch (offset - LINK_BLOCK_BASE) {
      case LinkReg.MAGIC:
        return LINK_MAGIC;
      case LinkReg.VERSION:
        return PROTOCOL_VERSION;
      case LinkReg.ADV_UNTIL_LO:
        return this.untilLo;
      case LinkReg.ADV_UNTIL_HI:
        return this.untilHi;
      case LinkReg.STATUS:
        return this.status;
      case LinkReg.RESULT_BYTES:
        return this.result.length;
      case LinkReg.CYCLE_LO:
        return this.cycle % TWO32;
      case LinkReg.CYCLE_HI:
        return Math.floor(this.cycle / TWO32);
      case LinkReg.EVENTS:
        return this.events;
      case LinkReg.IRQ_COUNT:
        return this.irqCount >>> 0;
      default:
        return 0;
    }
  }

  /** Register writes (never the LINK block) at one board time, as one burst of posted
   *  writes: a free-running board takes them in one catch-up. */
  mmioWriteMany(writes: readonly { readonly address: number; readonly value: number }[]): void {
    for (const w of writes)
      if (w.address >= LINK_BLOCK_BASE)
        throw new RangeError(
          `a write burst covers registers only, not the LINK block (0x${w.address.toString(16)})`,
        );
    if (this.board.writeRegisters) this.board.writeRegisters(writes);
    else for (const w of writes) this.board.writeRegister(w.address, w.value >>> 0);
  }

  mmioWrite(offset: number, value: number): void {
    if (offset < LINK_BLOCK_BASE) return this.board.writeRegister(offset, value >>> 0);
    switch (offset - LINK_BLOCK_BASE) {
      case LinkReg.ADV_UNTIL_LO:
        this.untilLo = value >>> 0;
        return;
      case LinkReg.ADV_UNTIL_HI:
        this.untilHi = value >>> 0;
        return;
      case LinkReg.CMD:
        return this.command(value);
      default:
        return;
    }
  }

  /** DMA card → host; the mailbox window holds the last command's result. */
  dmaRead(address: number, length: number): Uint8Array {
    if (address >= MAILBOX_BASE && address + length <= MAILBOX_BASE + MAILBOX_BYTES) {
      const out = new Uint8Array(length);
      out.set(this.result.subarray(address - MAILBOX_BASE, address - MAILBOX_BASE + length));
      return out;
    }
    return this.board.readMemory(address, length);
  }

  dmaWrite(address: number, data: Uint8Array): void {
    this.board.writeMemory(address, data);
  }

  private command(cmd: number): void {
    this.status = 0;
    this.events = 0;
    this.result = new Uint8Array(0);
    if (cmd === LinkCmd.ADVANCE) {
      const r = executeRequest(
        this.board,
        MsgType.ADVANCE,
        encodeAdvanceRequest(this.untilHi * TWO32 + this.untilLo),
        MAILBOX_BYTES,
      );
      if (r.ok && r.advance) {
        this.cycle = r.advance.cycle;
        this.events = r.advance.events.length;
        this.result = encodeEvents(r.advance.events);
      } else if (!r.ok) this.fail(r.status, r.message);
    } else if (cmd === LinkCmd.RESET) {
      this.board.reset();
    } else if (cmd === LinkCmd.INFO) {
      this.result = encodeInfo(this.board.info());
    } else {
      this.fail(Status.UNSUPPORTED, `LINK command ${cmd} is not supported`);
    }
    this.irqCount++;
  }

  private fail(status: number, message: string): void {
    this.status = status;
    this.result = encodeError(status, message).subarray(4);
  }
}
