// The rate computation, run at every board event: each busy tile's progress rate through
// its current segment under its own caps, then DRAM bandwidth shared max-min fairly.
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
import type { Tile } from './tile.ts';

const BEAT_BYTES = 16;

export class RateSolver {
  private readonly pmax: number[] = [];
  private readonly demand: number[] = [];
  private readonly share: number[] = [];

  constructor(private readonly def: BoardDefinition) {}

  /** Sets rate, readRate and endAt of every tile at board cycle `now`. */
  solve(tiles: readonly Tile[], now: number): void {
    const bus = this.def.tileBusBytesPerCycle;
    const inflight = this.def.dmaMaxInflight;
    const n = tiles.length;
    for (let i = 0; i < n; i++) {
      const t = tiles[i]!;
      const s = t.segment;
      let p = 0;
      let dram = 0;
      if (s !== undefined && t.remaining > 0) {
        p = Number.POSITIVE_INFINITY;
        if (s.compute > 0) p = Math.min(p, 1 / s.compute);
        const reads = s.dramRead + s.l2Read;
        if (reads > 0) {
          if (t.throttle.inBubble) p = 0;
          else p = Math.min(p, bus / reads, s.readLatency > 0 ? inflight / s.readLatency : p);
        }
        if (s.write > 0) p = Math.min(p, bus / s.write);
        dram = s.dramRead + s.write;
      }
      this.pmax[i] = p;
      this.demand[i] = p * dram;
    }
    this.demand.length = n;
    maxMinShare(this.demand, this.def.dramBytesPerCycle, this.share);
    for (let i = 0; i < n; i++) {
      const t = tiles[i]!;
      const s = t.segment;
      let p = this.pmax[i]!;
      if (s !== undefined) {
        const dram = s.dramRead + s.write;
        if (dram > 0) p = Math.min(p, this.share[i]! / dram);
        t.rate = p;
        t.readRate = (p * (s.dramRead + s.l2Read)) / BEAT_BYTES;
        t.endAt = t.remaining <= 0 ? now : p > 0 ? now + Math.max(0, Math.ceil(t.remaining / p - 1e-9)) : Number.POSITIVE_INFINITY;
      } else {
        t.rate = 0;
        t.readRate = 0;
        t.endAt = Number.POSITIVE_INFINITY;
      }
    }
  }
}
