// The CPU reference: runs a compiled model's layers, whole and in order, on a zeroed image
// of the tenant's region holding the same weights and input. Functional runs on the
// emulator must leave the same bytes (tests compare them bit for bit).
import type { CompiledModel } from '../compiler/types.ts';
import { dataImage, type ModelData } from '../compiler/weights.ts';
import { MemoryImage, runOp } from './kernels.ts';

export { MemoryImage, runOp } from './kernels.ts';
export { requant, act, affine, rne } from './numerics.ts';

/** Returns the region image after the whole model ran. */
export function runReference(compiled: CompiledModel, data: ModelData): MemoryImage {
  return runReferenceImage(compiled, dataImage(compiled, data));
}

/** The same from an explicit data image (an imported model's: runtime/infer.ts packageImage). */
export function runReferenceImage(
  compiled: CompiledModel,
  image: readonly { readonly address: number; readonly bytes: Uint8Array }[],
): MemoryImage {
  const { regionBase, regionBytes } = compiled.layout;
  const m = new MemoryImage(regionBase, regionBytes);
  for (const { address, bytes } of image) m.write(address, bytes);
  for (const plan of compiled.plans) for (const op of plan.ops) runOp(m, op);
  return m;
}
