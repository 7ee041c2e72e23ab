// One tile: its registers, command queue, configuration, and the interpreter that issues
// its program into three decoupled queues — load (MVIN), execute (PRELOAD, COMPUTE) and
// store (MVOUT) — as timed jobs (job.ts, costs.ts). The program fetch and loop macro-ops
// own the whole tile (their steps already overlap load, compute and store internally).
// The board (board.ts) owns time: its solver sets each job's rate, progress() moves the
// tile forward, and handle() is called at the tile's next event time. A tile never looks
// at another tile.
import type { BoardEvent } from '../events.ts';
import {
  FAULT_DMA_OUT_OF_REGION,
  FAULT_ILLEGAL_INSTRUCTION,
  FAULT_QUEUE_FULL,
  FAULT_SCRATCHPAD_RANGE,
} from '../events.ts';
import { WORD_BYTES, inUnit, type Instruction, type OpsOf } from '../isa/index.ts';
import { NEXT_SET_REGION, NEXT_SET_THROTTLE } from '../registers.ts';
import { unreachable } from '../unreachable.ts';
import { affineReads } from './affine.ts';
import { applyConfig, resetConfig, type TileConfig } from './config.ts';
import { beats, fetchCost, opCost, type CostContext, type OpCost } from './costs.ts';
import { decodeAt } from './decode.ts';
import { accessesOf, configProblem, firstOutside, tilesFit } from './footprint.ts';
import { runConv, runMatmul, runPool, runResadd, runVec } from './functional.ts';
import { EXEC_QUEUE, Job, LOAD_QUEUE, STORE_QUEUE, conflicts, footprintOf, type QueueIndex } from './job.ts';
import { LocalState, localRangeProblem } from './local-state.ts';
import { isEmpty } from './segment.ts';
import type { SparseMemory } from './sparse-memory.ts';
import { ThrottleEngine } from './throttle.ts';

export const COMMAND_QUEUE_DEPTH = 8;
/** Fine-grained ops that may wait in each of the load / execute / store queues. */
export const OP_QUEUE_DEPTH = 8;

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

/** A staged next program: what NEXT_CTRL captured from the NEXT_* registers. */
export interface StagedEntry {
  readonly addr: number;
  readonly len: number;
  readonly regionBase: number;
  readonly regionLimit: number;
  readonly throttle: number;
  readonly id: number;
  /** NEXT_SET_THROTTLE / NEXT_SET_REGION bits as accepted (throttle only with the capability). */
  readonly ctrl: number;
  /** NEXT_GROUP: the other tiles of its barrier group (0: this tile alone). The
   *  board starts group entries (EmulatedBoard.startGroups), never the tile. */
  readonly group: number;
}

interface Program {
  readonly addr: number;
  readonly view: DataView;
  pc: number;
}

const FINE_QUEUE: Record<OpsOf<'fine'>, QueueIndex> = {
  MVIN: LOAD_QUEUE,
  PRELOAD: EXEC_QUEUE,
  COMPUTE: EXEC_QUEUE,
  MVOUT: STORE_QUEUE,
};

export class Tile {
  // Registers.
  cmdAddr = 0;
  cmdLen = 0;
  throttleReg = 0;
  /** TRAFFIC_GEN register; the solver turns it into a DRAM stream of the tile's port. */
  trafficGen = 0;
  creditReg = 0xffffffff;
  /** THROTTLE_CTRL register (bit 0: the engine counts stores too). */
  throttleCtrl = 0;
  /** Beats per cycle a throttled traffic generator issues now (set by the solver). */
  genRate = 0;

  get countStores(): boolean {
    return (this.throttleCtrl & 1) === 1;
  }

  /** A traffic generator routed through this tile's throttle engine is on. */
  get throttledGen(): boolean {
    return this.trafficGen !== 0 && (this.trafficGen & 0x10000) !== 0;
  }
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

  // Staged-next-program registers (NEXT_*): the shadow the host writes, the staged entry.
  nextAddr = 0;
  nextLen = 0;
  nextRegionBase = 0;
  nextRegionLimit = 0;
  nextThrottle = 0;
  nextId = 0;
  nextGroup = 0;
  staged: StagedEntry | undefined;
  startedId = 0;

  readonly throttle = new ThrottleEngine();
  readonly queue: { addr: number; len: number }[] = [];
  cfg: TileConfig = resetConfig();
  /** Jobs running now, one per queue slot (exclusive jobs use the execute slot). */
  readonly running: (Job | undefined)[] = [undefined, undefined, undefined];
  private readonly waiting: Job[][] = [[], [], []];
  /** An exclusive job issued but waiting for the queues to drain. */
  private exclusive: Job | undefined;
  private preloadAccRow = 0;
  /** Cycle at which the load queue last finished a job with the DMA still streaming
   *  (−1 after a fence): a ready load starting then pipelines behind it. */
  private loadStreamingAt = -1;
  private local: LocalState | undefined;
  private prog: Program | undefined;
  /** Read beats per cycle the DMA issues now (sum over running jobs; set by the solver). */
  readRate = 0;
  lastUpdate: number;

  constructor(
    readonly index: number,
    private readonly host: TileHost,
    now: number,
  ) {
    this.regionBase = host.dramBase;
    this.regionLimit = host.dramEnd;
    this.nextRegionBase = host.dramBase;
    this.nextRegionLimit = host.dramEnd;
    this.lastUpdate = now;
  }

  get busy(): boolean {
    return this.prog !== undefined;
  }

  /** In a throttle bubble while some running job needs reads: cycles lost to throttling. */
  get stalled(): boolean {
    if (!this.throttle.inBubble) return false;
    for (let q = 0; q < 3; q++) {
      const s = this.running[q]?.segment;
      if (s !== undefined && s.dramRead + s.l2Read > 0) return true;
    }
    return false;
  }

  /** DOORBELL: queue the program at CMD_ADDR/CMD_LEN. */
  doorbell(now: number): void {
    if (this.queue.length >= COMMAND_QUEUE_DEPTH) {
      this.faultAddr = this.cmdAddr;
      this.faulted = true;
      this.host.emit({
        kind: 'fault',
        tile: this.index,
        cycle: now,
        address: this.cmdAddr,
        code: FAULT_QUEUE_FULL,
      });
      return;
    }
    this.faulted = false;
    this.queue.push({ addr: this.cmdAddr, len: this.cmdLen });
    if (!this.busy) this.pump(now);
  }

  /** NEXT_CTRL write with NEXT_STAGE: `entry` replaces any staged one (unless `onlyIfStaged`
   *  and none is staged). A tile that is idle with nothing queued starts it at once. */
  stage(entry: StagedEntry, onlyIfStaged: boolean, now: number): void {
    if (onlyIfStaged && this.staged === undefined) return;
    this.staged = entry;
    if (entry.group === 0 && this.idle) this.pump(now);
  }

  /** No program running or queued (a staged entry may wait). */
  get idle(): boolean {
    return !this.busy && this.queue.length === 0;
  }

  /** Starts the staged entry of a barrier group now (the board found the group idle). */
  startGroupEntry(now: number): void {
    const e = this.staged;
    if (e === undefined || !this.idle) return;
    this.startStaged(e, now);
    this.pump(now);
  }

  /** NEXT_CTRL write without NEXT_STAGE. */
  cancelStaged(): void {
    this.staged = undefined;
  }

  /** Starts the staged entry (the tile would otherwise go idle): its region and throttle
   *  first, as the host would have written them, then the program. */
  private startStaged(e: StagedEntry, now: number): void {
    this.staged = undefined;
    this.startedId = e.id;
    if ((e.ctrl & NEXT_SET_REGION) !== 0) {
      this.regionBase = e.regionBase;
      this.regionLimit = e.regionLimit;
    }
    if ((e.ctrl & NEXT_SET_THROTTLE) !== 0) this.writeThrottle(e.throttle);
    this.startProgram(e.addr, e.len, now);
  }

  writeThrottle(value: number): void {
    this.throttleReg = value >>> 0;
    this.throttle.configure(this.throttleReg >>> 16, this.throttleReg & 0xffff);
  }

  writeCredit(value: number): void {
    this.creditReg = value >>> 0;
    this.throttle.setCreditCap(this.creditReg === 0xffffffff ? Number.POSITIVE_INFINITY : this.creditReg);
  }

  /** Moves the tile's state from lastUpdate to `now` at its current rates. */
  progress(now: number): void {
    const dt = now - this.lastUpdate;
    if (dt <= 0) return;
    if (this.busy) {
      this.perfBusy += dt;
      if (this.stalled) this.perfStall += dt;
      this.throttle.advance(dt, this.readRate + this.genRate);
      for (let q = 0; q < 3; q++) {
        const j = this.running[q];
        if (j !== undefined) j.remaining -= j.rate * dt;
      }
    } else if (this.throttledGen) this.throttle.advance(dt, this.genRate);
    this.lastUpdate = now;
  }

  /** Cycle of this tile's next event at its current rates. */
  nextEvent(): number {
    if (!this.busy)
      return this.throttledGen
        ? this.lastUpdate + this.throttle.untilNextChange(this.genRate)
        : Number.POSITIVE_INFINITY;
    let next = this.lastUpdate + this.throttle.untilNextChange(this.readRate + this.genRate);
    for (let q = 0; q < 3; q++) {
      const j = this.running[q];
      if (j !== undefined && j.endAt < next) next = j.endAt;
    }
    return next;
  }

  /** Called at the tile's event time: ends the segments that are due, then runs on. */
  handle(now: number): void {
    let due = false;
    for (let q = 0; q < 3; q++) {
      const j = this.running[q];
      if (j !== undefined && now >= j.endAt) {
        j.remaining = 0;
        due = true;
      }
    }
    if (due) this.pump(now);
  }

  /** Runs the tile at `now` until nothing more can start or issue without time passing. */
  private pump(now: number): void {
    for (let changed = true; changed;) {
      changed = this.advanceJobs(now);
      changed = this.startJobs(now) || changed;
      if (this.prog === undefined) {
        const cmd = this.queue.shift();
        if (cmd !== undefined) {
          this.startProgram(cmd.addr, cmd.len, now);
          changed = true;
        } else if (this.staged !== undefined && this.staged.group === 0) {
          this.startStaged(this.staged, now);
          changed = true;
        }
      } else if (this.exclusive === undefined && this.running[EXEC_QUEUE]?.exclusive !== true) {
        // Nothing issues behind the fetch or a loop: their configuration must not change
        // under them, and fine ops would share the scratchpad with them.
        changed = this.issue(now) || changed;
      }
    }
  }

  /** Moves finished segments on; completes jobs whose last segment ended. */
  private advanceJobs(now: number): boolean {
    let changed = false;
    for (let q = 0; q < 3; q++) {
      const j = this.running[q];
      if (j === undefined) continue;
      while (j.remaining <= 0) {
        changed = true;
        j.seg++;
        const s = j.cost.segments[j.seg];
        if (s === undefined) {
          this.complete(j);
          this.running[q] = undefined;
          if (q === LOAD_QUEUE) this.loadStreamingAt = now;
          break;
        }
        j.remaining = isEmpty(s) ? 0 : 1;
        j.endAt = Number.POSITIVE_INFINITY;
      }
    }
    return changed;
  }

  private startJobs(now: number): boolean {
    let changed = false;
    const ex = this.exclusive;
    if (ex !== undefined) {
      if (this.idleQueues()) {
        this.exclusive = undefined;
        this.running[EXEC_QUEUE] = ex;
        changed = true;
      }
      return changed;
    }
    for (let q = 0; q < 3; q++) {
      const head = this.waiting[q]![0];
      if (this.running[q] === undefined && head !== undefined && head.ready) {
        this.waiting[q]!.shift();
        this.running[q] = head;
        if (q === LOAD_QUEUE && head.cost.leadLatency && this.loadStreamingAt === now) head.seg = 0; // skip the latency wait
        changed = true;
      }
    }
    return changed;
  }

  private idleQueues(): boolean {
    for (let q = 0; q < 3; q++)
      if (this.running[q] !== undefined || this.waiting[q]!.length > 0) return false;
    return true;
  }

  private startProgram(addr: number, len: number, now: number): void {
    const bad = firstOutside(
      { addr, rows: 1, rowBytes: len, stride: len },
      this.lowBound(),
      this.highBound(),
    );
    if (bad !== undefined) {
      this.fault(now, bad, FAULT_DMA_OUT_OF_REGION);
      return;
    }
    const bytes = this.host.mem.read(addr, len);
    this.prog = { addr, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.length), pc: 0 };
    this.exclusive = new Job(
      undefined,
      fetchCost(this.host.cost, len),
      EXEC_QUEUE,
      true,
      [],
      undefined,
      this.cfg,
    );
  }

  private lowBound(): number {
    return Math.max(this.regionBase, this.host.dramBase);
  }

  private highBound(): number {
    return Math.min(this.regionLimit, this.host.dramEnd);
  }

  /** Decodes and issues the next instruction; false when it has to wait for the queues. */
  private issue(now: number): boolean {
    const prog = this.prog!;
    if (prog.pc >= prog.view.byteLength) return this.idleQueues() && this.finishProgram(now); // running off the end = END
    const at = prog.addr + prog.pc;
    const ins = decodeAt(prog.view, prog.pc);
    if (ins === undefined) {
      this.fault(now, at, FAULT_ILLEGAL_INSTRUCTION);
      return true;
    }
    if (inUnit(ins, 'config')) {
      applyConfig(this.cfg, ins);
      prog.pc += WORD_BYTES;
      return true;
    }
    const fine = inUnit(ins, 'fine') ? FINE_QUEUE[ins.op] : undefined;
    if (fine !== undefined) {
      if (this.waiting[fine]!.length >= OP_QUEUE_DEPTH) return false;
    } else if (!this.idleQueues()) {
      return false; // FENCE, GRANULE_END, END and loops wait for every queue to drain
    } else {
      this.loadStreamingAt = -1; // drained: the next load starts a new stream
    }
    prog.pc += WORD_BYTES;
    switch (ins.op) {
      case 'FENCE':
        return true;
      case 'GRANULE_END':
        this.granules++;
        this.lastTag = ins.tag;
        this.host.emit({ kind: 'granule', tile: this.index, cycle: now, tag: ins.tag });
        return true;
      case 'END':
        return this.finishProgram(now);
      case 'LOOP_MATMUL':
      case 'LOOP_CONV':
      case 'LOOP_RESADD':
      case 'LOOP_POOL':
      case 'LOOP_VEC':
      case 'MVIN':
      case 'MVOUT':
      case 'PRELOAD':
      case 'COMPUTE':
        this.issueOp(ins, at, now, fine);
        return true;
      default:
        return unreachable(ins, 'opcode');
    }
  }

  private issueOp(ins: Instruction, at: number, now: number, fine: QueueIndex | undefined): void {
    const h = this.host;
    if (configProblem(ins, this.cfg) !== undefined) return this.fault(now, at, FAULT_ILLEGAL_INSTRUCTION);
    if (!tilesFit(ins, this.cfg, h.scratchpadBytes, h.accumulatorBytes))
      return this.fault(now, at, FAULT_SCRATCHPAD_RANGE);
    const local = localRangeProblem(
      ins,
      h.dim,
      h.scratchpadBytes / h.dim,
      h.accumulatorBytes / (4 * h.dim),
      this.preloadAccRow,
    );
    if (local !== undefined)
      return this.fault(now, at, local.code === 'range' ? FAULT_SCRATCHPAD_RANGE : FAULT_ILLEGAL_INSTRUCTION);
    const acc = accessesOf(ins, this.cfg);
    const scaleTable = affineReads(ins, this.cfg);
    const reads = scaleTable === undefined ? acc.reads : [...acc.reads, scaleTable];
    const writes = acc.writes;
    const lo = this.lowBound();
    const hi = this.highBound();
    for (const list of [reads, writes]) {
      for (const a of list) {
        const bad = firstOutside(a, lo, hi);
        if (bad !== undefined) return this.fault(now, bad, FAULT_DMA_OUT_OF_REGION);
      }
    }
    const cost = opCost(h.cost, ins, this.cfg);
    if (cost === undefined) return this.fault(now, at, FAULT_ILLEGAL_INSTRUCTION);
    if (fine === undefined || !inUnit(ins, 'fine')) {
      this.exclusive = new Job(ins, cost, EXEC_QUEUE, true, [], undefined, this.cfg);
      return;
    }
    const fp = footprintOf(ins, h.dim, this.preloadAccRow);
    if (ins.op === 'PRELOAD') this.preloadAccRow = ins.accRow;
    const deps: Job[] = [];
    for (let q = 0; q < 3; q++) {
      if (q === fine) continue; // same queue: in order anyway
      const r = this.running[q];
      if (r?.footprint !== undefined && conflicts(r.footprint, fp)) deps.push(r);
      for (const w of this.waiting[q]!)
        if (w.footprint !== undefined && conflicts(w.footprint, fp)) deps.push(w);
    }
    this.waiting[fine]!.push(new Job(ins, cost, fine, false, deps, fp, { ...this.cfg }));
  }

  /** Credits the job's counters and, in functional mode, performs its arithmetic. */
  private complete(job: Job): void {
    job.done = true;
    const cost: OpCost = job.cost;
    this.rdBeats += beats(cost.dramRead + cost.l2Read);
    this.wrBeats += beats(cost.write);
    this.macs += cost.macs;
    this.host.countDram(cost.dramRead, cost.write);
    const ins = job.ins;
    if (ins === undefined || !this.host.functional()) return;
    const mem = this.host.mem;
    const cfg = job.cfg;
    switch (ins.op) {
      case 'LOOP_MATMUL':
        return runMatmul(mem, ins, cfg);
      case 'LOOP_CONV':
        return runConv(mem, ins, cfg);
      case 'LOOP_RESADD':
        return runResadd(mem, cfg);
      case 'LOOP_POOL':
        return runPool(mem, ins, cfg);
      case 'LOOP_VEC':
        return runVec(mem, cfg);
      case 'MVIN':
      case 'MVOUT':
      case 'PRELOAD':
      case 'COMPUTE': {
        const h = this.host;
        this.local ??= new LocalState(h.dim, h.scratchpadBytes / h.dim, h.accumulatorBytes / (4 * h.dim));
        this.local.run(mem, ins, cfg);
        return;
      }
      case 'CFG_GEMM':
      case 'CFG_TILE':
      case 'CFG_ADDR_IN':
      case 'CFG_ADDR_OUT':
      case 'CFG_STRIDE':
      case 'CFG_QUANT':
      case 'CFG_CONV_IN':
      case 'CFG_CONV_OUT':
      case 'CFG_CONV_KERNEL':
      case 'CFG_POOL':
      case 'CFG_LOAD':
      case 'CFG_STORE':
      case 'CFG_QPARAM':
      case 'FENCE':
      case 'GRANULE_END':
      case 'END':
        return; // applied or handled at issue; never a job
      default:
        return unreachable(ins, 'opcode');
    }
  }

  private finishProgram(now: number): boolean {
    this.prog = undefined;
    this.host.emit({ kind: 'done', tile: this.index, cycle: now, tag: this.lastTag });
    return true;
  }

  /** Stops the program: the faulting op and every op still queued or in flight behind or
   *  beside it are dropped, so nothing of them is read or written. The tile then moves on
   *  to its next queued program, if any. */
  private fault(now: number, address: number, code: number): void {
    this.prog = undefined;
    this.exclusive = undefined;
    for (let q = 0; q < 3; q++) {
      this.running[q] = undefined;
      this.waiting[q] = [];
    }
    this.faultAddr = address >>> 0;
    this.faulted = true;
    // a staged successor of a failed program must not start unseen: the host re-stages
    this.staged = undefined;
    this.host.emit({ kind: 'fault', tile: this.index, cycle: now, address, code });
  }
}
