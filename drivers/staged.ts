// Host side of the staged next program (docs/registers.md, NEXT_*): the register writes
// that stage, replace or cancel a tile's next program, sent as one batch (one WRITE_REGS
// frame over serial), so keeping the staged entry equal to the policy's next choice costs
// one round trip.
import { NEXT_ONLY_IF_STAGED, NEXT_SET_REGION, NEXT_SET_THROTTLE, NEXT_STAGE } from '../boards/registers.ts';
import type { Device, RegisterWrite } from './device.ts';
import { writeRegisters } from './register-batch.ts';

export interface StagedProgram {
  readonly address: number;
  readonly bytes: number;
  /** Host's id for the entry (non-zero), read back from STARTED_ID once it has started. */
  readonly id: number;
  /** REGION_BASE/LIMIT to set when it starts; omitted: the tile's region is kept. */
  readonly region?: { readonly base: number; readonly limit: number };
  /** THROTTLE to write when it starts; omitted: kept. */
  readonly throttle?: number;
}

/**
 * The writes that stage `p` on `tile`. `replace`: only if an entry is still staged (the
 * earlier choice has not started), so a replacement that arrives after the barrier never
 * starts a second program; the host tells which ran from STARTED_ID.
 */
export function stageWrites(tile: number, p: StagedProgram, replace = false): RegisterWrite[] {
  const w: RegisterWrite[] = [
    { name: 'NEXT_ADDR', value: p.address, tile },
    { name: 'NEXT_LEN', value: p.bytes, tile },
  ];
  let ctrl = NEXT_STAGE | (replace ? NEXT_ONLY_IF_STAGED : 0);
  if (p.region !== undefined) {
    w.push(
      { name: 'NEXT_REGION_BASE', value: p.region.base, tile },
      { name: 'NEXT_REGION_LIMIT', value: p.region.limit, tile },
    );
    ctrl |= NEXT_SET_REGION;
  }
  if (p.throttle !== undefined) {
    w.push({ name: 'NEXT_THROTTLE', value: p.throttle, tile });
    ctrl |= NEXT_SET_THROTTLE;
  }
  w.push({ name: 'NEXT_ID', value: p.id, tile }, { name: 'NEXT_CTRL', value: ctrl, tile });
  return w;
}

export function stageNext(device: Device, tile: number, p: StagedProgram, replace = false): Promise<void> {
  return writeRegisters(device, stageWrites(tile, p, replace));
}

export function cancelStaged(device: Device, tile: number): Promise<void> {
  return device.writeRegister('NEXT_CTRL', 0, tile);
}
