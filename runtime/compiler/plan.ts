// Granules: splitting each layer's ops across the tenant's tiles (and, for 'cycles'
// granules, into sub-layer chunks), then grouping the pieces into steps. A step is a set of
// per-tile programs that run in parallel and end at a barrier, so pieces on *different*
// tiles of one step must not depend on each other: a piece joins a step only if none of its
// DRAM spans conflicts (read-after-write, write-after-read, write-after-write) with a piece
// already on another tile of that step. Pieces on the same tile run in program order.
import type { BoardDefinition } from '../../boards/types.ts';
import { opCost, tileBandwidth, type OpCost } from './cost.ts';
import { opSpans, sliceOp, splitInfo, type Span } from './ops.ts';
import type { LoweredLayer } from './lower.ts';
import type { GranuleSpec, LoopOp } from './types.ts';

export interface Part {
  readonly layer: number;
  readonly tile: number;
  readonly op: LoopOp;
  readonly cost: OpCost;
  readonly reads: Span[];
  readonly writes: Span[];
}

export interface PlannedStep {
  readonly first: number;
  readonly last: number;
  readonly parts: Part[];
  readonly estCycles: number;
}

/** Splits [0, units) into `n` contiguous ranges whose inner boundaries are multiples of
 *  `grain`; empty ranges are dropped. */
export function ranges(units: number, n: number, grain: number): [number, number][] {
  const blocks = Math.ceil(units / grain);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const b0 = Math.floor((blocks * i) / n), b1 = Math.floor((blocks * (i + 1)) / n);
    const u0 = Math.min(units, b0 * grain), u1 = Math.min(units, b1 * grain);
    if (u1 > u0) out.push([u0, u1]);
  }
  return out;
}

function partsOf(op: LoopOp, layer: number, tiles: number, board: BoardDefinition, what: string): Part[] {
  const info = splitInfo(op, board.dim);
  const rs = ranges(info.units, tiles, info.grain);
  const bw = tileBandwidth(board, rs.length);
  return rs.map(([u0, u1], tile) => {
    const sub = rs.length === 1 ? op : sliceOp(op, info.axis, u0, u1);
    const { reads, writes } = opSpans(sub);
    return { layer, tile, op: sub, cost: opCost(sub, board, bw, what), reads, writes };
  });
}

function estOf(parts: readonly Part[]): number {
  const perTile = new Map<number, number>();
  for (const p of parts) perTile.set(p.tile, (perTile.get(p.tile) ?? 0) + p.cost.estCycles);
  return Math.max(0, ...perTile.values());
}

/** Chunks of one op for a 'cycles' granule: the fewest chunks whose pieces each fit `max`. */
function chunksOf(op: LoopOp, layer: number, tiles: number, max: number, board: BoardDefinition, what: string): Part[][] {
  const info = splitInfo(op, board.dim);
  const maxChunks = Math.ceil(info.units / (info.grain * tiles)) || 1;
  let n = Math.min(maxChunks, Math.max(1, Math.ceil(estOf(partsOf(op, layer, tiles, board, what)) / max)));
  for (;;) {
    const chunks = ranges(info.units, n, info.grain * tiles).map(([u0, u1]) =>
      partsOf(n === 1 ? op : sliceOp(op, info.axis, u0, u1), layer, tiles, board, what));
    if (n >= maxChunks || chunks.every((c) => estOf(c) <= max)) return chunks;
    n = Math.min(maxChunks, n + Math.max(1, Math.ceil(n / 4)));
  }
}

const overlap = (x: Span, y: Span): boolean => x.buf === y.buf && x.lo < y.hi && y.lo < x.hi;

function conflicts(p: Part, q: Part): boolean {
  if (p.tile === q.tile) return false;
  for (const w of p.writes) for (const s of [...q.reads, ...q.writes]) if (overlap(w, s)) return true;
  for (const w of q.writes) for (const s of p.reads) if (overlap(w, s)) return true;
  return false;
}

export function planSteps(layers: readonly LoweredLayer[], tiles: number, granule: GranuleSpec, board: BoardDefinition, model: string): PlannedStep[] {
  // Jobs: the unit a step boundary may fall between (a whole layer, or a chunk of one).
  const jobs: Part[][] = [];
  for (const ll of layers) {
    const what = `model ${model} layer ${ll.layer.name}`;
    if (granule.kind === 'cycles') {
      for (const op of ll.ops) jobs.push(...chunksOf(op, ll.index, tiles, granule.max, board, what));
    } else {
      jobs.push(ll.ops.flatMap((op) => partsOf(op, ll.index, tiles, board, what)));
    }
  }
  const steps: Part[][] = [];
  let cur: Part[] = [];
  const layersIn = (ps: readonly Part[]) => new Set(ps.map((p) => p.layer)).size;
  for (const job of jobs) {
    let fits: boolean;
    if (cur.length === 0) fits = true;
    else if (granule.kind === 'layer') fits = job[0]!.layer === cur[0]!.layer && layersIn(cur) === 1;
    else {
      const hazard = cur.some((p) => job.some((q) => conflicts(p, q)));
      if (hazard) fits = false;
      else if (granule.kind === 'block') fits = layersIn([...cur, ...job]) <= granule.layers;
      else fits = estOf([...cur, ...job]) <= granule.max;
    }
    if (!fits) {
      steps.push(cur);
      cur = [];
    }
    cur.push(...job);
  }
  if (cur.length > 0) steps.push(cur);
  return steps.map((parts) => ({
    first: Math.min(...parts.map((p) => p.layer)),
    last: Math.max(...parts.map((p) => p.layer)),
    parts,
    estCycles: estOf(parts),
  }));
}
