// The rate computation, run at every board event: each running job's progress rate through
// its current segment under its tile's caps, then DRAM bandwidth shared max-min fairly
// between all running jobs (a tile's load and store queues are separate streams).
//
// Per tile, for a segment needing R read bytes (DRAM + L2), W written bytes, X array
// cycles (all per unit of progress), the rate p (fraction per cycle) obeys
//   p·X ≤ 1                              the array does one step per cycle
//   p·R ≤ busBytesPerCycle               the tile's read port
//   p·readLatency ≤ dmaMaxInflight       Little's law: requests in flight × latency
//   p·W ≤ busBytesPerCycle               the write port
//   p = 0 for reads in a throttle bubble the DMA accepts no new load requests
//   p·(DRAM reads + W) ≤ DRAM share      max-min fair share of dramBytesPerCycle
// The L2 (banks × bytes per bank per cycle) is at least the sum of all tile ports on the
// catalogue boards, so it never binds and is not shared explicitly.
import type { BoardDefinition } from '../types.ts';
import { maxMinShare } from './bandwidth.ts';
import type { Job } from './job.ts';
import type { Tile } from './tile.ts';

const BEAT_BYTES = 16;

export class RateSolver {
  // Reused buffers (no allocation per event: this runs at every board event).
  private readonly jobs: Job[] = [];
  private readonly pmax: Float64Array;
  private readonly demand: Float64Array;
  private readonly share: Float64Array;

  constructor(private readonly def: BoardDefinition) {
    const most = def.tiles * 4; // three queue slots and a traffic generator per tile
    this.pmax = new Float64Array(most);
    this.demand = new Float64Array(most);
    this.share = new Float64Array(most);
  }

  /** Sets rate, readRate and endAt of every running job, and each tile's readRate, at
   *  board cycle `now` (every tile's lastUpdate is `now`). */
  solve(tiles: readonly Tile[], now: number): void {
    const bus = this.def.tileBusBytesPerCycle;
    const inflight = this.def.dmaMaxInflight;
    const jobs = this.jobs;
    let n = 0;
    for (let ti = 0; ti < tiles.length; ti++) {
      const t = tiles[ti]!;
      if (!t.busy) continue;
      const bubble = t.throttle.inBubble;
      for (let q = 0; q < 3; q++) {
        const j = t.running[q];
        if (j === undefined) continue;
        const s = j.segment;
        let p = 0;
        let dram = 0;
        if (s !== undefined && j.remaining > 0) {
          p = Number.POSITIVE_INFINITY;
          if (s.compute > 0) p = Math.min(p, 1 / s.compute);
          const reads = s.dramRead + s.l2Read;
          if (reads > 0) {
            if (bubble) p = 0;
            else p = Math.min(p, bus / reads, s.readLatency > 0 ? inflight / s.readLatency : p);
          }
          if (s.write > 0) p = Math.min(p, bus / s.write);
          dram = s.dramRead + s.write;
        }
        jobs[n] = j;
        this.pmax[n] = p;
        this.demand[n] = p * dram;
        n++;
      }
    }
    const jobCount = n;
    // Traffic generators (TRAFFIC_GEN): one constant-demand stream per enabled tile port,
    // outside the throttle engine. Saturating = both ports at full rate, more than any
    // program's single stream can ask for, so it takes at least what any co-runner would.
    for (let ti = 0; ti < tiles.length; ti++) {
      const g = tiles[ti]!.trafficGen;
      if (g === 0) continue;
      this.demand[n++] = g === 0xffff ? 2 * bus : g / 256;
    }
    maxMinShare(this.demand, this.def.dramBytesPerCycle, this.share, n);
    for (let i = 0; i < jobCount; i++) {
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
      j.readRate = (p * (s.dramRead + s.l2Read)) / BEAT_BYTES;
      j.endAt = p > 0 ? now + Math.max(0, Math.ceil(j.remaining / p - 1e-9)) : Number.POSITIVE_INFINITY;
    }
    for (let ti = 0; ti < tiles.length; ti++) {
      const t = tiles[ti]!;
      let r = 0;
      for (let q = 0; q < 3; q++) r += t.running[q]?.readRate ?? 0;
      t.readRate = r;
    }
  }
}
