// Register name + tile → bus address with the ConfigErrors every transport reports
// (in-process, serial, PCIe): one place for the checks, so all transports word them alike.
import { ConfigError } from '../../boards/errors.ts';
import {
  GLOBAL_REGISTERS,
  TILE_REGISTERS,
  isGlobalRegister,
  isTileRegister,
  registerAddress,
  type RegisterName,
} from '../../boards/registers.ts';

export function resolveRegister(name: RegisterName, tile: number | undefined, tiles: number): number {
  if (isTileRegister(name)) {
    if (tiles === 0)
      throw new ConfigError(
        `register ${name} is per tile, but the board has no tiles enabled (no firmware booted: flash one, then reset)`,
      );
    if (tile === undefined || !Number.isInteger(tile) || tile < 0 || tile >= tiles) {
      throw new ConfigError(`register ${name} is per tile: give a tile index 0..${tiles - 1} (got ${tile})`);
    }
    return registerAddress(name, tile);
  }
  if (isGlobalRegister(name)) return registerAddress(name);
  const valid = [...Object.keys(GLOBAL_REGISTERS), ...Object.keys(TILE_REGISTERS)].join(', ');
  throw new ConfigError(`unknown register ${String(name)}; valid registers: ${valid}`);
}

export function checkRegisterValue(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new ConfigError(`register ${name}: value ${value} is not a 32-bit unsigned integer`);
}

export function checkCycle(untilCycle: number): void {
  if (!Number.isFinite(untilCycle) || untilCycle < 0)
    throw new ConfigError(`advance: untilCycle ${untilCycle} is not a cycle number ≥ 0`);
}

export function checkMemoryArgs(address: number, length: number): void {
  if (!Number.isInteger(address) || address < 0 || address > 0xffffffff)
    throw new ConfigError(`memory address ${address} is not a 32-bit byte address`);
  if (!Number.isInteger(length) || length < 0)
    throw new ConfigError(`memory length ${length} is not a byte count ≥ 0`);
}
