// The emulated board: register bus, DRAM and flash staging windows, the tiles, and the
// event loop. Time is the cycle counter and moves only inside advance() (and while a
// flash command keeps the controller busy). Between events every tile progresses at a
// constant rate, so the loop jumps from event to event: segment ends, throttle bubble
// starts/ends — never cycle by cycle.
import type { AdvanceResult, BoardEvent, BoardInfo } from '../events.ts';
import {
  CAPS_FLASH,
  CAPS_FUNCTIONAL,
  CAPS_STAGED,
  CAPS_THROTTLE,
  CAPS_THROTTLE_CREDIT,
  CAPS_TRAFFIC_GEN,
  GLOBAL_REGISTERS as G,
  NEXT_ONLY_IF_STAGED,
  NEXT_SET_REGION,
  NEXT_SET_THROTTLE,
  NEXT_STAGE,
  encodeBoardId,
  encodeFwVersion,
  STATUS_BUSY,
  STATUS_FAULT,
  STATUS_THROTTLED,
  TILE_BLOCK_BASE,
  TILE_BLOCK_STRIDE,
  TILE_REGISTERS as T,
} from '../registers.ts';
import type { BoardDefinition } from '../types.ts';
import {
  DEFAULT_MANIFEST,
  type BootResult,
  type EmulatedBoard,
  type ExecutionMode,
  type FlashPeripheral,
  type FirmwareManifest,
} from './api.ts';
import type { CostContext } from './costs.ts';
import { RateSolver } from './rates.ts';
import { SparseMemory } from './sparse-memory.ts';
import { Tile, type TileHost } from './tile.ts';

const FLASH_REG_FIRST = 0x100;
const FLASH_REG_LAST = 0x1ff;
const TWO_32 = 2 ** 32;
const KIND_RANK: Record<BoardEvent['kind'], number> = { granule: 0, done: 1, fault: 2, log: 3 };

export interface BoardOptions {
  readonly mode?: ExecutionMode;
  readonly flash?: FlashPeripheral;
}

function lo32(v: number): number {
  return (v % TWO_32) >>> 0;
}

function hi32(v: number): number {
  return Math.floor(v / TWO_32) >>> 0;
}

export class NpuBoard implements EmulatedBoard {
  readonly dram: SparseMemory;
  /** The flash staging window, allocated on first use (1 MiB a board rarely needs). */
  private stagingBytes: Uint8Array | undefined;
  private now = 0;
  private tiles: Tile[] = [];
  private pending: BoardEvent[] = [];
  private mode: ExecutionMode;
  private scratch = 0;
  private dramRd = 0;
  private dramWr = 0;
  private readonly latched = new Map<number, number>();
  private boot: BootResult = { status: 0, slot: 'A', trial: false, manifest: DEFAULT_MANIFEST };
  private readonly solver: RateSolver;
  private readonly host: TileHost;

  constructor(
    readonly def: BoardDefinition,
    private readonly opts: BoardOptions = {},
  ) {
    this.mode = opts.mode ?? 'timing';
    this.dram = new SparseMemory(def.dram.base, def.dram.bytes);
    this.solver = new RateSolver(def);
    const enabledTiles = () => this.tiles.length;
    const cost: CostContext = {
      dim: def.dim,
      scratchpadBytes: def.scratchpadBytes,
      accumulatorBytes: def.accumulatorBytes,
      requestBytes: def.dmaRequestBytes,
      dramLatency: def.dramLatencyCycles,
      l2Latency: def.l2HitLatencyCycles,
      get l2Share() {
        return def.l2Bytes / Math.max(1, enabledTiles());
      },
    };
    this.host = {
      mem: this.dram,
      cost,
      dim: def.dim,
      scratchpadBytes: def.scratchpadBytes,
      accumulatorBytes: def.accumulatorBytes,
      dramBase: def.dram.base,
      dramEnd: def.dram.base + def.dram.bytes,
      functional: () => this.mode === 'functional',
      emit: (e) => this.pending.push(e),
      countDram: (r, w) => {
        this.dramRd += r;
        this.dramWr += w;
      },
    };
    this.powerOn();
  }

  get staging(): Uint8Array {
    this.stagingBytes ??= new Uint8Array(this.def.flashStaging.bytes);
    return this.stagingBytes;
  }

  get cycle(): number {
    return this.now;
  }

  get manifest(): FirmwareManifest | undefined {
    return this.boot.manifest;
  }

  info(): BoardInfo {
    const m = this.boot.manifest;
    const v = m?.version;
    return {
      boardId: this.def.boardIdCode,
      firmwareVersion: v === undefined ? '0.0.0+0' : `${v.major}.${v.minor}.${v.patch}+${v.build}`,
      tiles: this.tiles.length,
      capabilities: {
        throttle: this.throttleCap(),
        functional: m?.functional ?? false,
        flash: this.opts.flash !== undefined,
        lockstep: true,
      },
      bootSlot: this.boot.slot,
      trial: this.trial(),
      trustedKeyIds: this.opts.flash?.trustedKeyIds() ?? [],
    };
  }

  /** Trial state of the running image; a CONFIRM can end it without a reboot. */
  private trial(): boolean {
    return this.opts.flash?.trialNow?.() ?? this.boot.trial;
  }

  private throttleCap(): boolean {
    return this.def.throttleEngine && (this.boot.manifest?.throttle ?? false);
  }

  private powerOn(): void {
    this.boot = this.opts.flash?.boot() ?? { status: 0, slot: 'A', trial: false, manifest: DEFAULT_MANIFEST };
    const enabled = Math.min(this.def.tiles, this.boot.manifest?.tiles ?? 0);
    this.tiles = Array.from({ length: enabled }, (_, i) => new Tile(i, this.host, this.now));
    this.pending = [];
    this.mode = this.opts.mode ?? 'timing';
    if (this.mode === 'functional' && !(this.boot.manifest?.functional ?? false)) this.mode = 'timing';
    this.scratch = 0;
    this.dramRd = 0;
    this.dramWr = 0;
    this.latched.clear();
  }

  reset(): void {
    this.powerOn();
  }

  // ---- registers -------------------------------------------------------------------

  readRegister(address: number): number {
    checkAligned(address);
    if (address >= TILE_BLOCK_BASE) return this.readTileRegister(address);
    if (address >= FLASH_REG_FIRST && address <= FLASH_REG_LAST)
      return this.opts.flash?.readRegister(address) ?? 0;
    const m = this.boot.manifest;
    switch (address) {
      case G.BOARD_ID:
        return encodeBoardId(this.def.boardIdCode);
      case G.FW_VERSION:
        return m === undefined ? 0 : encodeFwVersion(m.version);
      case G.CAPS:
        return (
          (this.throttleCap() ? CAPS_THROTTLE | CAPS_THROTTLE_CREDIT : 0) |
          CAPS_TRAFFIC_GEN |
          CAPS_STAGED |
          (m?.functional ? CAPS_FUNCTIONAL : 0) |
          (this.opts.flash ? CAPS_FLASH : 0)
        );
      case G.TILE_COUNT:
        return this.tiles.length;
      case G.CYCLE_LO:
        return this.latch(G.CYCLE_HI, this.now);
      case G.SCRATCH:
        return this.scratch;
      case G.MODE:
        return this.mode === 'functional' ? 1 : 0;
      case G.DRAM_RD_LO:
        return this.latch(G.DRAM_RD_HI, this.dramRd);
      case G.DRAM_WR_LO:
        return this.latch(G.DRAM_WR_HI, this.dramWr);
      case G.CYCLE_HI:
        return this.latched.get(address) ?? hi32(this.now);
      case G.DRAM_RD_HI:
        return this.latched.get(address) ?? hi32(this.dramRd);
      case G.DRAM_WR_HI:
        return this.latched.get(address) ?? hi32(this.dramWr);
      case G.BOOT_STATUS:
        return this.boot.status >>> 0;
      case G.BOOT_SLOT:
        return (this.boot.slot === 'B' ? 1 : 0) | (this.trial() ? 0x100 : 0);
      default:
        return 0;
    }
  }

  /** Returns the low half of `value` and latches its high half for the _HI register. */
  private latch(hiAddress: number, value: number): number {
    this.latched.set(hiAddress, hi32(value));
    return lo32(value);
  }

  private tileAt(address: number): { tile: Tile; offset: number } | undefined {
    const index = Math.floor((address - TILE_BLOCK_BASE) / TILE_BLOCK_STRIDE);
    const tile = this.tiles[index];
    return tile === undefined ? undefined : { tile, offset: (address - TILE_BLOCK_BASE) % TILE_BLOCK_STRIDE };
  }

  private readTileRegister(address: number): number {
    const at = this.tileAt(address);
    if (at === undefined) return 0;
    const { tile: t, offset } = at;
    switch (offset) {
      case T.CMD_ADDR:
        return t.cmdAddr;
      case T.CMD_LEN:
        return t.cmdLen;
      case T.STATUS:
        return (
          (t.busy || t.queue.length > 0 ? STATUS_BUSY : 0) |
          (t.faulted ? STATUS_FAULT : 0) |
          (t.throttle.inBubble ? STATUS_THROTTLED : 0)
        );
      case T.THROTTLE:
        return t.throttleReg;
      case T.TRAFFIC_GEN:
        return t.trafficGen;
      case T.THROTTLE_CTRL:
        return this.throttleCap() ? t.throttleCtrl : 0;
      case T.THROTTLE_CREDIT:
        return this.throttleCap() ? t.creditReg : 0;
      case T.REGION_BASE:
        return t.regionBase;
      case T.REGION_LIMIT:
        return t.regionLimit;
      case T.FAULT_ADDR:
        return t.faultAddr;
      case T.PERF_BUSY_LO:
        return this.latch(address + 4, t.perfBusy);
      case T.PERF_STALL_LO:
        return this.latch(address + 4, t.perfStall);
      case T.PERF_RD_BEATS_LO:
        return this.latch(address + 4, t.rdBeats);
      case T.PERF_WR_BEATS_LO:
        return this.latch(address + 4, t.wrBeats);
      case T.PERF_MACS_LO:
        return this.latch(address + 4, t.macs);
      case T.PERF_BUSY_HI:
        return this.latched.get(address) ?? hi32(t.perfBusy);
      case T.PERF_STALL_HI:
        return this.latched.get(address) ?? hi32(t.perfStall);
      case T.PERF_RD_BEATS_HI:
        return this.latched.get(address) ?? hi32(t.rdBeats);
      case T.PERF_WR_BEATS_HI:
        return this.latched.get(address) ?? hi32(t.wrBeats);
      case T.PERF_MACS_HI:
        return this.latched.get(address) ?? hi32(t.macs);
      case T.GRANULES:
        return t.granules >>> 0;
      case T.LAST_TAG:
        return t.lastTag >>> 0;
      case T.NEXT_ADDR:
        return t.nextAddr;
      case T.NEXT_LEN:
        return t.nextLen;
      case T.NEXT_REGION_BASE:
        return t.nextRegionBase;
      case T.NEXT_REGION_LIMIT:
        return t.nextRegionLimit;
      case T.NEXT_THROTTLE:
        return t.nextThrottle;
      case T.NEXT_ID:
        return t.staged?.id ?? 0;
      case T.NEXT_CTRL:
        return t.staged === undefined ? 0 : NEXT_STAGE | t.staged.ctrl;
      case T.STARTED_ID:
        return t.startedId;
      case T.NEXT_GROUP:
        return t.nextGroup;
      default:
        return 0;
    }
  }

  writeRegister(address: number, value: number): void {
    checkAligned(address);
    const v = value >>> 0;
    if (address >= TILE_BLOCK_BASE) {
      this.writeTileRegister(address, v);
      return;
    }
    if (address >= FLASH_REG_FIRST && address <= FLASH_REG_LAST) {
      const flash = this.opts.flash;
      if (flash === undefined) return;
      flash.writeRegister(address, v, this.staging);
      if (flash.busyCycles > 0) this.run(this.now + flash.busyCycles, false);
      return;
    }
    if (address === G.SCRATCH) this.scratch = v;
    else if (address === G.MODE)
      this.mode = (v & 1) === 1 && (this.boot.manifest?.functional ?? false) ? 'functional' : 'timing';
  }

  private writeTileRegister(address: number, v: number): void {
    const at = this.tileAt(address);
    if (at === undefined) return; // tiles the firmware did not enable ignore writes
    const { tile: t, offset } = at;
    switch (offset) {
      case T.CMD_ADDR:
        t.cmdAddr = v;
        return;
      case T.CMD_LEN:
        t.cmdLen = v;
        return;
      case T.DOORBELL:
        if ((v & 1) === 0) return;
        t.doorbell(this.now);
        this.solver.solve(this.tiles, this.now);
        return;
      case T.THROTTLE:
        if (!this.throttleCap()) return;
        t.writeThrottle(v);
        this.solver.solve(this.tiles, this.now);
        return;
      case T.THROTTLE_CREDIT:
        if (!this.throttleCap()) return;
        t.writeCredit(v);
        return;
      case T.TRAFFIC_GEN:
        t.trafficGen = v & 0x1ffff;
        this.solver.solve(this.tiles, this.now);
        return;
      case T.THROTTLE_CTRL:
        if (!this.throttleCap()) return;
        t.throttleCtrl = v & 1;
        this.solver.solve(this.tiles, this.now);
        return;
      case T.REGION_BASE:
        t.regionBase = v;
        return;
      case T.REGION_LIMIT:
        t.regionLimit = v;
        return;
      case T.NEXT_ADDR:
        t.nextAddr = v;
        return;
      case T.NEXT_LEN:
        t.nextLen = v;
        return;
      case T.NEXT_REGION_BASE:
        t.nextRegionBase = v;
        return;
      case T.NEXT_REGION_LIMIT:
        t.nextRegionLimit = v;
        return;
      case T.NEXT_THROTTLE:
        t.nextThrottle = v;
        return;
      case T.NEXT_ID:
        t.nextId = v;
        return;
      case T.NEXT_GROUP:
        t.nextGroup = v >>> 0;
        return;
      case T.NEXT_CTRL:
        if ((v & NEXT_STAGE) === 0) {
          t.cancelStaged();
          this.startGroups(this.now); // a group may have waited on this tile's entry
          this.solver.solve(this.tiles, this.now);
          return;
        }
        t.stage(
          {
            addr: t.nextAddr,
            len: t.nextLen,
            regionBase: t.nextRegionBase,
            regionLimit: t.nextRegionLimit,
            throttle: t.nextThrottle,
            id: t.nextId,
            ctrl: v & (NEXT_SET_REGION | (this.throttleCap() ? NEXT_SET_THROTTLE : 0)),
            group: t.nextGroup & ~(1 << t.index),
          },
          (v & NEXT_ONLY_IF_STAGED) !== 0 && !this.groupStaged(t.index, t.nextGroup),
          this.now,
        );
        this.startGroups(this.now);
        this.solver.solve(this.tiles, this.now);
        return;
      default:
        return;
    }
  }

  /** NEXT_ONLY_IF_STAGED with a group: the group's entry still waits if any of its tiles
   *  holds a staged entry (a group's entries start together, so none does once it started). */
  private groupStaged(tile: number, group: number): boolean {
    if (this.tiles[tile]!.staged !== undefined) return true;
    for (let i = 0; i < this.tiles.length; i++)
      if ((group & (1 << i)) !== 0 && this.tiles[i]!.staged !== undefined) return true;
    return false;
  }

  /**
   * Starts the staged group entries whose group is ready: every other tile of the group is
   * idle and holds no entry but one with the same NEXT_ID (one host entry = one step on
   * several tiles), or has already started that entry. Readiness is judged for all tiles
   * before any starts, so the tiles of one entry start in the same cycle when their writes
   * landed together, and a tile that started first never holds back the rest.
   */
  private startGroups(now: number): void {
    const tiles = this.tiles;
    const go: number[] = [];
    for (let i = 0; i < tiles.length; i++) {
      const t = tiles[i]!;
      const e = t.staged;
      if (e === undefined || e.group === 0 || !t.idle) continue;
      let ready = true;
      for (let j = 0; j < tiles.length && ready; j++) {
        if ((e.group & (1 << j)) === 0) continue;
        const u = tiles[j]!;
        if (u.startedId === e.id && u.staged?.id !== e.id) continue;
        ready = u.idle && (u.staged === undefined || u.staged.id === e.id);
      }
      if (ready) go.push(i);
    }
    for (const i of go) tiles[i]!.startGroupEntry(now);
  }

  // ---- memory ----------------------------------------------------------------------

  private window(address: number, length: number): 'dram' | 'staging' {
    if (inside(this.def.dram, address, length)) return 'dram';
    if (inside(this.def.flashStaging, address, length)) return 'staging';
    const d = this.def.dram;
    const s = this.def.flashStaging;
    throw new RangeError(
      `memory range ${hex(address)}+${length} is outside the board's windows: DRAM ${hex(d.base)}..${hex(d.base + d.bytes)} and flash staging ${hex(s.base)}..${hex(s.base + s.bytes)}`,
    );
  }

  readMemory(address: number, length: number): Uint8Array {
    if (this.window(address, length) === 'dram') return this.dram.read(address, length);
    const off = address - this.def.flashStaging.base;
    return this.stagingBytes === undefined
      ? new Uint8Array(length)
      : this.stagingBytes.slice(off, off + length);
  }

  writeMemory(address: number, data: Uint8Array): void {
    if (this.window(address, data.length) === 'dram') this.dram.write(address, data);
    else this.staging.set(data, address - this.def.flashStaging.base);
  }

  // ---- time --------------------------------------------------------------------------

  advance(untilCycle: number): AdvanceResult {
    if (!Number.isFinite(untilCycle))
      throw new RangeError(`advance(${untilCycle}): untilCycle must be a finite cycle number`);
    if (this.pending.length === 0) this.run(Math.max(this.now, Math.floor(untilCycle)), true);
    return this.flush();
  }

  /** Runs the event loop up to `until`; with `stopAtEvents`, returns at the first board
   *  time that raised events (after processing everything due at that time). */
  private run(until: number, stopAtEvents: boolean): void {
    const tiles = this.tiles;
    const n = tiles.length;
    for (;;) {
      let next = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        const e = tiles[i]!.nextEvent();
        if (e < next) next = e;
      }
      if (next > until) {
        for (let i = 0; i < n; i++) tiles[i]!.progress(until);
        this.now = until;
        return;
      }
      for (let i = 0; i < n; i++) tiles[i]!.progress(next);
      this.now = next;
      for (let i = 0; i < n; i++) tiles[i]!.handle(next);
      this.startGroups(next);
      this.solver.solve(tiles, next);
      if (stopAtEvents && this.pending.length > 0) return;
    }
  }

  private flush(): AdvanceResult {
    const events = this.pending;
    this.pending = [];
    // Array.prototype.sort is stable, so equal keys keep the order they were raised in.
    if (events.length > 1) events.sort(compareEvents);
    return { cycle: this.now, events };
  }
}

function inside(r: { base: number; bytes: number }, address: number, length: number): boolean {
  return (
    Number.isInteger(address) &&
    Number.isInteger(length) &&
    length >= 0 &&
    address >= r.base &&
    address + length <= r.base + r.bytes
  );
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function compareEvents(a: BoardEvent, b: BoardEvent): number {
  return a.cycle - b.cycle || tileOf(a) - tileOf(b) || KIND_RANK[a.kind] - KIND_RANK[b.kind];
}

function tileOf(e: BoardEvent): number {
  return e.kind === 'log' ? -1 : e.tile;
}

function checkAligned(address: number): void {
  if (!Number.isInteger(address) || address < 0 || address % 4 !== 0)
    throw new RangeError(`register address ${address} is not a 4-byte aligned offset`);
}
