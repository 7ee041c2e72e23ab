// Small Device helpers the executor and the probes share: 64-bit counters, the clock,
// launching one step's programs on physical tiles.
import type { Device, RegisterWrite } from '../../drivers/device.ts';
import { writeRegisters } from '../../drivers/register-batch.ts';
import type { GlobalRegisterName, TileRegisterName } from '../../boards/registers.ts';
import type { CompiledLike } from './workload.ts';

export async function read64(
  device: Device,
  lo: GlobalRegisterName | TileRegisterName,
  hi: GlobalRegisterName | TileRegisterName,
  tile?: number,
): Promise<number> {
  const l = await device.readRegister(lo, tile); // reading LO latches HI
  const h = await device.readRegister(hi, tile);
  return h * 2 ** 32 + (l >>> 0);
}

export function boardCycle(device: Device): Promise<number> {
  return read64(device, 'CYCLE_LO', 'CYCLE_HI');
}

const lockstepOf = new WeakMap<Device, boolean>();

/** Whether the board waits for the host (hello().capabilities.lockstep), asked once per
 *  device. A free-running board keeps time on its own (drivers/device.ts). */
export async function isLockstep(device: Device): Promise<boolean> {
  let l = lockstepOf.get(device);
  if (l === undefined) {
    l = (await device.hello()).capabilities.lockstep;
    lockstepOf.set(device, l);
  }
  return l;
}

/** Per-tile register shadow, so unchanged REGION/THROTTLE registers are not rewritten. */
export class TileShadow {
  private readonly regionBase: number[];
  private readonly regionLimit: number[];
  private readonly throttle: number[];
  constructor(tiles: number) {
    this.regionBase = new Array<number>(tiles).fill(-1);
    this.regionLimit = new Array<number>(tiles).fill(-1);
    this.throttle = new Array<number>(tiles).fill(-1);
  }

  /** The REGION and THROTTLE values a staged program must set when it starts on `phys`,
   *  by the same rule as launch() (undefined: the tile keeps its value). */
  stagedSettings(
    phys: number,
    region: { base: number; limit: number },
    throttle: number,
    sticky: boolean,
  ): { region?: { base: number; limit: number }; throttle?: number } {
    const same = this.throttle[phys] === throttle;
    return {
      ...(this.regionBase[phys] !== region.base || this.regionLimit[phys] !== region.limit
        ? { region: { base: region.base, limit: region.limit } }
        : {}),
      ...((sticky ? !same : throttle !== 0 || !same) ? { throttle } : {}),
    };
  }

  /** Records what a staged program set when it started. */
  applied(phys: number, set: { region?: { base: number; limit: number }; throttle?: number }): void {
    if (set.region !== undefined) {
      this.regionBase[phys] = set.region.base;
      this.regionLimit[phys] = set.region.limit;
    }
    if (set.throttle !== undefined) this.throttle[phys] = set.throttle;
  }

  /**
   * Starts step `step` of `compiled` on `tiles` (group-relative program tile i runs on
   * tiles[i]); returns the physical tiles that got a program. THROTTLE is rewritten
   * whenever it is on (a write resets the engine, so no credit carries over between steps),
   * except a `sticky` unchanged value (a fixed budget whose engine state must carry over).
   * All of a launch's writes go to the board as one batch (one frame over serial), in the
   * order a write-by-write launch would issue them.
   */
  async launch(
    device: Device,
    compiled: CompiledLike,
    region: { base: number; limit: number },
    step: number,
    tiles: readonly number[],
    throttle: readonly number[],
    sticky = false,
  ): Promise<number[]> {
    const s = compiled.steps[step]!;
    const used: number[] = [];
    const writes: RegisterWrite[] = [];
    const shadow: (() => void)[] = []; // applied once the board has taken the writes
    for (let i = 0; i < tiles.length; i++) {
      const phys = tiles[i]!;
      const th = throttle[i] ?? 0;
      if (this.regionBase[phys] !== region.base) {
        writes.push({ name: 'REGION_BASE', value: region.base, tile: phys });
        shadow.push(() => (this.regionBase[phys] = region.base));
      }
      if (this.regionLimit[phys] !== region.limit) {
        writes.push({ name: 'REGION_LIMIT', value: region.limit, tile: phys });
        shadow.push(() => (this.regionLimit[phys] = region.limit));
      }
      const same = this.throttle[phys] === th;
      if (sticky ? !same : th !== 0 || !same) {
        writes.push({ name: 'THROTTLE', value: th, tile: phys });
        shadow.push(() => (this.throttle[phys] = th));
      }
    }
    for (const p of s.programs) {
      const phys = tiles[p.tile];
      if (phys === undefined)
        throw new Error(
          `internal: step ${step} has a program for group tile ${p.tile} but only ${tiles.length} tiles were given`,
        );
      writes.push(
        { name: 'CMD_ADDR', value: p.address, tile: phys },
        { name: 'CMD_LEN', value: p.bytes.length, tile: phys },
        { name: 'DOORBELL', value: 1, tile: phys },
      );
      used.push(phys);
    }
    await writeRegisters(device, writes);
    for (const f of shadow) f();
    return used;
  }
}
