// Tiling choice and the analytic cost model (docs/compiler.md). Pure functions of the op
// and the board definition; no tuning constants beyond the board's own parameters.
import { CompileError } from '../../boards/errors.ts';
import { streamDramLatency, sustainedDramBytesPerCycle } from '../../boards/dram.ts';
import { kernelSlices, poolRecompute, sliceInput } from '../../boards/emulator/footprint.ts';
import { mocaFirstLayerTiles } from './cost-gemmini.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import type { LoopOp } from './types.ts';
import { convRows, opMacs, poolRows } from './ops.ts';
import { unreachable } from '../../boards/unreachable.ts';

export interface Tiles {
  readonly tI: number;
  readonly tJ: number;
  readonly tK: number;
}

export interface OpCost {
  readonly macs: number;
  /** Estimated DRAM bytes read (with the re-reads the tiling implies) and written. */
  readonly readBytes: number;
  readonly writeBytes: number;
  readonly computeCycles: number;
  readonly memoryCycles: number;
  readonly estCycles: number;
  readonly tiles: Tiles | null;
}

const cdiv = (a: number, b: number): number => Math.ceil(a / b);

/** Array cycles to stream n rows split in tiles of t through one weight block: each tile
 *  is ⌈rows/DIM⌉ COMPUTE commands of DIM cycles each (the emulator's rule, docs/emulator.md). */
function streamRows(n: number, t: number, D: number): number {
  const full = Math.floor(n / t);
  const rest = n - full * t;
  return full * cdiv(t, D) * D + (rest > 0 ? cdiv(rest, D) * D : 0);
}

/** Candidate tile sizes along one dimension: DIM·2^n below `n`, and `n` itself (edge). */
function candidates(n: number, dim: number): number[] {
  const out = new Set<number>([n]);
  for (let t = dim; t < n; t *= 2) out.add(t);
  return [...out];
}

/** Matmul-shaped tiling: one A block (tI×tK, `aPerRowK` bytes per element row) and one B
 *  block (tK×tJ) in half the scratchpad, one C block (tI×tJ int32) in half the
 *  accumulator; minimises DRAM traffic A·nJ + B·nI (k innermost, loop order i, j, k). */
export function chooseTiles(
  I: number,
  J: number,
  K: number,
  board: BoardDefinition,
  what: string,
  aBytesPerElem = 1,
): Tiles {
  // planning evaluates the same shapes many times (split and chunk searches): memoise
  const key = `${I},${J},${K},${aBytesPerElem},${board.dim},${board.scratchpadBytes},${board.accumulatorBytes}`;
  const hit = TILE_CACHE.get(key);
  if (hit !== undefined) return hit;
  const t = searchTiles(I, J, K, board, what, aBytesPerElem);
  if (TILE_CACHE.size > 50_000) TILE_CACHE.clear();
  TILE_CACHE.set(key, t);
  return t;
}

const TILE_CACHE = new Map<string, Tiles>();

function searchTiles(
  I: number,
  J: number,
  K: number,
  board: BoardDefinition,
  what: string,
  aBytesPerElem: number,
): Tiles {
  const spadHalf = board.scratchpadBytes / 2;
  const accHalf = board.accumulatorBytes / 2;
  let best: { t: Tiles; traffic: number } | null = null;
  for (const tK of candidates(K, board.dim)) {
    for (const tJ of candidates(J, board.dim)) {
      for (const tI of candidates(I, board.dim)) {
        if (tI * tK * aBytesPerElem + tK * tJ > spadHalf || tI * tJ * 4 > accHalf) continue;
        const traffic = I * K * aBytesPerElem * cdiv(J, tJ) + K * J * cdiv(I, tI);
        const better =
          best === null ||
          traffic < best.traffic ||
          (traffic === best.traffic && tI * tJ * tK > best.t.tI * best.t.tJ * best.t.tK);
        if (better) best = { t: { tI, tJ, tK }, traffic };
      }
    }
  }
  if (best === null)
    throw new CompileError(
      `${what}: no tiling of I=${I} J=${J} K=${K} fits half of the ${board.scratchpadBytes}-byte scratchpad and half of the ${board.accumulatorBytes}-byte accumulator`,
    );
  return best.t;
}

export function tilesFor(op: LoopOp, board: BoardDefinition, what: string): Tiles | null {
  switch (op.kind) {
    case 'matmul':
      return chooseTiles(op.I, op.J, op.K, board, what);
    case 'conv': {
      const r = convRows(op);
      const outPix = (r.cy1 - r.cy0) * op.outW;
      if (op.depthwise) return chooseTiles(outPix, op.outC, op.k * op.k, board, what);
      const first = mocaFirstLayerTiles(
        {
          inC: op.inC,
          outC: op.outC,
          kernel: op.k,
          stride: op.s,
          padding: op.p,
          inW: op.inW,
          outW: op.outW,
          convRows: r.cy1 - r.cy0,
          pooledRows: op.pool ? op.pool.h : op.outH,
          pooledCols: op.pool ? op.pool.w : op.outW,
          pool: op.pool ? { size: op.pool.size, stride: op.pool.stride } : null,
          maxBlockLen: board.dmaRequestBytes / board.dim,
        },
        board,
      );
      if (first !== undefined) return first;
      return chooseTiles(outPix, op.outC, op.k * op.k * op.inC, board, what);
    }
    case 'resadd':
    case 'pool':
    case 'vec':
      return null;
    default:
      return unreachable(op, 'loop op kind');
  }
}

/** Loop tiles of one op: the iterations of its tiled loop (⌈I/tI⌉·⌈J/tJ⌉·⌈K/tK⌉ for the
 *  matmul-shaped ops, with I, J, K as tilesFor sees them); 1 for untiled ops. MoCA's runtime
 *  divides a layer's throttle budget into this many windows. */
export function loopTileCount(op: LoopOp, tiles: Tiles | null): number {
  if (tiles === null) return 1;
  switch (op.kind) {
    case 'matmul':
      return cdiv(op.I, tiles.tI) * cdiv(op.J, tiles.tJ) * cdiv(op.K, tiles.tK);
    case 'conv': {
      const r = convRows(op);
      const outPix = (r.cy1 - r.cy0) * op.outW;
      const k = op.depthwise ? op.k * op.k : op.k * op.k * op.inC;
      return cdiv(outPix, tiles.tI) * cdiv(op.outC, tiles.tJ) * cdiv(k, tiles.tK);
    }
    default:
      return 1;
  }
}

/** MoCA's estimate of the DRAM bytes an op reads: each operand (input, weights, bias) once
 *  when it fits in the board's L2 (its re-reads then hit there), else with the re-reads its
 *  tiling implies (as `opCost`'s readBytes counts them all). */
export function l2ReadBytes(
  op: LoopOp,
  tiles: Tiles | null,
  board: BoardDefinition,
  readBytes: number,
): number {
  const once = (bytes: number, times: number) => (bytes <= board.l2Bytes ? bytes : bytes * times);
  if (tiles === null) return readBytes;
  switch (op.kind) {
    case 'matmul': {
      const nI = cdiv(op.I, tiles.tI);
      return (
        once(op.I * op.K, cdiv(op.J, tiles.tJ)) + once(op.K * op.J, nI) + (op.bias ? once(4 * op.J, nI) : 0)
      );
    }
    case 'conv': {
      const r = convRows(op);
      const outPix = (r.cy1 - r.cy0) * op.outW;
      const kRows = op.depthwise ? op.k * op.k : op.k * op.k * op.inC;
      const nI = cdiv(outPix, tiles.tI);
      const inBytes = (r.iy1 - r.iy0) * op.inW * op.inC;
      return (
        once(inBytes, op.depthwise ? 1 : cdiv(op.outC, tiles.tJ)) +
        once(kRows * op.outC, nI) +
        (op.bias ? once(4 * op.outC, nI) : 0)
      );
    }
    default:
      return readBytes;
  }
}

/** MoCA's combination of compute and memory time: max + 0.5·min. */
export function combine(compute: number, memory: number): number {
  return Math.max(compute, memory) + 0.5 * Math.min(compute, memory);
}

/** Cost of one op running on one tile that gets `bytesPerCycle` of DRAM bandwidth. */
export function opCost(op: LoopOp, board: BoardDefinition, bytesPerCycle: number, what: string): OpCost {
  const D = board.dim;
  const macs = opMacs(op);
  const tiles = tilesFor(op, board, what);
  let readBytes: number;
  let writeBytes: number;
  let compute: number;
  let inputExtra = 0;
  switch (op.kind) {
    case 'matmul': {
      const t = tiles!;
      readBytes =
        op.I * op.K * cdiv(op.J, t.tJ) +
        op.K * op.J * cdiv(op.I, t.tI) +
        (op.bias ? 4 * op.J * cdiv(op.I, t.tI) : 0);
      writeBytes = op.I * op.J;
      // per DIM×DIM weight block: DIM cycles of preload + one cycle per streamed row; plus
      // fill/drain (2·DIM) once per output tile.
      compute =
        cdiv(op.J, D) * cdiv(op.K, D) * (streamRows(op.I, t.tI, D) + D * cdiv(op.I, t.tI)) +
        2 * D * cdiv(op.I, t.tI) * cdiv(op.J, t.tJ);
      break;
    }
    case 'conv': {
      const t = tiles!;
      const r = convRows(op);
      const outPix = (r.cy1 - r.cy0) * op.outW;
      const kRows = op.depthwise ? op.k * op.k : op.k * op.k * op.inC;
      // a row slice reads only its input rows and their halo (docs/isa.md)
      const inBytes = (r.iy1 - r.iy0) * op.inW * op.inC;
      const nJ = op.depthwise ? 1 : cdiv(op.outC, t.tJ);
      // K tiled by whole kernel positions: every K tile reads its kernel slice's input
      // window (the emulator's rule, docs/emulator.md)
      const slices = op.depthwise ? undefined : kernelSlices(op.k, op.inC, t.tK, D);
      let perJ = inBytes;
      if (slices !== undefined) {
        const inRows = r.iy1 - r.iy0;
        const n = cdiv(outPix, t.tI);
        const last = outPix - (n - 1) * t.tI;
        perJ = 0;
        for (const sl of slices)
          perJ +=
            (n - 1) * sliceInput(op.outW, op.inW, op.inC, op.s, inRows, t.tI, sl.ry, sl.rx) +
            sliceInput(op.outW, op.inW, op.inC, op.s, inRows, last, sl.ry, sl.rx);
      }
      // the input moves one pixel (its channels, ≤ 64 B) per DMA request: re-reads of it
      // come from the L2 at its latency, the first read from DRAM (Little's law); counted for
      // layers of fewer than DIM channels, whose requests are far below a line (RGB: 3 B)
      const rq = Math.min(board.dmaRequestBytes, op.inC);
      const firstBw = Math.min(bytesPerCycle, (board.dmaMaxInflight * rq) / streamDramLatency(board));
      const reBw = Math.min(bytesPerCycle, (board.dmaMaxInflight * rq) / board.l2HitLatencyCycles);
      if (op.inC < D)
        inputExtra = inBytes / firstBw + (perJ * nJ - inBytes) / reBw - (perJ * nJ) / bytesPerCycle;
      readBytes =
        perJ * nJ + kRows * op.outC * cdiv(outPix, t.tI) + (op.bias ? 4 * op.outC * cdiv(outPix, t.tI) : 0);
      writeBytes = (op.pool ? op.pool.h * op.pool.w : outPix) * op.outC;
      compute = op.depthwise
        ? // one useful column per channel: DIM MACs per cycle at best
          cdiv(macs, D) + 2 * D * cdiv(outPix, t.tI) * cdiv(op.outC, t.tJ)
        : // Gemmini's conv loop: one weight block per kernel position and ≤ DIM input channels
          cdiv(op.outC, D) *
            op.k *
            op.k *
            cdiv(op.inC, D) *
            (streamRows(outPix, t.tI, D) + D * cdiv(outPix, t.tI)) +
          2 * D * cdiv(outPix, t.tI) * cdiv(op.outC, t.tJ);
      // a fused pool recomputes the conv outputs its windows share across accumulator tiles
      if (op.pool) compute *= poolRecompute(op.outW, op.pool.w, op.pool.size, op.pool.stride, t.tI);
      break;
    }
    case 'resadd': {
      // Loads and stores alternate per accumulator-sized tile and never overlap (the
      // emulator's phased cost, docs/emulator.md): memory time adds up, plus two latencies
      // per tile.
      readBytes = 2 * op.I * op.J;
      writeBytes = op.I * op.J;
      const accTiles = cdiv(op.I * op.J, board.accumulatorBytes / 4);
      const memoryCycles = (readBytes + writeBytes) / bytesPerCycle + 2 * accTiles * board.dramLatencyCycles;
      const computeCycles = cdiv(3 * op.I * op.J, D);
      const estCycles = Math.ceil(Math.max(memoryCycles, computeCycles));
      return { macs, readBytes, writeBytes, computeCycles, memoryCycles, estCycles, tiles };
    }
    case 'pool': {
      const r = poolRows(op);
      readBytes = (r.iy1 - r.iy0) * op.inW * op.C;
      writeBytes = op.global ? op.C : op.outH * op.outW * op.C;
      if (op.global) {
        const memoryCycles = (readBytes + writeBytes) / bytesPerCycle + 2 * board.dramLatencyCycles;
        const computeCycles = cdiv(readBytes, D);
        const estCycles = Math.ceil(Math.max(memoryCycles, computeCycles));
        return { macs, readBytes, writeBytes, computeCycles, memoryCycles, estCycles, tiles };
      }
      // The emulator's pool (docs/emulator.md): input in rows of ≤ DIM channels (one request
      // each, Little's law), overlapped with the pooling store's window² + 1 accumulator
      // reads per pooled row.
      const row = Math.min(D, op.C);
      const rowBw = Math.min(bytesPerCycle, (board.dmaMaxInflight * row) / streamDramLatency(board));
      const computeCycles = cdiv(writeBytes, D) * (op.size * op.size + 1);
      const memoryCycles = Math.max(readBytes, writeBytes) / rowBw + board.dramLatencyCycles;
      const estCycles = Math.ceil(Math.max(memoryCycles, computeCycles));
      return { macs, readBytes, writeBytes, computeCycles, memoryCycles, estCycles, tiles };
    }
    case 'vec':
      readBytes = op.rows * op.cols;
      writeBytes = readBytes;
      // softmax: max, exp+sum, scale; layernorm: mean, variance, normalise — ~4 passes over D lanes
      compute = 4 * cdiv(readBytes, D);
      break;
  }
  const memoryCycles =
    (readBytes + writeBytes) / bytesPerCycle + Math.max(0, inputExtra) + board.dramLatencyCycles;
  const estCycles = Math.ceil(combine(compute, memoryCycles));
  return { macs, readBytes, writeBytes, computeCycles: compute, memoryCycles, estCycles, tiles };
}

/** DRAM bandwidth one of `active` co-running tiles can expect: a fair share of what DRAM
 *  sustains with refresh, capped by its bus and by its DMA's requests in flight (Little's law:
 *  dmaMaxInflight full-size requests per DRAM latency, refresh wait included), as in the
 *  emulator (boards/dram.ts). */
export function tileBandwidth(board: BoardDefinition, active: number): number {
  const little = (board.dmaMaxInflight * board.dmaRequestBytes) / streamDramLatency(board);
  return Math.min(
    board.tileBusBytesPerCycle,
    little,
    sustainedDramBytesPerCycle(board) / Math.max(1, active),
  );
}
