// The in-process transport: the Device contract over an EmulatedBoard object in the same
// thread. Fastest path and the reference behaviour for every other transport: names are
// resolved to addresses by drivers/link/register-address.ts, bad names and tile indices are
// ConfigErrors, memory outside the board's windows is a DeviceFault, and after close()
// every call rejects with DisconnectedError.
import type { EmulatedBoard } from '../boards/emulator/api.ts';
import { DeviceFault, DisconnectedError } from '../boards/errors.ts';
import type { AdvanceResult } from '../boards/events.ts';
import { GLOBAL_REGISTERS, isTileRegister, type RegisterName } from '../boards/registers.ts';
import type { BoardDefinition } from '../boards/types.ts';
import type { Device, HelloInfo, RegisterWrite } from './device.ts';
import { checkCycle, checkRegisterValue, resolveRegister } from './link/register-address.ts';

export const INPROCESS_PROTOCOL_VERSION = 1;

export class InProcessDevice implements Device {
  private closed = false;

  constructor(private readonly emulator: EmulatedBoard) {}

  get board(): BoardDefinition {
    return this.emulator.def;
  }

  /** The emulator behind this device (tests and the shared-memory worker use it). */
  get emulated(): EmulatedBoard {
    return this.emulator;
  }

  async hello(): Promise<HelloInfo> {
    this.open();
    return { ...this.emulator.info(), protocolVersion: INPROCESS_PROTOCOL_VERSION, transport: 'inprocess' };
  }

  async readRegister(name: RegisterName, tile?: number): Promise<number> {
    this.open();
    return this.emulator.readRegister(this.address(name, tile));
  }

  async writeRegister(name: RegisterName, value: number, tile?: number): Promise<void> {
    this.open();
    checkRegisterValue(name, value);
    this.emulator.writeRegister(this.address(name, tile), value);
  }

  async writeRegisters(writes: readonly RegisterWrite[]): Promise<void> {
    this.open();
    const resolved = writes.map((w) => {
      checkRegisterValue(w.name, w.value);
      return { address: this.address(w.name, w.tile), value: w.value };
    });
    for (const w of resolved) this.emulator.writeRegister(w.address, w.value);
  }

  async readMemory(address: number, length: number): Promise<Uint8Array> {
    this.open();
    return this.memory(() => this.emulator.readMemory(address, length), address);
  }

  async writeMemory(address: number, data: Uint8Array): Promise<void> {
    this.open();
    this.memory(() => this.emulator.writeMemory(address, data), address);
  }

  async advance(untilCycle: number): Promise<AdvanceResult> {
    this.open();
    checkCycle(untilCycle);
    return this.emulator.advance(untilCycle);
  }

  async reset(): Promise<void> {
    this.open();
    this.emulator.reset();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): void {
    if (this.closed)
      throw new DisconnectedError('in-process device is closed: open a new one with openDevice()');
  }

  private address(name: RegisterName, tile: number | undefined): number {
    const tiles = isTileRegister(name) ? this.emulator.readRegister(GLOBAL_REGISTERS.TILE_COUNT) : 0;
    return resolveRegister(name, tile, tiles);
  }

  private memory<T>(op: () => T, address: number): T {
    try {
      return op();
    } catch (err) {
      if (err instanceof RangeError) throw new DeviceFault(err.message, { address }, { cause: err });
      throw err;
    }
  }
}
