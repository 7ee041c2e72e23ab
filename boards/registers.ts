// The register map: a global block and one block per tile, 32-bit registers at byte
// offsets. Names follow docs/registers.md. 64-bit counters are split into _LO/_HI halves;
// reading _LO latches _HI so a host sees a consistent pair.

export const TILE_BLOCK_BASE = 0x1000;
export const TILE_BLOCK_STRIDE = 0x100;

export const GLOBAL_REGISTERS = {
  BOARD_ID: 0x000, //        ro  four ASCII chars, little-endian
  FW_VERSION: 0x004, //      ro  major<<16 | minor<<8 | patch of the booted firmware
  CAPS: 0x008, //            ro  capability bits, see CAPS_* below
  TILE_COUNT: 0x00c, //      ro  tiles enabled by the booted firmware
  CYCLE_LO: 0x010, //        ro  board cycle counter (reading LO latches HI)
  CYCLE_HI: 0x014, //        ro
  SCRATCH: 0x018, //         rw  no effect; for link tests
  MODE: 0x01c, //            rw  0 = timing, 1 = functional (arithmetic performed)
  DRAM_RD_LO: 0x020, //      ro  bytes read from DRAM by all tiles
  DRAM_RD_HI: 0x024, //      ro
  DRAM_WR_LO: 0x028, //      ro  bytes written to DRAM by all tiles
  DRAM_WR_HI: 0x02c, //      ro
  BOOT_STATUS: 0x030, //     ro  boot ROM result code (0 = booted), see boot ROM docs
  BOOT_SLOT: 0x034, //       ro  0 = A, 1 = B; bit 8 set while the slot is on trial (test boot)
  FLASH_CMD: 0x100, //       wo  flash controller command (firmware-host/flash protocol)
  FLASH_ADDR: 0x104, //      rw  flash byte offset
  FLASH_LEN: 0x108, //       rw  byte count
  FLASH_ARG: 0x10c, //       rw  command argument
  FLASH_STATUS: 0x110, //    ro  0 = ok, else an error code
  FLASH_RESULT: 0x114, //    ro  command result (e.g. bytes programmed)
} as const;

export const TILE_REGISTERS = {
  CMD_ADDR: 0x00, //         rw  DRAM address of the tile program
  CMD_LEN: 0x04, //          rw  program length in bytes (multiple of 16)
  DOORBELL: 0x08, //         wo  write 1: start executing the program at CMD_ADDR
  STATUS: 0x0c, //           ro  STATUS_* bits below
  THROTTLE: 0x10, //         rw  [31:16] window (cycles), [15:0] target_load (16-byte beats); write resets the engine, 0 disables
  REGION_BASE: 0x14, //      rw  first DRAM byte this tile may touch
  REGION_LIMIT: 0x18, //     rw  one past the last DRAM byte this tile may touch
  FAULT_ADDR: 0x1c, //       ro  address of the last faulting access
  PERF_BUSY_LO: 0x20, //     ro  cycles the tile was executing a program
  PERF_BUSY_HI: 0x24,
  PERF_STALL_LO: 0x28, //    ro  cycles the read DMA was blocked by the throttle engine
  PERF_STALL_HI: 0x2c,
  PERF_RD_BEATS_LO: 0x30, // ro  16-byte beats read by the DMA
  PERF_RD_BEATS_HI: 0x34,
  PERF_WR_BEATS_LO: 0x38, // ro  16-byte beats written by the DMA
  PERF_WR_BEATS_HI: 0x3c,
  PERF_MACS_LO: 0x40, //     ro  multiply-accumulates issued to the array
  PERF_MACS_HI: 0x44,
  GRANULES: 0x48, //         ro  granule-end markers retired since reset
  LAST_TAG: 0x4c, //         ro  tag of the last granule-end marker
  // cotenant devkit extensions (CAPS_TRAFFIC_GEN, CAPS_THROTTLE_CREDIT; docs/registers.md):
  TRAFFIC_GEN: 0x50, //      rw  DRAM traffic generator on the tile's port: [15:0] bytes/cycle in 8.8 fixed point, 0xffff = saturate, 0 = off
  THROTTLE_CREDIT: 0x54, //  rw  most credit (beats) the throttle engine may bank; 0xffffffff (reset) = unlimited as MoCA's engine
  THROTTLE_CTRL: 0x58, //    rw  bit 0 THROTTLE_COUNT_STORES: the engine also counts (and holds in bubbles) DMA stores
  // Staged next program (CAPS_STAGED; docs/registers.md): the tile starts it by itself when it would go idle.
  NEXT_ADDR: 0x5c, //        rw  program address of the entry to stage
  NEXT_LEN: 0x60, //         rw  its length in bytes
  NEXT_REGION_BASE: 0x64, // rw  REGION_BASE applied at its start (with NEXT_SET_REGION)
  NEXT_REGION_LIMIT: 0x68, //rw  REGION_LIMIT applied at its start (with NEXT_SET_REGION)
  NEXT_THROTTLE: 0x6c, //    rw  THROTTLE written at its start (with NEXT_SET_THROTTLE)
  NEXT_ID: 0x70, //          rw  host's id for the entry; reads the staged entry's id (0: none staged)
  NEXT_CTRL: 0x74, //        rw  write: NEXT_STAGE | NEXT_ONLY_IF_STAGED | NEXT_SET_*; 0 cancels. read: the staged entry's bits
  STARTED_ID: 0x78, //       ro  NEXT_ID of the last staged entry the tile started (0 after reset)
  NEXT_GROUP: 0x7c, //       rw  barrier group of the entry to stage: bit t = tile t must be idle too (0: this tile only)
} as const;

export type GlobalRegisterName = keyof typeof GLOBAL_REGISTERS;
export type TileRegisterName = keyof typeof TILE_REGISTERS;
export type RegisterName = GlobalRegisterName | TileRegisterName;

export const STATUS_BUSY = 1 << 0;
export const STATUS_FAULT = 1 << 1;
export const STATUS_THROTTLED = 1 << 2;

export const CAPS_THROTTLE = 1 << 0;
export const CAPS_FUNCTIONAL = 1 << 1;
export const CAPS_FLASH = 1 << 2;
export const CAPS_TRAFFIC_GEN = 1 << 3;
export const CAPS_THROTTLE_CREDIT = 1 << 4;
/** The tiles have the staged-next-program registers (NEXT_*, STARTED_ID). */
export const CAPS_STAGED = 1 << 5;

/** NEXT_CTRL bits. Write with NEXT_STAGE: stage (NEXT_ADDR, NEXT_LEN, …, NEXT_ID) as one
 *  entry, replacing any staged one; write without it: cancel. Reads back the staged entry's
 *  bits (0 when none is staged). */
export const NEXT_STAGE = 1 << 0;
/** With NEXT_STAGE: replace only an entry that is still staged; ignored when the tile has
 *  started it already (or nothing is staged), so a late replacement never runs twice. */
export const NEXT_ONLY_IF_STAGED = 1 << 1;
/** The entry writes NEXT_THROTTLE to THROTTLE when it starts (else THROTTLE is kept). */
export const NEXT_SET_THROTTLE = 1 << 2;
/** The entry sets REGION_BASE/LIMIT from NEXT_REGION_* when it starts (else kept). */
export const NEXT_SET_REGION = 1 << 3;

/** TRAFFIC_GEN value for a saturating generator (both tile ports at full rate). */
export const TRAFFIC_GEN_SATURATE = 0xffff;
/** TRAFFIC_GEN flag: the generator's requests go through the tile's throttle engine (it
 *  then behaves as the most demanding program that tile's throttle setting allows). */
export const TRAFFIC_GEN_THROTTLED = 1 << 16;
/** THROTTLE_CTRL bit 0: the engine counts stores as well as loads and holds both in a bubble. */
export const THROTTLE_COUNT_STORES = 1 << 0;

/** TRAFFIC_GEN value for a constant demand of `bytesPerCycle` (rounded up: a generator
 *  never asks for less than requested, so a measurement under it stays a worst case). */
export function encodeTrafficGen(bytesPerCycle: number): number {
  if (!(bytesPerCycle >= 0)) throw new RangeError(`traffic rate ${bytesPerCycle} is not a byte rate`);
  if (bytesPerCycle === Number.POSITIVE_INFINITY) return TRAFFIC_GEN_SATURATE;
  return Math.min(TRAFFIC_GEN_SATURATE - 1, Math.ceil(bytesPerCycle * 256));
}

/** THROTTLE_CREDIT reset value: the engine banks credit without limit (MoCA's behaviour). */
export const THROTTLE_CREDIT_UNLIMITED = 0xffffffff;

export function isTileRegister(name: string): name is TileRegisterName {
  return Object.prototype.hasOwnProperty.call(TILE_REGISTERS, name);
}

export function isGlobalRegister(name: string): name is GlobalRegisterName {
  return Object.prototype.hasOwnProperty.call(GLOBAL_REGISTERS, name);
}

/** Byte address of a register; tile registers need the tile index. */
export function registerAddress(name: RegisterName, tile?: number): number {
  if (isTileRegister(name)) {
    if (tile === undefined) throw new RangeError(`register ${name} is per tile: give a tile index`);
    return TILE_BLOCK_BASE + TILE_BLOCK_STRIDE * tile + TILE_REGISTERS[name];
  }
  return GLOBAL_REGISTERS[name];
}

/** Inverse of registerAddress, for transports that carry raw addresses. */
export function registerAt(address: number): { name: RegisterName; tile?: number } | undefined {
  if (address >= TILE_BLOCK_BASE) {
    const tile = Math.floor((address - TILE_BLOCK_BASE) / TILE_BLOCK_STRIDE);
    const offset = (address - TILE_BLOCK_BASE) % TILE_BLOCK_STRIDE;
    for (const [name, off] of Object.entries(TILE_REGISTERS))
      if (off === offset) return { name: name as TileRegisterName, tile };
    return undefined;
  }
  for (const [name, off] of Object.entries(GLOBAL_REGISTERS))
    if (off === address) return { name: name as GlobalRegisterName };
  return undefined;
}

export function encodeThrottle(window: number, targetLoad: number): number {
  if (!Number.isInteger(window) || window < 0 || window > 0xffff)
    throw new RangeError(`throttle window ${window} is not a 16-bit cycle count`);
  if (!Number.isInteger(targetLoad) || targetLoad < 0 || targetLoad > 0xffff)
    throw new RangeError(`throttle target_load ${targetLoad} is not a 16-bit beat count`);
  return ((window << 16) | targetLoad) >>> 0;
}

export function decodeThrottle(value: number): { window: number; targetLoad: number } {
  return { window: (value >>> 16) & 0xffff, targetLoad: value & 0xffff };
}

/** FW_VERSION: major<<16 | minor<<8 | patch (each 0–255; the build number is not reported). */
export function encodeFwVersion(v: { major: number; minor: number; patch: number }): number {
  for (const [name, x] of [
    ['major', v.major],
    ['minor', v.minor],
    ['patch', v.patch],
  ] as const)
    if (!Number.isInteger(x) || x < 0 || x > 0xff) throw new RangeError(`firmware ${name} ${x} is not 0–255`);
  return ((v.major << 16) | (v.minor << 8) | v.patch) >>> 0;
}

export function decodeFwVersion(value: number): { major: number; minor: number; patch: number } {
  return { major: (value >>> 16) & 0xff, minor: (value >>> 8) & 0xff, patch: value & 0xff };
}

/** BOARD_ID: the board's four ASCII id characters, the first in the low byte. */
export function encodeBoardId(code: string): number {
  if (!/^[\x20-\x7e]{4}$/.test(code))
    throw new RangeError(`board id code "${code}" is not four printable ASCII characters`);
  return (
    (code.charCodeAt(0) |
      (code.charCodeAt(1) << 8) |
      (code.charCodeAt(2) << 16) |
      (code.charCodeAt(3) << 24)) >>>
    0
  );
}

export function decodeBoardId(value: number): string {
  return String.fromCharCode(
    value & 0xff,
    (value >>> 8) & 0xff,
    (value >>> 16) & 0xff,
    (value >>> 24) & 0xff,
  );
}
