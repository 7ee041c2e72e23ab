// The emulated flash + boot ROM, plugged into a board through the FlashPeripheral contract
// (boards/emulator/api.ts). A new peripheral holds erased flash with the factory image in
// slot A, signed with the development key, and a boot ROM that trusts that key — unless
// options provision other keys or give the raw flash contents (a persisted board).
import type { BoardDefinition } from '../../types.ts';
import { EmulatedFlash } from './controller.ts';
import { buildFactoryImage, DEV_PUBLIC_KEY } from './factory.ts';
import { provisionKey } from './verify.ts';
import type { FirmwareManifest } from '../api.ts';

export interface FlashPeripheralOptions {
  /** Raw 32-byte Ed25519 public keys the boot ROM trusts (default: the development key). */
  readonly publicKeys?: readonly Uint8Array[];
  /** Initial raw flash contents (e.g. read from a --flash-file); default: factory state. */
  readonly flash?: Uint8Array;
  /** Manifest of the factory image written to slot A when `flash` is not given. */
  readonly factoryManifest?: FirmwareManifest;
  /** Seed for the garbage an interrupted erase/program leaves (power-loss tests). */
  readonly seed?: number;
  /** Called after any command or boot that erased or programmed flash (e.g. to save
   *  `flashBytes()` to a --flash-file so a killed emulator keeps its firmware). */
  readonly onChange?: () => void;
}

export function createFlashPeripheral(
  def: BoardDefinition,
  opts: FlashPeripheralOptions = {},
): EmulatedFlash {
  const keys = (opts.publicKeys ?? [DEV_PUBLIC_KEY]).map(provisionKey);
  return new EmulatedFlash(
    def,
    keys,
    opts.flash ?? factoryFlash(def, opts.factoryManifest),
    opts.seed ?? 1,
    opts.onChange,
  );
}

/** Erased flash with the factory image at the start of slot A and no boot-state records. */
export function factoryFlash(def: BoardDefinition, manifest?: FirmwareManifest): Uint8Array {
  const flash = new Uint8Array(def.flash.bytes).fill(0xff);
  flash.set(buildFactoryImage(def, manifest), def.flash.slotA.base);
  return flash;
}

export { EmulatedFlash } from './controller.ts';
export { DEV_PUBLIC_KEY, DEV_KEY_SEED_ASCII, buildFactoryImage, factoryManifest } from './factory.ts';
export { verifySlot, provisionKey, type SlotVerdict } from './verify.ts';
export type { PowerCut, FlashOp } from './nor.ts';
export type { BootState } from './boot-state.ts';
export * as flashLayout from './layout.ts';
