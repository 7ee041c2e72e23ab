// The rate computation, run at every board event: each running job's progress rate through
// its current segment under its tile's caps, then DRAM bandwidth shared max-min fairly
// between all running jobs (a tile's load and store queues are separate streams).
//
// Per tile, for a segment needing R read bytes (DRAM + L2), W written bytes, X array
// cycles (all per unit of progress), the rate p (fraction per cycle) obeys
//   p·X ≤ 1                              the array does one step per cycle
//   p·R ≤ busBytesPerCycle               the tile's read port
//   p·Σ reads × latency ≤ dmaMaxInflight Little's law: requests in flight × latency
//   p·W ≤ busBytesPerCycle               the write port
//   p·writes × latency ≤ dmaMaxInflight  Little's law for the DMA writer's requests
//   p = 0 for reads in a throttle bubble the DMA accepts no new load requests
//   p·(DRAM reads + W) ≤ DRAM share      max-min fair share of the bandwidth DRAM sustains
//                                        (dramBytesPerCycle less refresh, boards/dram.ts)
// The DRAM latency in Little's law is the loaded latency (dramLatency below): it rises with
// the DRAM's utilisation (queueing) and with the number of streams that conflict on banks, and
// includes the mean wait for refresh.
// The L2 (banks × bytes per bank per cycle) is at least the sum of all tile ports on the
// catalogue boards, so it never binds and is not shared explicitly.
import { streamDramLatency, sustainedDramBytesPerCycle } from '../dram.ts';
import type { BoardDefinition } from '../types.ts';
import { maxMinShare } from './bandwidth.ts';
import type { Job } from './job.ts';
import type { Tile } from './tile.ts';

const BEAT_BYTES = 16;
/** Utilisation at which the queueing delay is evaluated at most (the max-min share already
 *  caps bandwidth; this only keeps the M/D/1 formula finite). */
const RHO_MAX = 0.95;
/** Bisection steps for the loaded latency (its fixed point lies in [base, base + max wait]). */
const LATENCY_STEPS = 12;

/** Loaded DRAM latency (docs/emulator.md, "DRAM under load"): the unloaded row-hit latency and
 *  the mean refresh wait, plus a row conflict's precharge + activate for the share of requests
 *  that find their bank opened by another stream, plus the M/D/1 queueing wait of a channel at
 *  utilisation ρ of the bandwidth refresh leaves (each request holds a channel for one burst of
 *  `serviceCycles`). */
export function loadedDramLatency(def: BoardDefinition, streams: number, rho: number): number {
  const banks = def.dramChannels * def.dramBanksPerChannel;
  const conflict = streams > 1 ? 1 - Math.pow(1 - 1 / banks, streams - 1) : 0;
  const serviceCycles = (def.dmaRequestBytes * def.dramChannels) / def.dramBytesPerCycle;
  const r = Math.min(Math.max(rho, 0), RHO_MAX);
  return streamDramLatency(def) + conflict * def.dramRowMissCycles + (r * serviceCycles) / (2 * (1 - r));
}

export class RateSolver {
  // Reused buffers (no allocation per event: this runs at every board event).
  private readonly jobs: Job[] = [];
  private readonly pmax: Float64Array;
  private readonly demand: Float64Array;
  private readonly share: Float64Array;
  private readonly bubble: Uint8Array;
  /** Per collected job: its tile's engine counts (and stalls) stores too (THROTTLE_CTRL). */
  private readonly stores: Uint8Array;
  /** Per generator entry: its tile index. */
  private readonly genTile: Int32Array;
  /** The loaded DRAM latency of the last solve (for tests and profiling). */
  dramLatency: number;

  constructor(private readonly def: BoardDefinition) {
    const most = def.tiles * 4; // three queue slots and a traffic generator per tile
    this.pmax = new Float64Array(most);
    this.demand = new Float64Array(most);
    this.share = new Float64Array(most);
    this.bubble = new Uint8Array(most);
    this.stores = new Uint8Array(most);
    this.genTile = new Int32Array(def.tiles);
    this.dramLatency = def.dramLatencyCycles;
  }

  /** Rates of the n collected jobs at DRAM latency L (fills pmax and demand); returns the
   *  total DRAM demand in bytes per cycle. */
  private caps(n: number, L: number): number {
    const bus = this.def.tileBusBytesPerCycle;
    const inflight = this.def.dmaMaxInflight;
    const l2L = this.def.l2HitLatencyCycles;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const j = this.jobs[i]!;
      const s = j.segment;
      let p = 0;
      let dram = 0;
      if (s !== undefined && j.remaining > 0) {
        p = Number.POSITIVE_INFINITY;
        if (s.compute > 0) p = Math.min(p, 1 / s.compute);
        const reads = s.dramRead + s.l2Read;
        if (reads > 0) {
          if (this.bubble[i] === 1) p = 0;
          else {
            const lat = s.dramRequests * L + s.l2Requests * l2L;
            p = Math.min(p, bus / reads, lat > 0 ? inflight / lat : p);
          }
        }
        if (s.write > 0) {
          if (this.bubble[i] === 1 && this.stores[i] === 1) p = 0;
          else p = Math.min(p, bus / s.write, inflight / (s.writeRequests * L));
        }
        dram = s.dramRead + s.write;
      }
      this.pmax[i] = p;
      this.demand[i] = p * dram;
      total += this.demand[i]!;
    }
    return total;
  }

  /** Sets rate, readRate and endAt of every running job, and each tile's readRate, at
   *  board cycle `now` (every tile's lastUpdate is `now`). */
  solve(tiles: readonly Tile[], now: number): void {
    const jobs = this.jobs;
    let n = 0;
    let streams = 0;
    for (let ti = 0; ti < tiles.length; ti++) {
      const t = tiles[ti]!;
      if (!t.busy) continue;
      const bubble = t.throttle.inBubble ? 1 : 0;
      const stores = t.countStores ? 1 : 0;
      for (let q = 0; q < 3; q++) {
        const j = t.running[q];
        if (j === undefined) continue;
        const s = j.segment;
        if (s !== undefined && j.remaining > 0 && s.dramRead + s.write > 0) streams++;
        jobs[n] = j;
        this.bubble[n] = bubble;
        this.stores[n] = stores;
        n++;
      }
    }
    // Traffic generators (TRAFFIC_GEN): one stream per enabled tile port, unaffected by
    // latency (as many requests in flight as it needs). Saturating = both ports at full rate,
    // more than any program's single stream can ask for, so it takes at least what any
    // co-runner would — in bandwidth, in load on the channels and in bank conflicts. A
    // throttled generator saturates outside its tile's throttle bubbles and is silent in
    // them: the most a program under that throttle setting can ask for, burst for burst.
    const bus = this.def.tileBusBytesPerCycle;
    let gens = 0;
    let genTotal = 0;
    for (let ti = 0; ti < tiles.length; ti++) {
      const t = tiles[ti]!;
      const g = t.trafficGen;
      if (g === 0) continue;
      const rate = g & 0xffff;
      let d = rate === 0xffff ? 2 * bus : rate / 256;
      if (t.throttledGen && t.throttle.inBubble) d = 0;
      this.demand[n + gens] = d;
      this.genTile[gens] = ti;
      genTotal += d;
      gens++;
    }
    streams += gens;
    // Loaded latency: the fixed point L = latency(ρ(L)); ρ falls as L rises (Little's law),
    // so bisection on [base, latency at RHO_MAX] finds it.
    const cap = sustainedDramBytesPerCycle(this.def);
    let lo = loadedDramLatency(this.def, streams, 0);
    let hi = loadedDramLatency(this.def, streams, RHO_MAX);
    if (streams === 0 || this.caps(n, lo) + genTotal <= 0) hi = lo;
    for (let k = 0; k < LATENCY_STEPS && hi - lo > 0.05; k++) {
      const mid = (lo + hi) / 2;
      const rho = Math.min(this.caps(n, mid) + genTotal, cap) / cap;
      if (loadedDramLatency(this.def, streams, rho) > mid) lo = mid;
      else hi = mid;
    }
    const L = hi;
    this.dramLatency = L;
    this.caps(n, L);
    maxMinShare(this.demand, cap, this.share, n + gens);
    for (let i = 0; i < n; i++) {
      const j = jobs[i]!;
      const s = j.segment;
      let p = this.pmax[i]!;
      if (s === undefined || j.remaining <= 0) {
        j.rate = 0;
        j.readRate = 0;
        j.endAt = now;
        continue;
      }
      const dram = s.dramRead + s.write;
      if (dram > 0) p = Math.min(p, this.share[i]! / dram);
      j.rate = p;
      j.readRate = (p * (s.dramRead + s.l2Read + (this.stores[i] === 1 ? s.write : 0))) / BEAT_BYTES;
      j.endAt = p > 0 ? now + Math.max(0, Math.ceil(j.remaining / p - 1e-9)) : Number.POSITIVE_INFINITY;
    }
    for (let ti = 0; ti < tiles.length; ti++) {
      const t = tiles[ti]!;
      let r = 0;
      for (let q = 0; q < 3; q++) r += t.running[q]?.readRate ?? 0;
      t.readRate = r;
      t.genRate = 0;
    }
    for (let g = 0; g < gens; g++) {
      const t = tiles[this.genTile[g]!]!;
      if (t.throttledGen) t.genRate = this.share[n + g]! / BEAT_BYTES;
    }
  }
}
