// Shared helpers for the emulator tests: hand-written ISA programs, placed in DRAM and run.
import { EMU, MOCA_8T } from '../../boards/definitions.ts';
import { createEmulatedBoard, type EmulatedBoard, type ExecutionMode } from '../../boards/emulator/index.ts';
import type { BoardEvent } from '../../boards/events.ts';
import { encodeProgram, instr, type Instruction } from '../../boards/isa/index.ts';
import { STATUS_BUSY, registerAddress, type RegisterName } from '../../boards/registers.ts';
import type { BoardDefinition } from '../../boards/types.ts';

export { EMU, MOCA_8T, instr };
export const DRAM = MOCA_8T.dram.base;
export const MiB = 1 << 20;

export function board(def: BoardDefinition = MOCA_8T, mode: ExecutionMode = 'timing'): EmulatedBoard {
  return createEmulatedBoard(def, { mode });
}

export function reg(b: EmulatedBoard, name: RegisterName, tile?: number): number {
  return b.readRegister(registerAddress(name, tile));
}

export function setReg(b: EmulatedBoard, name: RegisterName, value: number, tile?: number): void {
  b.writeRegister(registerAddress(name, tile), value);
}

/** Writes `program` at `addr` (or raw bytes) and rings tile's doorbell. */
export function launch(
  b: EmulatedBoard,
  tile: number,
  addr: number,
  program: readonly Instruction[] | Uint8Array,
): void {
  const bytes = program instanceof Uint8Array ? program : encodeProgram(program);
  b.writeMemory(addr, bytes);
  setReg(b, 'CMD_ADDR', addr, tile);
  setReg(b, 'CMD_LEN', bytes.length, tile);
  setReg(b, 'DOORBELL', 1, tile);
}

/** Tiles whose STATUS says busy (running or with queued commands). */
export function busyTiles(b: EmulatedBoard): number[] {
  const busy: number[] = [];
  for (let t = 0; t < b.def.tiles; t++) if ((reg(b, 'STATUS', t) & STATUS_BUSY) !== 0) busy.push(t);
  return busy;
}

/** Advances until no tile is busy. Throws when a tile is still busy `cap` cycles from now:
 *  a test must never mistake a program cut off at the cap for one that finished. */
export function runAll(b: EmulatedBoard, cap = 1e12): BoardEvent[] {
  const events: BoardEvent[] = [];
  const limit = b.cycle + cap;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const r = b.advance(limit);
    events.push(...r.events);
    if (r.events.length > 0 && r.cycle < limit) continue;
    const busy = busyTiles(b);
    if (busy.length > 0)
      throw new Error(`tiles ${busy.join(', ')} still busy at the cycle cap ${limit} (cycle ${r.cycle})`);
    if (r.events.length === 0) return events;
  }
  throw new Error('advance loop did not settle');
}

export function doneCycle(events: readonly BoardEvent[], tile: number): number {
  const e = events.find((x) => x.kind === 'done' && x.tile === tile);
  if (e === undefined) throw new Error(`no done event for tile ${tile}: ${JSON.stringify(events)}`);
  return e.cycle;
}

export interface MatmulSpec {
  I: number;
  J: number;
  K: number;
  tileI: number;
  tileJ: number;
  tileK: number;
  a: number;
  b: number;
  c: number;
  bias?: number;
  relu?: boolean;
  multiplier?: number;
  shift?: number;
}

export function matmulProgram(m: MatmulSpec, extra: Instruction[] = []): Instruction[] {
  return [
    instr('CFG_GEMM', { I: m.I, J: m.J, K: m.K }),
    instr('CFG_TILE', { tileI: m.tileI, tileJ: m.tileJ, tileK: m.tileK }),
    instr('CFG_ADDR_IN', { addrA: m.a, addrB: m.b, addrBias: m.bias ?? 0 }),
    instr('CFG_ADDR_OUT', { addrC: m.c }),
    instr('CFG_STRIDE', { strideA: m.K, strideB: m.J, strideC: m.J }),
    instr('CFG_QUANT', { flags: m.relu ? 1 : 0, multiplier: m.multiplier ?? 1, shift: m.shift ?? 0 }),
    instr('LOOP_MATMUL', { flags: m.bias ? 1 : 0 }),
    ...extra,
    instr('END'),
  ];
}

/** Deterministic pseudo-random int8 data (a fixed LCG; tests must not use Math.random). */
export function int8Data(n: number, seed: number, lo = -128, hi = 127): Int8Array {
  const out = new Int8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (s % (hi - lo + 1));
  }
  return out;
}

export function bytesOf(a: Int8Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The loaded DRAM latency that `streams` DMA streams of `requestBytes` requests settle at
 *  when each keeps dmaMaxInflight requests outstanding (docs/emulator.md, "DRAM under load"),
 *  solved in closed form from the board parameters: with refresh taking f = tRFC/tREFI of the
 *  time, BW = peak·(1 − f) and a = streams·inflight·request/BW, utilisation ρ = a/L and
 *  L = base + ρ·S / (2(1 − ρ)) (M/D/1 wait, S = one burst on a channel; base = unloaded latency
 *  + f·tRFC/2 + row conflicts), i.e. (L − base)(L − a) = a·S/2. Valid below saturation. */
export function loadedLatency(d: BoardDefinition, streams: number, requestBytes: number): number {
  const banks = d.dramChannels * d.dramBanksPerChannel;
  const f = d.dramRefreshCycles / d.dramRefreshIntervalCycles;
  const base =
    d.dramLatencyCycles +
    (f * d.dramRefreshCycles) / 2 +
    (1 - (1 - 1 / banks) ** (streams - 1)) * d.dramRowMissCycles;
  const S = (d.dmaRequestBytes * d.dramChannels) / d.dramBytesPerCycle;
  const a = (streams * d.dmaMaxInflight * requestBytes) / (d.dramBytesPerCycle * (1 - f));
  const p = base + a;
  return (p + Math.sqrt(p * p - 4 * (base * a - (a * S) / 2))) / 2;
}

/** A memory-bound layer: one input row against a K×J weight matrix (weights streamed once),
 *  its operands in DRAM slot `slot` (128 MiB apart). */
export function streaming(slot: number): MatmulSpec {
  const base = DRAM + slot * 128 * MiB;
  return {
    I: 1,
    J: 2048,
    K: 2048,
    tileI: 1,
    tileJ: 256,
    tileK: 128,
    a: base,
    b: base + MiB,
    c: base + 64 * MiB,
  };
}
