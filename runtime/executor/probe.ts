// Measuring step costs on the board itself (lockstep, deterministic):
// - isolated: the variant alone on its tiles, every other tile idle;
// - contended: every other tile runs a DRAM "hog" (a LOOP_MATMUL streaming a 4 MiB weight
//   matrix, re-queued as soon as it ends) for the whole measurement.
// The board shares DRAM max-min fairly among active streams (docs/emulator.md), so a tile
// gets the least bandwidth exactly when every other tile asks for as much as it can;
// saturating hogs on all other tiles are therefore the worst co-runners, whatever the
// co-runners' models or throttles. docs/scheduler.md gives the argument in full.
import { DeviceFault } from '../../boards/errors.ts';
import { describeFault } from '../../boards/events.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import type { Device } from '../../drivers/device.ts';
import { encodeProgram, instr } from '../../boards/isa/index.ts';
import { boardCycle, TileShadow } from './board-io.ts';
import type { PreparedVariant } from './workload.ts';

/** DRAM kept free at the top of the window for the hog's data and program. */
export const PROBE_RESERVED_BYTES = 16 * 1024 * 1024;
const HOG_K = 1024;
const HOG_J = 4096;
const HOG_QUEUED = 2;

export function hogRegion(def: BoardDefinition): { base: number; limit: number } {
  const base = def.dram.base + def.dram.bytes - PROBE_RESERVED_BYTES;
  return { base, limit: base + PROBE_RESERVED_BYTES };
}

/** A memory-bound program: C(16×J) = A(16×K)·B(K×J), B streamed once from DRAM. */
export function hogProgram(def: BoardDefinition): { address: number; bytes: Uint8Array } {
  const r = hogRegion(def);
  const a = r.base + 4096;
  const b = a + 16 * HOG_K;
  const c = b + HOG_K * HOG_J;
  const bytes = encodeProgram([
    instr('CFG_GEMM', { I: 16, J: HOG_J, K: HOG_K }),
    instr('CFG_TILE', { tileI: 16, tileJ: 64, tileK: 256 }),
    instr('CFG_ADDR_IN', { addrA: a, addrB: b, addrBias: 0 }),
    instr('CFG_ADDR_OUT', { addrC: c }),
    instr('CFG_STRIDE', { strideA: HOG_K, strideB: HOG_J, strideC: HOG_J }),
    instr('CFG_QUANT', { multiplier: 1, shift: 0 }),
    instr('LOOP_MATMUL'),
    instr('END'),
  ]);
  return { address: r.base, bytes };
}

const FOREVER = 2 ** 52;

/**
 * Runs every step of `v` on `tiles` once, back to back, and returns each step's cost in
 * cycles (doorbell to the last tile's done). With `hogTiles`, those tiles stream DRAM the
 * whole time.
 */
export async function measureSteps(
  device: Device,
  v: PreparedVariant,
  tiles: readonly number[],
  hogTiles: readonly number[] = [],
): Promise<number[]> {
  const shadow = new TileShadow(device.board.tiles);
  const hog = hogProgram(device.board);
  const region = hogRegion(device.board);
  const hogSet = new Set(hogTiles);
  let hogsQueued = 0;
  if (hogTiles.length > 0) {
    await device.writeMemory(hog.address, hog.bytes);
    for (const t of hogTiles) {
      await device.writeRegister('REGION_BASE', region.base, t);
      await device.writeRegister('REGION_LIMIT', region.limit, t);
      await device.writeRegister('THROTTLE', 0, t);
      for (let k = 0; k < HOG_QUEUED; k++) await ringHog(t);
    }
  }
  const costs: number[] = [];
  let stopping = false;
  let stepIndex = -1;
  for (let s = 0; s < v.compiled.steps.length; s++) {
    stepIndex = s;
    const t0 = await boardCycle(device);
    const pending = new Set(
      await shadow.launch(
        device,
        v.compiled,
        v.region,
        s,
        tiles,
        tiles.map(() => 0),
      ),
    );
    let now = t0;
    while (pending.size > 0) now = await drain(pending);
    costs.push(now - t0);
  }
  stopping = true;
  while (hogsQueued > 0) await drain(new Set());
  return costs;

  async function ringHog(t: number): Promise<void> {
    await device.writeRegister('CMD_ADDR', hog.address, t);
    await device.writeRegister('CMD_LEN', hog.bytes.length, t);
    await device.writeRegister('DOORBELL', 1, t);
    hogsQueued++;
  }

  async function drain(pending: Set<number>): Promise<number> {
    const res = await device.advance(FOREVER);
    for (const ev of res.events) {
      if (ev.kind === 'fault') {
        const what = hogSet.has(ev.tile)
          ? 'the DRAM hog co-runner'
          : `step ${stepIndex} of the variant on tiles ${tiles.join(',')} (its region 0x${v.region.base.toString(16)}..0x${v.region.limit.toString(16)})`;
        throw new DeviceFault(
          `measuring step costs: tile ${ev.tile} faulted: ${describeFault(ev.code)} at address 0x${ev.address.toString(16)}, cycle ${ev.cycle}, running ${what}`,
          { tile: ev.tile, address: ev.address, faultCode: ev.code },
        );
      }
      if (ev.kind !== 'done') continue;
      if (hogSet.has(ev.tile)) {
        hogsQueued--;
        if (!stopping) await ringHog(ev.tile);
      } else pending.delete(ev.tile);
    }
    return res.cycle;
  }
}
