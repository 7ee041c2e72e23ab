// Runs a compiled model on a Device, one step at a time: upload programs (and weights and
// input in functional mode), set the tiles' region registers, ring each step's doorbells,
// advance the board until every program of the step is done, then the next step. Reports
// latency and the board's own counters. Library code: never prints.
import { DeviceFault, TimeoutError } from '../boards/errors.ts';
import type { BoardEvent } from '../boards/events.ts';
import type { RegisterName } from '../boards/registers.ts';
import type { Device } from '../drivers/device.ts';
import { compileModel } from './compiler/compile.ts';
import type { CompiledModel, GranuleSpec } from './compiler/types.ts';
import { dataImage, makeWeights, type ModelData } from './compiler/weights.ts';
import { loadModel } from './models/index.ts';
import { layerClass, type LayerClass } from './models/layer-class.ts';

export interface RunOptions {
  /** Physical tile that runs the group's tile 0 (default 0). */
  readonly firstTile?: number;
  /** Functional mode: upload these weights/input and switch the board to MODE=1. */
  readonly data?: ModelData;
  /** Give up (TimeoutError) when a step has not finished after this many board cycles. */
  readonly maxStepCycles?: number;
  /** Read the board's counters after every step (RunResult.perStep). */
  readonly perStep?: boolean;
}

/** One step's share of the board counters (its tiles' MACs and throttle stalls; the
 *  board-wide DRAM bytes, which are the step's own when the model runs alone). */
export interface StepCounters {
  readonly step: number;
  readonly layers: { readonly first: number; readonly last: number };
  readonly cycles: number;
  readonly macs: number;
  readonly dramBytesRead: number;
  readonly dramBytesWritten: number;
  readonly stallCycles: number;
  readonly estCycles: number;
}

export interface TileCounters {
  readonly tile: number;
  readonly busyCycles: number;
  readonly stallCycles: number;
  readonly readBeats: number;
  readonly writeBeats: number;
  readonly macs: number;
}

export interface RunResult {
  readonly cycles: number;
  readonly startCycle: number;
  readonly stepCycles: number[];
  readonly events: BoardEvent[];
  readonly macs: number;
  readonly dramBytesRead: number;
  readonly dramBytesWritten: number;
  readonly stallCycles: number;
  readonly utilization: number;
  readonly perTile: TileCounters[];
  /** Present when RunOptions.perStep was set. */
  readonly perStep?: StepCounters[];
}

const DEFAULT_MAX_STEP_CYCLES = 1e12;
const ZERO_CHUNK_BYTES = 1 << 20;

async function read64(device: Device, lo: RegisterName, hi: RegisterName, tile?: number): Promise<number> {
  const l = await device.readRegister(lo, tile); // reading LO latches HI
  const h = await device.readRegister(hi, tile);
  return h * 2 ** 32 + l;
}

async function tileCounters(device: Device, tile: number): Promise<TileCounters> {
  return {
    tile,
    busyCycles: await read64(device, 'PERF_BUSY_LO', 'PERF_BUSY_HI', tile),
    stallCycles: await read64(device, 'PERF_STALL_LO', 'PERF_STALL_HI', tile),
    readBeats: await read64(device, 'PERF_RD_BEATS_LO', 'PERF_RD_BEATS_HI', tile),
    writeBeats: await read64(device, 'PERF_WR_BEATS_LO', 'PERF_WR_BEATS_HI', tile),
    macs: await read64(device, 'PERF_MACS_LO', 'PERF_MACS_HI', tile),
  };
}

export async function runCompiled(
  device: Device,
  compiled: CompiledModel,
  opts: RunOptions = {},
): Promise<RunResult> {
  const first = opts.firstTile ?? 0;
  const phys = Array.from({ length: compiled.tiles }, (_, t) => first + t);
  const { regionBase, regionBytes } = compiled.layout;

  if (opts.data) {
    await device.writeRegister('MODE', 1);
    if ((await device.readRegister('MODE')) !== 1)
      throw new DeviceFault('the board refused functional mode (its firmware has no functional capability)');
    // zero the data area so bytes no layer wrote read the same as in the reference image
    const dataEnd = Math.min(...compiled.steps.flatMap((s) => s.programs.map((p) => p.address)));
    for (let a = regionBase; a < dataEnd; a += ZERO_CHUNK_BYTES)
      await device.writeMemory(a, new Uint8Array(Math.min(ZERO_CHUNK_BYTES, dataEnd - a)));
    for (const { address, bytes } of dataImage(compiled, opts.data)) await device.writeMemory(address, bytes);
  } else {
    await device.writeRegister('MODE', 0);
  }
  for (const s of compiled.steps) for (const p of s.programs) await device.writeMemory(p.address, p.bytes);
  for (const t of phys) {
    await device.writeRegister('REGION_BASE', regionBase, t);
    await device.writeRegister('REGION_LIMIT', regionBase + regionBytes, t);
  }

  const rd0 = await read64(device, 'DRAM_RD_LO', 'DRAM_RD_HI');
  const wr0 = await read64(device, 'DRAM_WR_LO', 'DRAM_WR_HI');
  const before = await Promise.all(phys.map((t) => tileCounters(device, t)));
  const startCycle = await read64(device, 'CYCLE_LO', 'CYCLE_HI');
  let now = startCycle;
  const events: BoardEvent[] = [];
  const stepCycles: number[] = [];
  const perStep: StepCounters[] = [];
  const snapshot = async () => ({
    rd: await read64(device, 'DRAM_RD_LO', 'DRAM_RD_HI'),
    wr: await read64(device, 'DRAM_WR_LO', 'DRAM_WR_HI'),
    tiles: await Promise.all(phys.map((t) => tileCounters(device, t))),
  });
  let last = opts.perStep ? { rd: rd0, wr: wr0, tiles: before } : undefined;

  for (const step of compiled.steps) {
    const stepStart = now;
    const pending = new Set<number>();
    for (const p of step.programs) {
      const t = phys[p.tile]!;
      await device.writeRegister('CMD_ADDR', p.address, t);
      await device.writeRegister('CMD_LEN', p.bytes.length, t);
      await device.writeRegister('DOORBELL', 1, t);
      pending.add(t);
    }
    const limit = stepStart + (opts.maxStepCycles ?? DEFAULT_MAX_STEP_CYCLES);
    while (pending.size > 0) {
      const r = await device.advance(limit);
      now = r.cycle;
      for (const ev of r.events) {
        events.push(ev);
        if (ev.kind === 'fault' && pending.has(ev.tile)) {
          throw new DeviceFault(
            `tile ${ev.tile} faulted (code ${ev.code}) at address 0x${ev.address.toString(16)} in step ${step.index} (layers ${step.layers.first}..${step.layers.last}) of ${compiled.model}`,
            { tile: ev.tile, address: ev.address, faultCode: ev.code },
          );
        }
        if (ev.kind === 'done' && pending.has(ev.tile)) {
          pending.delete(ev.tile);
          now = Math.max(now, ev.cycle);
        }
      }
      if (pending.size > 0 && r.events.length === 0 && r.cycle >= limit) {
        throw new TimeoutError(
          `step ${step.index} of ${compiled.model} did not finish within ${opts.maxStepCycles ?? DEFAULT_MAX_STEP_CYCLES} board cycles (tiles ${[...pending].join(', ')} still busy)`,
        );
      }
    }
    const doneAt = Math.max(
      ...events
        .filter((e) => e.kind === 'done' && step.programs.some((p) => phys[p.tile] === e.tile))
        .slice(-step.programs.length)
        .map((e) => e.cycle),
    );
    now = Math.max(stepStart, doneAt);
    stepCycles.push(now - stepStart);
    if (last !== undefined) {
      const cur = await snapshot();
      const sum = (k: 'macs' | 'stallCycles') =>
        cur.tiles.reduce((s, c, i) => s + c[k] - last!.tiles[i]![k], 0);
      perStep.push({
        step: step.index,
        layers: step.layers,
        cycles: now - stepStart,
        macs: sum('macs'),
        dramBytesRead: cur.rd - last.rd,
        dramBytesWritten: cur.wr - last.wr,
        stallCycles: sum('stallCycles'),
        estCycles: step.estCycles,
      });
      last = cur;
    }
  }

  const after = await Promise.all(phys.map((t) => tileCounters(device, t)));
  const perTile = after.map((a, i) => {
    const b = before[i]!;
    return {
      tile: a.tile,
      busyCycles: a.busyCycles - b.busyCycles,
      stallCycles: a.stallCycles - b.stallCycles,
      readBeats: a.readBeats - b.readBeats,
      writeBeats: a.writeBeats - b.writeBeats,
      macs: a.macs - b.macs,
    };
  });
  const cycles = now - startCycle;
  const macs = perTile.reduce((s, t) => s + t.macs, 0);
  const dim = device.board.dim;
  return {
    cycles,
    startCycle,
    stepCycles,
    events,
    macs,
    dramBytesRead: (await read64(device, 'DRAM_RD_LO', 'DRAM_RD_HI')) - rd0,
    dramBytesWritten: (await read64(device, 'DRAM_WR_LO', 'DRAM_WR_HI')) - wr0,
    stallCycles: perTile.reduce((s, t) => s + t.stallCycles, 0),
    utilization: cycles > 0 ? macs / (dim * dim * compiled.tiles * cycles) : 0,
    perTile,
    ...(opts.perStep ? { perStep } : {}),
  };
}

export interface ProfileOptions {
  readonly tiles: number;
  readonly granule: GranuleSpec;
  /** Run with seeded random weights in functional mode (default: timing mode). */
  readonly functionalSeed?: number;
  /** Report every step's counters with its layers (ProfileResult.layers). */
  readonly layers?: boolean;
}

/** One step of a profiled run with the layers it ran (one layer with granule `layer`). */
export interface LayerProfile extends StepCounters {
  readonly names: readonly string[];
  readonly classes: readonly LayerClass[];
  /** MACs / (DIM² · tiles · cycles). */
  readonly utilization: number;
}

export interface ProfileResult extends RunResult {
  readonly model: string;
  readonly board: string;
  readonly tiles: number;
  readonly steps: number;
  readonly estCycles: number;
  readonly ms: number;
  readonly layers?: LayerProfile[];
}

export async function profileModel(
  device: Device,
  modelName: string,
  opts: ProfileOptions,
): Promise<ProfileResult> {
  const model = loadModel(modelName);
  const compiled = compileModel(model, device.board, {
    tiles: opts.tiles,
    granule: opts.granule,
    regionBase: device.board.dram.base,
    functional: opts.functionalSeed !== undefined,
  });
  const data = opts.functionalSeed !== undefined ? makeWeights(model, opts.functionalSeed) : undefined;
  const r = await runCompiled(device, compiled, { ...(data ? { data } : {}), perStep: opts.layers === true });
  const dim = device.board.dim;
  const layers = r.perStep?.map((s) => {
    const ls = model.layers.slice(s.layers.first, s.layers.last + 1);
    return {
      ...s,
      names: ls.map((l) => l.name),
      classes: ls.map(layerClass),
      utilization: s.cycles > 0 ? s.macs / (dim * dim * opts.tiles * s.cycles) : 0,
    };
  });
  return {
    ...r,
    ...(layers ? { layers } : {}),
    model: model.name,
    board: device.board.id,
    tiles: opts.tiles,
    steps: compiled.steps.length,
    estCycles: compiled.totals.estCycles,
    ms: (r.cycles / device.board.clockHz) * 1e3,
  };
}
