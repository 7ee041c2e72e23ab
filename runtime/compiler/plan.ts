// Granules: splitting each layer's ops across the tenant's tiles (and, for 'cycles'
// granules, into sub-layer chunks), then grouping the pieces into steps. A step is a set of
// per-tile programs that run in parallel and end at a barrier, so pieces on *different*
// tiles of one step must not depend on each other: a piece joins a step only if none of its
// DRAM spans conflicts (read-after-write, write-after-read, write-after-write) with a piece
// already on another tile of that step. Pieces on the same tile run in program order.
import type { BoardDefinition } from '../../boards/types.ts';
import { opCost, tileBandwidth, type OpCost } from './cost.ts';
import { opSpans, sliceOp, splitAxes, type SplitInfo, type Span } from './ops.ts';
import { mocaSplitAxis } from './split-moca.ts';
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

/** A block granule asks for fewer, longer steps (fewer preemption points and host round
 *  trips, which the estimate does not see): to keep a block going, a layer may take a
 *  hazard-free split whose own estimate is up to this factor of its best split's. */
export const BLOCK_AXIS_SLACK = 1.25;

/** Splits [0, units) into `n` contiguous ranges whose inner boundaries are multiples of
 *  `grain`; empty ranges are dropped. */
export function ranges(units: number, n: number, grain: number): [number, number][] {
  const blocks = Math.ceil(units / grain);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const b0 = Math.floor((blocks * i) / n),
      b1 = Math.floor((blocks * (i + 1)) / n);
    const u0 = Math.min(units, b0 * grain),
      u1 = Math.min(units, b1 * grain);
    if (u1 > u0) out.push([u0, u1]);
  }
  return out;
}

/** `op` split across up to `tiles` tiles along one axis (one part per non-empty range). */
function splitParts(
  op: LoopOp,
  info: SplitInfo,
  layer: number,
  tiles: number,
  board: BoardDefinition,
  what: string,
): Part[] {
  const rs = ranges(info.units, tiles, info.grain);
  const bw = tileBandwidth(board, rs.length);
  return rs.map(([u0, u1], tile) => {
    const sub = rs.length === 1 ? op : sliceOp(op, info.axis, u0, u1);
    const { reads, writes } = opSpans(sub);
    return { layer, tile, op: sub, cost: opCost(sub, board, bw, what), reads, writes };
  });
}

const traffic = (parts: readonly Part[]): number =>
  parts.reduce((x, p) => x + p.cost.readBytes + p.cost.writeBytes, 0);

/** The ways to split `op` across the tenant's tiles, one per axis, best first: lowest step
 *  estimate, then least DRAM traffic, then rows. E.g. a late conv with a big weight matrix
 *  and few rows is best split by channels (each tile reads half the weights), an early one
 *  by rows (each tile reads its rows + halo), an FC layer by columns. The others are kept
 *  so a block can stay on an axis whose slices do not depend on another tile's. */
function splitChoices(
  op: LoopOp,
  layer: number,
  tiles: number,
  board: BoardDefinition,
  what: string,
  preferRows = false,
): Part[][] {
  const axes = splitAxes(op, board.dim);
  if (tiles === 1) return [splitParts(op, axes[0]!, layer, 1, board, what)];
  const choices = axes
    .map((info) => {
      const parts = splitParts(op, info, layer, tiles, board, what);
      return { rows: info.axis === 'rows', parts, est: estOf(parts), bytes: traffic(parts) };
    })
    .sort((x, y) => x.est - y.est || x.bytes - y.bytes);
  // The axis MoCA's software splits this layer along (split-moca.ts) comes first: that is
  // the split the modelled hardware runs; the others stay as alternatives for blocks.
  const moca = mocaSplitAxis(op, tiles, board.dim);
  const mi = choices.findIndex((c) => (c.rows ? 'rows' : 'cols') === moca && c.parts.length > 1);
  if (mi > 0) choices.unshift(...choices.splice(mi, 1));
  // Block granules: row slices of consecutive layers line up tile by tile (MoCA), so they
  // can chain inside one step; keep rows first while within BLOCK_AXIS_SLACK of the best.
  const rows = choices.findIndex((c) => c.rows && c.parts.length === tiles);
  if (preferRows && rows > 0 && choices[rows]!.est <= BLOCK_AXIS_SLACK * choices[0]!.est)
    choices.unshift(...choices.splice(rows, 1));
  return choices.map((c) => c.parts);
}

function partsOf(op: LoopOp, layer: number, tiles: number, board: BoardDefinition, what: string): Part[] {
  return splitChoices(op, layer, tiles, board, what)[0]!;
}

/** Alternatives for a job of several ops: the k-th alternative takes each op's k-th choice. */
function combine(perOp: readonly Part[][][]): Part[][] {
  const n = Math.max(1, ...perOp.map((c) => c.length));
  return Array.from({ length: n }, (_, k) => perOp.flatMap((c) => c[Math.min(k, c.length - 1)]!));
}

function estOf(parts: readonly Part[]): number {
  const perTile = new Map<number, number>();
  for (const p of parts) perTile.set(p.tile, (perTile.get(p.tile) ?? 0) + p.cost.estCycles);
  return Math.max(0, ...perTile.values());
}

/**
 * Chunks of one op for a 'cycles' granule. For each axis the op can be cut along (rows or
 * columns/channels), the fewest chunks whose every step fits `max`; among the axes that
 * fit, the one with the least total estimate. The axis matters: cutting a matmul by rows
 * re-reads the whole weight matrix per chunk, cutting it by columns reads each weight once
 * and re-reads only A. Each chunk is then split across the tiles on its own best axis.
 * When no cut fits (a chunk one unit wide is still over), the one with the smallest
 * largest step.
 */
function chunksOf(
  op: LoopOp,
  layer: number,
  tiles: number,
  max: number,
  board: BoardDefinition,
  what: string,
): Part[][][] {
  const whole = partsOf(op, layer, tiles, board, what);
  const wholeEst = estOf(whole);
  if (wholeEst <= max) return [splitChoices(op, layer, tiles, board, what)];
  let best: { chunks: Part[][][]; worst: number; total: number } | null = null;
  for (const info of splitAxes(op, board.dim)) {
    const maxChunks = Math.ceil(info.units / info.grain);
    if (maxChunks < 2) continue;
    let n = Math.min(maxChunks, Math.max(2, Math.ceil(wholeEst / max)));
    for (;;) {
      const chunks = ranges(info.units, n, info.grain).map(([u0, u1]) =>
        splitChoices(sliceOp(op, info.axis, u0, u1), layer, tiles, board, what),
      );
      const ests = chunks.map((c) => estOf(c[0]!));
      const worst = Math.max(...ests);
      if (worst <= max || n >= maxChunks) {
        const total = ests.reduce((x, y) => x + y, 0);
        const better =
          best === null ||
          (worst <= max && (best.worst > max || total < best.total)) ||
          (worst > max &&
            best.worst > max &&
            (worst < best.worst || (worst === best.worst && total < best.total)));
        if (better) best = { chunks, worst, total };
        break;
      }
      n = Math.min(maxChunks, n + Math.max(1, Math.ceil(n / 4)));
    }
  }
  return best === null ? [splitChoices(op, layer, tiles, board, what)] : best.chunks;
}

const overlap = (x: Span, y: Span): boolean => x.buf === y.buf && x.lo < y.hi && y.lo < x.hi;

function conflicts(p: Part, q: Part): boolean {
  if (p.tile === q.tile) return false;
  for (const w of p.writes) for (const s of [...q.reads, ...q.writes]) if (overlap(w, s)) return true;
  for (const w of q.writes) for (const s of p.reads) if (overlap(w, s)) return true;
  return false;
}

/**
 * Groups jobs into steps. A job (a layer, or a chunk of one for 'cycles' granules) comes
 * with its split alternatives, best first. It joins the current step (block: while the
 * step holds ≤ N layers; cycles: while the step's estimate stays ≤ max) on the first
 * alternative with no cross-tile hazard against the step; a worse alternative is taken
 * only if joining on it is estimated no slower than closing the step and running the
 * best one alone (est(step ∪ alt) ≤ est(step) + est(best)) or, for block granules, if its
 * own estimate is within BLOCK_AXIS_SLACK of the best's.
 */
export function planSteps(
  layers: readonly LoweredLayer[],
  tiles: number,
  granule: GranuleSpec,
  board: BoardDefinition,
  model: string,
): PlannedStep[] {
  const jobs: Part[][][] = [];
  for (const ll of layers) {
    const what = `model ${model} layer ${ll.layer.name}`;
    if (granule.kind === 'cycles') {
      for (const op of ll.ops) jobs.push(...chunksOf(op, ll.index, tiles, granule.max, board, what));
    } else {
      jobs.push(
        combine(ll.ops.map((op) => splitChoices(op, ll.index, tiles, board, what, granule.kind === 'block'))),
      );
    }
  }
  const steps: Part[][] = [];
  let cur: Part[] = [];
  const layersIn = (ps: readonly Part[]) => new Set(ps.map((p) => p.layer)).size;
  for (const job of jobs) {
    const best = job[0]!;
    let chosen: Part[] | undefined;
    if (cur.length > 0 && granule.kind !== 'layer') {
      const base = estOf(cur),
        alone = estOf(best);
      for (const alt of job) {
        if (cur.some((p) => alt.some((q) => conflicts(p, q)))) continue;
        const joined = [...cur, ...alt];
        const est = estOf(joined);
        if (granule.kind === 'block' ? layersIn(joined) > granule.layers : est > granule.max) continue;
        if (
          alt !== best &&
          est > base + alone &&
          !(granule.kind === 'block' && estOf(alt) <= BLOCK_AXIS_SLACK * alone)
        )
          continue;
        chosen = alt;
        break;
      }
    }
    if (chosen === undefined) {
      if (cur.length > 0) steps.push(cur);
      cur = [];
      chosen = best;
    }
    cur.push(...chosen);
  }
  if (cur.length > 0) steps.push(cur);
  return steps.map((parts) => ({
    first: Math.min(...parts.map((p) => p.layer)),
    last: Math.max(...parts.map((p) => p.layer)),
    parts,
    estCycles: estOf(parts),
  }));
}
