// Contracts between the emulator's parts and its users, types only.
//
// EmulatedBoard is the whole board as one synchronous object: what the in-process and
// shared-memory transports call directly, and what the serial firmware command loop
// (boards/emulator/serial-firmware/) serves over a byte stream. Addresses are raw byte
// addresses (registers: boards/registers.ts registerAddress(); memory: the DRAM window
// and the flash staging window of the board definition).
import type { BoardDefinition } from '../types.ts';
import type { AdvanceResult, BoardInfo } from '../events.ts';

export type ExecutionMode = 'timing' | 'functional';

export interface EmulatedBoard {
  readonly def: BoardDefinition;
  /** Board cycle counter. */
  readonly cycle: number;
  info(): BoardInfo;
  /** Unknown register addresses read as 0 and ignore writes, as on the hardware bus;
   *  an address not 4-byte aligned throws RangeError. */
  readRegister(address: number): number;
  writeRegister(address: number, value: number): void;
  /** Several writes in order at one board time (a board whose time moves between calls
   *  implements it; otherwise the firmware calls writeRegister for each). */
  writeRegisters?(writes: readonly { readonly address: number; readonly value: number }[]): void;
  /** Host bulk access to DRAM or the flash staging window; a range outside both throws
   *  RangeError naming the valid windows. */
  readMemory(address: number, length: number): Uint8Array;
  writeMemory(address: number, data: Uint8Array): void;
  /** See Device.advance in drivers/device.ts. */
  advance(untilCycle: number): AdvanceResult;
  /** Power-on reset: tiles, queues, registers and pending events cleared; DRAM kept;
   *  the flash peripheral boots again. */
  reset(): void;
}

/** Firmware version and capabilities an image's manifest declares; what it changes in hello. */
export interface FirmwareManifest {
  readonly version: {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    readonly build: number;
  };
  /** Tiles the firmware enables (≤ the board's tiles). */
  readonly tiles: number;
  readonly throttle: boolean;
  readonly functional: boolean;
}

export interface BootResult {
  /** 0 = booted; otherwise the boot ROM's error code (docs/image-format.md). */
  readonly status: number;
  readonly slot: 'A' | 'B';
  readonly trial: boolean;
  /** The booted manifest, or undefined when nothing bootable was found (the board then
   *  stays in its bootloader: flash commands work, tiles are disabled). */
  readonly manifest: FirmwareManifest | undefined;
}

/**
 * The flash controller + boot ROM as a peripheral on the board's global register block
 * (offsets FLASH_* in boards/registers.ts) with access to the flash staging window.
 * Implemented in boards/emulator/flash/. A board built without one boots the built-in
 * DEFAULT_MANIFEST.
 */
export interface FlashPeripheral {
  /** Runs the boot ROM: verify slots, pick one, honour test/confirm state. */
  boot(): BootResult;
  /** Whether the running image is still on trial: a CONFIRM ends the trial without a
   *  reboot, so the board asks here (for BOOT_SLOT and hello) rather than keeping the
   *  boot() result. Absent: the trial state only changes at boot. */
  trialNow?(): boolean;
  /** `offset` is the register's byte address in the global block (0x100–0x1ff). */
  readRegister(offset: number): number;
  /** Writing FLASH_CMD executes a command; `staging` is the flash staging window. */
  writeRegister(offset: number, value: number, staging: Uint8Array): void;
  /** Board cycles the last command took (erase/program time), so flashing has a cost in board time. */
  readonly busyCycles: number;
  /** Ids of the keys the boot ROM trusts (hex), reported in hello. */
  trustedKeyIds(): readonly string[];
}

export const DEFAULT_MANIFEST: FirmwareManifest = {
  version: { major: 1, minor: 0, patch: 0, build: 0 },
  tiles: Number.POSITIVE_INFINITY,
  throttle: true,
  functional: true,
};
