// A minimal Device over the emulated flash peripheral alone (no tiles): the registers the
// flasher and hello need, and the staging window. Lets the firmware tests run the real
// flasher against the real peripheral and boot ROM without the rest of the emulator.
import type { Device, HelloInfo } from '../../../drivers/device.ts';
import type { BoardDefinition } from '../../../boards/types.ts';
import type { AdvanceResult } from '../../../boards/events.ts';
import type { BootResult } from '../../../boards/emulator/api.ts';
import { DisconnectedError } from '../../../boards/errors.ts';
import {
  GLOBAL_REGISTERS as G,
  encodeBoardId,
  encodeFwVersion,
  registerAddress,
  type RegisterName,
} from '../../../boards/registers.ts';
import type { EmulatedFlash } from '../../../boards/emulator/flash/index.ts';

export class FlashOnlyDevice implements Device {
  readonly staging: Uint8Array;
  private booted: BootResult;
  private closed = false;
  /** Counts of calls, for assertions about what the flasher sent. */
  readonly calls = { writeMemoryBytes: 0, reset: 0 };

  constructor(
    readonly board: BoardDefinition,
    readonly flash: EmulatedFlash,
  ) {
    this.staging = new Uint8Array(board.flashStaging.bytes);
    this.booted = flash.boot();
  }

  /** The boot ROM's current view (a confirm turns a trial into a confirmed boot). */
  private get boot(): BootResult {
    return this.flash.lastBoot?.result ?? this.booted;
  }

  async hello(): Promise<HelloInfo> {
    this.live();
    const trustedKeyIds = this.flash.trustedKeyIds();
    const m = this.boot.manifest;
    return {
      boardId: this.board.boardIdCode,
      firmwareVersion:
        m === undefined
          ? 'none'
          : `${m.version.major}.${m.version.minor}.${m.version.patch}+${m.version.build}`,
      tiles: m === undefined ? 0 : Math.min(m.tiles, this.board.tiles),
      capabilities: {
        throttle: m?.throttle ?? false,
        functional: m?.functional ?? false,
        flash: true,
        lockstep: true,
      },
      bootSlot: this.boot.slot,
      trial: this.boot.trial,
      trustedKeyIds,
      protocolVersion: 1,
      transport: 'flash-only-test',
    };
  }

  async readRegister(name: RegisterName, tile?: number): Promise<number> {
    this.live();
    const a = registerAddress(name, tile);
    const m = this.boot.manifest;
    switch (a) {
      case G.BOARD_ID:
        return encodeBoardId(this.board.boardIdCode);
      case G.FW_VERSION:
        return m === undefined ? 0 : encodeFwVersion(m.version);
      case G.TILE_COUNT:
        return m === undefined ? 0 : Math.min(m.tiles, this.board.tiles);
      case G.BOOT_STATUS:
        return this.boot.status;
      case G.BOOT_SLOT:
        return (this.boot.slot === 'B' ? 1 : 0) | (this.boot.trial ? 0x100 : 0);
      default:
        return a >= 0x100 && a <= 0x1ff ? this.flash.readRegister(a) : 0;
    }
  }

  async writeRegister(name: RegisterName, value: number, tile?: number): Promise<void> {
    this.live();
    const a = registerAddress(name, tile);
    if (a >= 0x100 && a <= 0x1ff) this.flash.writeRegister(a, value, this.staging);
  }

  async readMemory(address: number, length: number): Promise<Uint8Array> {
    this.live();
    const off = this.stagingOffset(address, length);
    return this.staging.slice(off, off + length);
  }

  async writeMemory(address: number, data: Uint8Array): Promise<void> {
    this.live();
    this.staging.set(data, this.stagingOffset(address, data.length));
    this.calls.writeMemoryBytes += data.length;
  }

  async advance(untilCycle: number): Promise<AdvanceResult> {
    this.live();
    return { cycle: untilCycle, events: [] };
  }

  async reset(): Promise<void> {
    this.live();
    this.calls.reset++;
    this.booted = this.flash.boot();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private live(): void {
    if (this.closed) throw new DisconnectedError('device closed');
  }

  private stagingOffset(address: number, length: number): number {
    const s = this.board.flashStaging;
    if (address < s.base || address + length > s.base + s.bytes)
      throw new RangeError(`0x${address.toString(16)}+${length} is outside the staging window`);
    return address - s.base;
  }
}
