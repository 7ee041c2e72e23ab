// One tile: its registers, command queue, configuration, and the interpreter that turns
// its program into timed segments (costs.ts). The board (board.ts) owns time: it tells
// each tile its progress rate, moves it forward with progress(), and calls handle() at
// the tile's next event time. A tile never looks at another tile.
import type { BoardEvent } from '../events.ts';
import { FAULT_DMA_OUT_OF_REGION, FAULT_ILLEGAL_INSTRUCTION, FAULT_QUEUE_FULL, FAULT_SCRATCHPAD_RANGE } from '../events.ts';
import { WORD_BYTES, type Instruction } from '../isa/index.ts';
import { decodeAt } from './decode.ts';
import { applyConfig, resetConfig, type TileConfig } from './config.ts';
import { beats, fetchCost, opCost, type CostContext, type OpCost } from './costs.ts';
import { accessesOf, configProblem, firstOutside, tilesFit } from './footprint.ts';
import { runConv, runMatmul, runPool, runResadd, runVec } from './functional.ts';
import { LocalState, localRangeProblem } from './local-state.ts';
import { isEmpty, type Segment } from './segment.ts';
import type { SparseMemory } from './sparse-memory.ts';
import { ThrottleEngine } from './throttle.ts';

export const COMMAND_QUEUE_DEPTH = 8;

/** What a tile needs from the board it sits on. */
export interface TileHost {
  readonly mem: SparseMemory;
  readonly cost: CostContext;
  readonly dim: number;
  readonly scratchpadBytes: number;
  readonly accumulatorBytes: number;
  readonly dramBase: number;
  readonly dramEnd: number;
  functional(): boolean;
  emit(event: BoardEvent): void;
  countDram(readBytes: number, writeBytes: number): void;
}

interface Program {
  readonly addr: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pc: number;
}

interface RunningOp {
  readonly ins: Instruction | undefined;
  readonly cost: OpCost;
  seg: number;
}

export class Tile {
  // Registers.
  cmdAddr = 0;
  cmdLen = 0;
  throttleReg = 0;
  regionBase: number;
  regionLimit: number;
  faultAddr = 0;
  faulted = false;
  perfBusy = 0;
  perfStall = 0;
  rdBeats = 0;
  wrBeats = 0;
  macs = 0;
  granules = 0;
  lastTag = 0;

  readonly throttle = new ThrottleEngine();
  readonly queue: { addr: number; len: number }[] = [];
  cfg: TileConfig = resetConfig();
  private preloadAccRow = 0;
  private local: LocalState | undefined;
  private prog: Program | undefined;
  private op: RunningOp | undefined;

  // Timing state, owned by the board's rate computation.
  /** Fraction of the current segment still to do. */
  remaining = 0;
  /** Progress rate through the current segment, fraction per cycle. */
  rate = 0;
  /** Read beats per cycle the DMA issues now (drives the throttle engine). */
  readRate = 0;
  lastUpdate: number;
  endAt = Number.POSITIVE_INFINITY;

  constructor(readonly index: number, private readonly host: TileHost, now: number) {
    this.regionBase = host.dramBase;
    this.regionLimit = host.dramEnd;
    this.lastUpdate = now;
  }

  get busy(): boolean {
    return this.prog !== undefined;
  }

  /** The segment the tile is working through, if any. */
  get segment(): Segment | undefined {
    return this.op?.cost.segments[this.op.seg];
  }

  get stalled(): boolean {
    const s = this.segment;
    return s !== undefined && this.throttle.inBubble && s.dramRead + s.l2Read > 0;
  }

  /** DOORBELL: queue the program at CMD_ADDR/CMD_LEN. */
  doorbell(now: number): void {
    if (this.queue.length >= COMMAND_QUEUE_DEPTH) {
      this.faultAddr = this.cmdAddr;
      this.faulted = true;
      this.host.emit({ kind: 'fault', tile: this.index, cycle: now, address: this.cmdAddr, code: FAULT_QUEUE_FULL });
      return;
    }
    this.faulted = false;
    this.queue.push({ addr: this.cmdAddr, len: this.cmdLen });
    if (!this.busy) this.step(now);
  }

  writeThrottle(value: number): void {
    this.throttleReg = value >>> 0;
    this.throttle.configure(this.throttleReg >>> 16, this.throttleReg & 0xffff);
  }

  /** Moves the tile's state from lastUpdate to `now` at its current rates. */
  progress(now: number): void {
    const dt = now - this.lastUpdate;
    if (dt <= 0) return;
    if (this.busy) {
      this.perfBusy += dt;
      if (this.stalled) this.perfStall += dt;
      this.throttle.advance(dt, this.readRate);
    }
    this.remaining -= this.rate * dt;
    this.lastUpdate = now;
  }

  /** Cycle of this tile's next event at its current rates. */
  nextEvent(): number {
    if (!this.busy) return Number.POSITIVE_INFINITY;
    return Math.min(this.endAt, this.lastUpdate + this.throttle.untilNextChange(this.readRate));
  }

  /** Called at the tile's event time: finishes the segment if it is due, then runs on. */
  handle(now: number): void {
    if (this.op !== undefined && now >= this.endAt) {
      this.remaining = 0;
      this.step(now);
    }
  }

  /** Runs the interpreter at `now` until the tile is inside a non-empty segment or idle. */
  private step(now: number): void {
    for (;;) {
      if (this.op !== undefined) {
        if (this.remaining > 0) return;
        this.op.seg++;
        const next = this.op.cost.segments[this.op.seg];
        if (next !== undefined) {
          this.remaining = 1;
          if (!isEmpty(next)) return;
          this.remaining = 0;
          continue;
        }
        this.finishOp();
        continue;
      }
      if (this.prog === undefined) {
        const cmd = this.queue.shift();
        if (cmd === undefined) return;
        this.startProgram(cmd.addr, cmd.len, now);
        continue;
      }
      this.execute(now);
    }
  }

  private begin(ins: Instruction | undefined, cost: OpCost): void {
    this.op = { ins, cost, seg: -1 };
    this.remaining = 0;
  }

  private startProgram(addr: number, len: number, now: number): void {
    const bad = firstOutside({ addr, rows: 1, rowBytes: len, stride: len }, this.lowBound(), this.highBound());
    if (bad !== undefined) {
      this.fault(now, bad, FAULT_DMA_OUT_OF_REGION);
      return;
    }
    const bytes = this.host.mem.read(addr, len);
    this.prog = { addr, bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.length), pc: 0 };
    this.begin(undefined, fetchCost(this.host.cost, len));
  }

  private lowBound(): number {
    return Math.max(this.regionBase, this.host.dramBase);
  }

  private highBound(): number {
    return Math.min(this.regionLimit, this.host.dramEnd);
  }

  /** Decodes and issues the next instruction of the running program. */
  private execute(now: number): void {
    const prog = this.prog!;
    if (prog.pc >= prog.bytes.length) {
      this.finishProgram(now);
      return;
    }
    const at = prog.addr + prog.pc;
    const ins = decodeAt(prog.view, prog.pc);
    if (ins === undefined) {
      this.fault(now, at, FAULT_ILLEGAL_INSTRUCTION);
      return;
    }
    prog.pc += WORD_BYTES;
    if (applyConfig(this.cfg, ins)) return;
    switch (ins.op) {
      case 'FENCE':
        return; // ops run in order, so every queue is already drained here
      case 'GRANULE_END':
        this.granules++;
        this.lastTag = ins.b;
        this.host.emit({ kind: 'granule', tile: this.index, cycle: now, tag: ins.b });
        return;
      case 'END':
        this.finishProgram(now);
        return;
      default:
        this.issue(ins, at, now);
    }
  }

  private issue(ins: Instruction, at: number, now: number): void {
    const h = this.host;
    if (configProblem(ins, this.cfg) !== undefined) return this.fault(now, at, FAULT_ILLEGAL_INSTRUCTION);
    if (!tilesFit(ins, this.cfg, h.scratchpadBytes, h.accumulatorBytes)) return this.fault(now, at, FAULT_SCRATCHPAD_RANGE);
    const local = localRangeProblem(ins, h.dim, h.scratchpadBytes / h.dim, h.accumulatorBytes / (4 * h.dim), this.preloadAccRow);
    if (local !== undefined) return this.fault(now, at, local.code === 'range' ? FAULT_SCRATCHPAD_RANGE : FAULT_ILLEGAL_INSTRUCTION);
    const { reads, writes } = accessesOf(ins, this.cfg);
    const lo = this.lowBound();
    const hi = this.highBound();
    for (const list of [reads, writes]) {
      for (const a of list) {
        const bad = firstOutside(a, lo, hi);
        if (bad !== undefined) return this.fault(now, bad, FAULT_DMA_OUT_OF_REGION);
      }
    }
    if (ins.op === 'PRELOAD') this.preloadAccRow = ins.c;
    const cost = opCost(h.cost, ins, this.cfg);
    if (cost === undefined) return this.fault(now, at, FAULT_ILLEGAL_INSTRUCTION);
    this.begin(ins, cost);
  }

  /** Credits the op's counters and, in functional mode, performs its arithmetic. */
  private finishOp(): void {
    const { ins, cost } = this.op!;
    this.op = undefined;
    this.rdBeats += beats(cost.dramRead + cost.l2Read);
    this.wrBeats += beats(cost.write);
    this.macs += cost.macs;
    this.host.countDram(cost.dramRead, cost.write);
    if (ins === undefined || !this.host.functional()) return;
    const mem = this.host.mem;
    switch (ins.op) {
      case 'LOOP_MATMUL': return runMatmul(mem, ins, this.cfg);
      case 'LOOP_CONV': return runConv(mem, ins, this.cfg);
      case 'LOOP_RESADD': return runResadd(mem, this.cfg);
      case 'LOOP_POOL': return runPool(mem, ins, this.cfg);
      case 'LOOP_VEC': return runVec(mem, this.cfg);
      default: {
        const h = this.host;
        this.local ??= new LocalState(h.dim, h.scratchpadBytes / h.dim, h.accumulatorBytes / (4 * h.dim));
        this.local.run(mem, ins, this.cfg);
      }
    }
  }

  private finishProgram(now: number): void {
    this.prog = undefined;
    this.host.emit({ kind: 'done', tile: this.index, cycle: now, tag: this.lastTag });
  }

  /** Stops the program: nothing of the faulting op was read or written. The tile then
   *  moves on to its next queued program, if any. */
  private fault(now: number, address: number, code: number): void {
    this.prog = undefined;
    this.op = undefined;
    this.remaining = 0;
    this.faultAddr = address >>> 0;
    this.faulted = true;
    this.host.emit({ kind: 'fault', tile: this.index, cycle: now, address, code });
  }
}
