// Register-level client for the flash controller over any Device: one method per command,
// each resolving when the board has finished it, and throwing FlashError with the
// controller's status when it refused. Transfers go through the flash staging window
// (device.writeMemory, pipelined by the transport), commands through FLASH_* registers.
import type { Device } from '../../drivers/device.ts';
import { FlashError, ProtocolError } from '../../boards/errors.ts';
import {
  BOOT_ACTION,
  CMD,
  FLASH_PROTOCOL_VERSION,
  INFO_FIELDS,
  INFO_MAGIC,
  FLASH_STATUS,
  FLASH_STATUS_MEANING,
  flashStatusName,
  type FlashInfo,
  type SlotIndex,
} from './protocol.ts';

/** Staging writes are split into chunks this size, for progress reports. */
const STAGE_CHUNK_BYTES = 16 * 1024;

export class FlashClient {
  private nonce = 0x1234_5678;

  constructor(readonly device: Device) {}

  get stagingBase(): number {
    return this.device.board.flashStaging.base;
  }

  /** Runs one command; resolves with FLASH_RESULT, throws FlashError on a non-zero FLASH_STATUS. */
  async command(
    cmd: number,
    regs: { addr?: number; len?: number; arg?: number },
    what: string,
  ): Promise<number> {
    if (regs.addr !== undefined) await this.device.writeRegister('FLASH_ADDR', regs.addr >>> 0);
    if (regs.len !== undefined) await this.device.writeRegister('FLASH_LEN', regs.len >>> 0);
    if (regs.arg !== undefined) await this.device.writeRegister('FLASH_ARG', regs.arg >>> 0);
    await this.device.writeRegister('FLASH_CMD', cmd);
    const status = await this.device.readRegister('FLASH_STATUS');
    const result = await this.device.readRegister('FLASH_RESULT');
    if (status !== FLASH_STATUS.OK) {
      const name = flashStatusName(status);
      throw new FlashError(
        `${what} refused by the board: ${name === undefined ? `status ${status}` : `${name} — ${FLASH_STATUS_MEANING[name]}`}`,
        { status, result },
      );
    }
    return result >>> 0;
  }

  /** Checks the controller answers and speaks our protocol; returns its info block. */
  async sync(): Promise<FlashInfo> {
    this.nonce = (this.nonce * 1103515245 + 12345) >>> 0;
    const echo = await this.command(CMD.SYNC, { arg: this.nonce }, 'sync');
    if (echo !== ~this.nonce >>> 0)
      throw new ProtocolError(
        `flash controller sync failed (sent 0x${this.nonce.toString(16)}, got 0x${echo.toString(16)}): the board has no flash controller or the link corrupts data`,
      );
    return this.info();
  }

  async info(): Promise<FlashInfo> {
    const n = await this.command(CMD.INFO, {}, 'flash info');
    if (n < 4 * INFO_FIELDS.length)
      throw new ProtocolError(`flash info block is ${n} bytes, expected ${4 * INFO_FIELDS.length}`);
    const raw = await this.device.readMemory(this.stagingBase, 4 * INFO_FIELDS.length);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const info = Object.fromEntries(INFO_FIELDS.map((f, i) => [f, dv.getUint32(4 * i, true)])) as FlashInfo;
    if (info.magic !== INFO_MAGIC)
      throw new ProtocolError('flash info block has a bad magic: not a cotenant flash controller');
    if (info.protocolVersion !== FLASH_PROTOCOL_VERSION)
      throw new FlashError(
        `board speaks flash protocol ${info.protocolVersion}; this tool speaks ${FLASH_PROTOCOL_VERSION}. Update cotenant.`,
      );
    return info;
  }

  async erase(addr: number, len: number): Promise<void> {
    await this.command(CMD.ERASE, { addr, len }, `erase of 0x${addr.toString(16)}+${len}`);
  }

  /**
   * Stages `encoded` and programs `len` decoded bytes at `addr`. The staging write is issued
   * as concurrent chunks (distinct addresses, so their order does not matter): the transport
   * keeps its pipeline full, and `onStaged` reports progress as chunks land.
   */
  async program(
    addr: number,
    len: number,
    encoded: Uint8Array,
    encoding: number,
    onStaged?: (bytes: number) => void,
  ): Promise<void> {
    let staged = 0;
    const chunks: Promise<void>[] = [];
    for (let off = 0; off < encoded.length; off += STAGE_CHUNK_BYTES) {
      const part = encoded.subarray(off, off + STAGE_CHUNK_BYTES);
      chunks.push(
        this.device.writeMemory(this.stagingBase + off, part).then(() => {
          staged += part.length;
          onStaged?.(staged);
        }),
      );
    }
    await Promise.all(chunks);
    await this.command(
      CMD.PROGRAM,
      { addr, len, arg: ((encoding << 24) | encoded.length) >>> 0 },
      `write of 0x${addr.toString(16)}+${len}`,
    );
  }

  async hash(addr: number, len: number): Promise<Uint8Array> {
    await this.command(CMD.HASH, { addr, len }, `hash of 0x${addr.toString(16)}+${len}`);
    return this.device.readMemory(this.stagingBase, 32);
  }

  /** The boot ROM's verdict on a slot (0 = bootable; else a boot code, see image/format.ts). */
  async verifySlot(slot: SlotIndex): Promise<number> {
    return this.command(CMD.VERIFY_SLOT, { arg: slot }, `verify of slot ${slot}`);
  }

  async selectTest(slot: SlotIndex): Promise<void> {
    await this.command(CMD.SET_BOOT, { arg: BOOT_ACTION.TEST | (slot << 8) }, 'select test boot');
  }

  async confirm(): Promise<void> {
    await this.command(CMD.SET_BOOT, { arg: BOOT_ACTION.CONFIRM }, 'confirm');
  }

  /** Returns the slot that will boot next. */
  async rollback(): Promise<SlotIndex> {
    return (await this.command(CMD.SET_BOOT, { arg: BOOT_ACTION.ROLLBACK }, 'rollback')) as SlotIndex;
  }
}
