// Measuring step costs on the board itself (lockstep, deterministic):
// - isolated: the variant alone on its tiles, every other tile idle;
// - contended: every other tile's DRAM port runs a traffic generator (TRAFFIC_GEN) for the
//   whole measurement — saturating, or, for tiles whose tenants the board holds to a memory
//   budget, saturating through that tile's throttle engine set exactly as the run sets it
//   (so it bursts and stalls as the most demanding co-runner under the budget would).
// Why generators and not co-running programs: a program has phases (start-up, drain, the
// gap before the next program) in which it asks for less, and programs started together
// leave synchronized gaps; a measured cost would then depend on how the co-runners were
// phased. A generator's demand is constant and at least what any co-runner's port can ask
// for at any instant (docs/scheduler.md, "Why the measured granule costs are worst cases"),
// so the cost measured under it bounds every co-runner behaviour by construction.
import { DeviceFault } from '../../boards/errors.ts';
import { describeFault } from '../../boards/events.ts';
import {
  CAPS_TRAFFIC_GEN,
  THROTTLE_COUNT_STORES,
  THROTTLE_CREDIT_UNLIMITED,
  TRAFFIC_GEN_SATURATE,
  TRAFFIC_GEN_THROTTLED,
} from '../../boards/registers.ts';
import { budgetThrottle } from '../admission/budget.ts';
import type { Contention } from '../admission/types.ts';
import type { Device } from '../../drivers/device.ts';
import { boardCycle, isLockstep, read64, TileShadow } from './board-io.ts';
import type { PreparedVariant } from './workload.ts';

/** DRAM kept free at the top of the window (none: generators need no data in DRAM). */
export const PROBE_RESERVED_BYTES = 0;

const FOREVER = 2 ** 52;

/** A co-runner tile during a measurement: its TRAFFIC_GEN setting, and for a tile held to
 *  a memory budget the THROTTLE value its generator runs under (with no credit and stores
 *  counted, exactly as the run will throttle that tile's tenants). */
export interface CoRunner {
  readonly tile: number;
  /** TRAFFIC_GEN value, e.g. TRAFFIC_GEN_SATURATE, with TRAFFIC_GEN_THROTTLED for budgets. */
  readonly gen: number;
  readonly throttle?: number;
}

/** The co-runners of a lane of `laneTiles` tiles (placed on tiles 0..laneTiles-1) under
 *  `contention`: the next `others` tiles, the last `budgeted` of them generating traffic
 *  through their throttle engines set to the budget (as the run throttles them), the rest
 *  saturating. The one place that maps an admission Contention to generator settings. */
export function coRunnersFor(
  contention: Contention,
  laneTiles: number,
  tileBusBytesPerCycle: number,
): CoRunner[] {
  const co: CoRunner[] = [];
  for (let k = 0; k < contention.others; k++)
    co.push({
      tile: laneTiles + k,
      ...(k >= contention.others - contention.budgeted
        ? {
            gen: TRAFFIC_GEN_SATURATE | TRAFFIC_GEN_THROTTLED,
            throttle: budgetThrottle(contention.budget, tileBusBytesPerCycle).value,
          }
        : { gen: TRAFFIC_GEN_SATURATE }),
    });
  return co;
}

export function saturating(tiles: readonly number[]): CoRunner[] {
  return tiles.map((tile) => ({ tile, gen: TRAFFIC_GEN_SATURATE }));
}

/**
 * Runs every step of `v` on `tiles` once, back to back, and returns each step's cost in
 * cycles (doorbell to the last tile's done), with `coRunners` generating DRAM traffic the
 * whole time (switched on before the first step, off after the last).
 *
 * On a lockstep board the doorbell cycle is the cycle read before the launch. A free-running
 * board has moved on by the time the launch lands, so there the doorbell cycle is taken
 * from the board: the first program tile's done cycle minus the cycles its PERF_BUSY counter
 * gained (busy from doorbell to done; a launch's writes land at one board time). The same
 * step gives the same cost on both.
 */
export async function measureSteps(
  device: Device,
  v: PreparedVariant,
  tiles: readonly number[],
  coRunners: readonly CoRunner[] = [],
): Promise<number[]> {
  if (coRunners.length > 0 && ((await device.readRegister('CAPS')) & CAPS_TRAFFIC_GEN) === 0)
    throw new DeviceFault(
      `board ${device.board.id} has no DRAM traffic generators (CAPS_TRAFFIC_GEN), so costs under contention cannot be measured; run its tenants in one lane of all tiles (set "tiles": ${device.board.tiles})`,
    );
  const shadow = new TileShadow(device.board.tiles);
  for (const c of coRunners) {
    if (c.throttle !== undefined) {
      await device.writeRegister('THROTTLE_CTRL', THROTTLE_COUNT_STORES, c.tile);
      await device.writeRegister('THROTTLE_CREDIT', 0, c.tile);
      await device.writeRegister('THROTTLE', c.throttle, c.tile);
    }
    await device.writeRegister('TRAFFIC_GEN', c.gen, c.tile);
  }
  const costs: number[] = [];
  const free = !(await isLockstep(device));
  try {
    for (let s = 0; s < v.compiled.steps.length; s++) {
      const first = tiles[v.compiled.steps[s]!.programs[0]?.tile ?? 0]!;
      const busy0 = free ? await read64(device, 'PERF_BUSY_LO', 'PERF_BUSY_HI', first) : 0;
      let t0 = free ? 0 : await boardCycle(device);
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
      let firstDone = 0;
      while (pending.size > 0) {
        const res = await device.advance(FOREVER);
        for (const ev of res.events) {
          if (ev.kind === 'fault')
            throw new DeviceFault(
              `measuring ${v.label}: tile ${ev.tile} faulted: ${describeFault(ev.code)} at address 0x${ev.address.toString(16)}, cycle ${ev.cycle}, step ${s} on tiles ${tiles.join(',')} (region 0x${v.region.base.toString(16)}..0x${v.region.limit.toString(16)})`,
              { tile: ev.tile, address: ev.address, faultCode: ev.code },
            );
          if (ev.kind === 'done' && pending.delete(ev.tile)) {
            now = ev.cycle;
            if (ev.tile === first) firstDone = ev.cycle;
          }
        }
        if (!free) now = res.cycle;
      }
      if (free) t0 = firstDone - ((await read64(device, 'PERF_BUSY_LO', 'PERF_BUSY_HI', first)) - busy0);
      costs.push(now - t0);
    }
  } finally {
    for (const c of coRunners) {
      await device.writeRegister('TRAFFIC_GEN', 0, c.tile);
      if (c.throttle === undefined) continue;
      await device.writeRegister('THROTTLE', 0, c.tile);
      await device.writeRegister('THROTTLE_CREDIT', THROTTLE_CREDIT_UNLIMITED, c.tile);
      await device.writeRegister('THROTTLE_CTRL', 0, c.tile);
    }
  }
  return costs;
}
