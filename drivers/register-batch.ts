// Batched register writes through any Device: the transport's own batch when it has one
// (one link round trip), else one write after another.
import type { Device, RegisterWrite } from './device.ts';

export async function writeRegisters(device: Device, writes: readonly RegisterWrite[]): Promise<void> {
  if (writes.length === 0) return;
  if (device.writeRegisters) {
    await device.writeRegisters(writes);
    return;
  }
  for (const w of writes) await device.writeRegister(w.name, w.value, w.tile);
}
