// A minimal lockstep Device for executor/policy tests that must not depend on the
// emulator's timing: a "program" is 16 bytes whose first u32 is its run time in cycles.
// Tiles run their queued programs back to back; no contention. Raises done events.
import type { Device, HelloInfo } from '../../drivers/device.ts';
import type { AdvanceResult, BoardEvent } from '../../boards/events.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import type { RegisterName } from '../../boards/registers.ts';
import type { CompileFn, CompiledLike } from '../../runtime/executor/workload.ts';
import type { GranuleSpec } from '../../runtime/scheduler/types.ts';

export class FakeDevice implements Device {
  cycle = 0;
  private readonly mem = new Map<number, Uint8Array>();
  private readonly cmd: { addr: number; len: number }[];
  private readonly busyUntil: number[];
  private readonly queue: number[][];
  private readonly pending: BoardEvent[] = [];
  readonly writes: { name: string; value: number; tile?: number }[] = [];
  constructor(readonly board: BoardDefinition) {
    this.cmd = Array.from({ length: board.tiles }, () => ({ addr: 0, len: 0 }));
    this.busyUntil = new Array<number>(board.tiles).fill(-1);
    this.queue = Array.from({ length: board.tiles }, () => []);
  }
  async hello(): Promise<HelloInfo> {
    return {
      boardId: 'FAKE',
      firmwareVersion: '0.0.0+0',
      tiles: this.board.tiles,
      capabilities: { throttle: true, functional: false, flash: false, lockstep: true },
      bootSlot: 'A',
      trial: false,
      trustedKeyIds: [],
      protocolVersion: 1,
      transport: 'fake',
    };
  }
  async readRegister(name: RegisterName): Promise<number> {
    if (name === 'CYCLE_LO') return this.cycle >>> 0;
    if (name === 'CYCLE_HI') return Math.floor(this.cycle / 2 ** 32);
    return 0;
  }
  async writeRegister(name: RegisterName, value: number, tile?: number): Promise<void> {
    this.writes.push({ name, value, tile });
    if (tile === undefined) return;
    if (name === 'CMD_ADDR') this.cmd[tile]!.addr = value;
    if (name === 'CMD_LEN') this.cmd[tile]!.len = value;
    if (name === 'DOORBELL') {
      const prog = this.mem.get(this.cmd[tile]!.addr);
      if (prog === undefined) throw new Error(`fake: no program at 0x${this.cmd[tile]!.addr.toString(16)}`);
      const dur = new DataView(prog.buffer, prog.byteOffset).getUint32(0, true);
      const start = Math.max(this.cycle, this.busyUntil[tile]!);
      this.busyUntil[tile] = start + dur;
      this.queue[tile]!.push(start + dur);
    }
  }
  async readMemory(_address: number, length: number): Promise<Uint8Array> {
    return new Uint8Array(length);
  }
  async writeMemory(address: number, data: Uint8Array): Promise<void> {
    this.mem.set(address, data.slice());
  }
  async advance(untilCycle: number): Promise<AdvanceResult> {
    if (this.pending.length > 0) return { cycle: this.cycle, events: this.pending.splice(0) };
    let first = Number.POSITIVE_INFINITY;
    for (const q of this.queue) if (q.length > 0) first = Math.min(first, q[0]!);
    if (first > untilCycle) {
      this.cycle = Math.max(this.cycle, untilCycle);
      return { cycle: this.cycle, events: [] };
    }
    this.cycle = first;
    const events: BoardEvent[] = [];
    this.queue.forEach((q, tile) => {
      if (q[0] === first) {
        q.shift();
        events.push({ kind: 'done', tile, cycle: first, tag: 0 });
      }
    });
    return { cycle: this.cycle, events };
  }
  async reset(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * A compile function for the fake device: a model named "L:a,b,c" has layers costing
 * a, b, c cycles on one tile; on n tiles a layer takes ceil(cost / n). 'layer' granules
 * give one step per layer; 'block:k' groups k layers; 'cycles:max' splits a layer into
 * ceil(cost/max) equal chunks.
 */
export const fakeCompile: CompileFn = (model, tiles, granule: GranuleSpec, regionBase) => {
  const layers = model.replace(/^L:/, '').split(',').map(Number);
  const chunks: { first: number; last: number; cost: number }[] = [];
  if (granule.kind === 'block') {
    for (let i = 0; i < layers.length; i += granule.layers) {
      const part = layers.slice(i, i + granule.layers);
      chunks.push({
        first: i,
        last: i + part.length - 1,
        cost: part.reduce((s, c) => s + Math.ceil(c / tiles), 0),
      });
    }
  } else {
    layers.forEach((c, i) => {
      const cost = Math.ceil(c / tiles);
      const n = granule.kind === 'cycles' ? Math.max(1, Math.ceil(cost / granule.max)) : 1;
      for (let k = 0; k < n; k++) chunks.push({ first: i, last: i, cost: Math.ceil(cost / n) });
    });
  }
  let addr = regionBase;
  const steps: CompiledLike['steps'][number][] = chunks.map((ch, index) => {
    const programs = Array.from({ length: tiles }, (_, tile) => {
      const bytes = new Uint8Array(16);
      new DataView(bytes.buffer).setUint32(0, ch.cost, true);
      const p = { tile, address: addr, bytes };
      addr += 16;
      return p;
    });
    return {
      index,
      layers: { first: ch.first, last: ch.last },
      programs,
      macs: 0,
      readBytes: 0,
      writeBytes: 0,
      estCycles: ch.cost,
    };
  });
  return { steps, layout: { regionBase, regionBytes: Math.max(16, addr - regionBase) } };
};
