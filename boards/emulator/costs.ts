// The timing model of each instruction: the segments it runs as, with every cost derived
// from the board parameters (docs/emulator.md explains each one).
//
// Loop macro-ops are a sequence of steps (load A/B blocks → compute → store C). With
// double-buffered scratchpad and accumulator the loads of step n+1 overlap the compute of
// step n, so a loop is three segments: a prologue (the first step's loads alone), a body
// (all remaining loads overlapped with all but the last compute, at the rate the slower
// of the two allows), and an epilogue (the last compute plus the array's pipeline drain,
// then the last store).
//
// Array cost (weight-stationary DIM×DIM, weights double-buffered in the PEs): each DIM×DIM
// weight block is preloaded by shifting DIM rows in while the previous block streams its
// rows, so a block streaming r rows of A costs max(r, DIM) cycles; the skewed pipeline
// fills and drains once per loop (2·DIM cycles).
//
// L2 rule (inclusive, shared, capacity split evenly between enabled tiles): a block's
// first touch comes from DRAM; re-reads inside the loop hit the L2 when the loop's reuse
// footprint fits this tile's share, else they go to DRAM again.
import type { Instruction } from '../isa/index.ts';
import { FLAG_BIAS, FLAG_FUSED_POOL, FLAG_GLOBAL_AVG, FLAG_TO_ACC } from '../isa/index.ts';
import { unreachable } from '../unreachable.ts';
import type { TileConfig } from './config.ts';
import { convDims, convRowWindow, poolRowWindow, tileOf } from './footprint.ts';
import { segment, type MemoryTiming, type Segment } from './segment.ts';

export interface CostContext extends MemoryTiming {
  readonly dim: number;
  readonly scratchpadBytes: number;
  readonly requestBytes: number;
  /** This tile's share of the L2 capacity. */
  readonly l2Share: number;
}

export interface OpCost {
  readonly segments: readonly Segment[];
  /** segments[0] is the wait for the first bytes (one DRAM latency). A load that follows
   *  another back to back skips it: its requests were issued while the previous load's
   *  were still in flight. */
  readonly leadLatency: boolean;
  readonly dramRead: number;
  readonly l2Read: number;
  readonly write: number;
  readonly macs: number;
}

const BEAT = 16;

export function beats(bytes: number): number {
  return Math.ceil(bytes / BEAT);
}

function req(ctx: CostContext, rowBytes: number): number {
  return Math.max(1, Math.min(ctx.requestBytes, rowBytes));
}

interface Split {
  first: number;
  n: number;
  last: number;
}

function split(whole: number, tile: number): Split {
  const t = tileOf(tile, whole);
  if (whole <= 0) return { first: 0, n: 0, last: 0 };
  const n = Math.ceil(whole / t);
  return { first: t, n, last: whole - (n - 1) * t };
}

// Σ over the tiles of a split of a per-tile quantity (plain functions, no closures: this
// runs for every loop the tiles issue).
function sumRows(s: Split, dim: number): number {
  return s.n === 0 ? 0 : (s.n - 1) * Math.max(s.first, dim) + Math.max(s.last, dim);
}

function sumBlocks(s: Split, dim: number): number {
  return s.n === 0 ? 0 : (s.n - 1) * Math.ceil(s.first / dim) + Math.ceil(s.last / dim);
}

interface LoopTraffic {
  readonly firstLoad: number;
  readonly dramRead: number;
  readonly l2Read: number;
  readonly write: number;
  readonly compute: number;
  readonly lastCompute: number;
  readonly lastStore: number;
  /** Effective read request size (harmonic mean over the loop's streams). */
  readonly requestBytes: number;
  readonly macs: number;
}

function loopCost(ctx: CostContext, t: LoopTraffic): OpCost {
  const first = Math.min(t.firstLoad, t.dramRead);
  const fillDrain = t.compute > 0 ? 2 * ctx.dim : 0;
  const segments = [
    ...firstAccess(ctx, first),
    segment(ctx, first, 0, 0, 0, t.requestBytes),
    segment(
      ctx,
      t.dramRead - first,
      t.l2Read,
      t.write - t.lastStore,
      t.compute - t.lastCompute,
      t.requestBytes,
    ),
    segment(ctx, 0, 0, 0, t.lastCompute + fillDrain, t.requestBytes),
    segment(ctx, 0, 0, t.lastStore, 0, t.requestBytes),
  ];
  return {
    segments,
    leadLatency: first > 0,
    dramRead: t.dramRead,
    l2Read: t.l2Read,
    write: t.write,
    macs: t.macs,
  };
}

/** The wait for the first bytes of a transfer to come back (one DRAM load-to-use latency)
 *  before data streams; a pure delay, so it is a segment of local cycles. */
function firstAccess(ctx: CostContext, bytes: number): Segment[] {
  return bytes > 0 ? [segment(ctx, 0, 0, 0, ctx.dramLatency, ctx.requestBytes)] : [];
}

function harmonicRequest(streams: readonly { bytes: number; req: number }[]): number {
  let bytes = 0;
  let requests = 0;
  for (const s of streams) {
    bytes += s.bytes;
    requests += s.bytes / s.req;
  }
  return requests > 0 ? bytes / requests : 1;
}

/** Bytes of input a conv step needs for `pixels` consecutive output pixels (all channels);
 *  `inRows` = the input rows the whole loop reads (its row window: a row slice reads only
 *  its rows and their halo, never the padding). */
function convInputBlock(cfg: TileConfig, inRows: number, pixels: number, channels: number): number {
  const k = cfg.kernel;
  const s = cfg.convStride;
  if (cfg.outW === 0 || pixels === 0) return 0;
  if (pixels < cfg.outW) return Math.min(inRows, k) * Math.min(cfg.inW, (pixels - 1) * s + k) * channels;
  const rowsOut = Math.ceil(pixels / cfg.outW);
  return Math.min(inRows, (rowsOut - 1) * s + k) * cfg.inW * channels;
}

function matmulLike(ctx: CostContext, ins: Instruction, cfg: TileConfig, conv: boolean): OpCost {
  const dim = ctx.dim;
  const d = conv ? convDims(cfg, ins.flags) : { I: cfg.I, J: cfg.J, K: cfg.K, depthwise: false };
  const si = split(d.I, cfg.tileI);
  const sj = split(d.J, cfg.tileJ);
  const sk = split(d.K, cfg.tileK);
  if (si.n === 0 || sj.n === 0 || sk.n === 0)
    return { segments: [], leadLatency: false, dramRead: 0, l2Read: 0, write: 0, macs: 0 };
  const bias = (ins.flags & FLAG_BIAS) !== 0 && cfg.addrBias !== 0;
  const rows = sumRows(si, dim);
  const colBlocks = sumBlocks(sj, dim);
  const kBlocks = sumBlocks(sk, dim);
  let compute: number;
  let lastCompute: number;
  if (d.depthwise) {
    // Each channel's k² weights fill one array column; the other columns idle because
    // every channel needs its own input rows.
    compute = d.J * Math.ceil(d.K / dim) * rows;
    lastCompute = sj.last * Math.ceil(d.K / dim) * Math.max(si.last, dim);
  } else {
    compute = rows * colBlocks * kBlocks;
    lastCompute = Math.max(si.last, dim) * Math.ceil(sj.last / dim) * Math.ceil(sk.last / dim);
  }
  const macs = d.I * d.J * d.K;
  // A-side stream (matrix A or conv input) and B-side stream (weights).
  let aTotal: number;
  let aFirst: number;
  let aBlock: number;
  let aRow: number;
  if (!conv) {
    aTotal = d.I * d.K * sj.n;
    aFirst = d.I * d.K;
    aBlock = si.first * d.K;
    aRow = sk.first;
  } else {
    const channels = cfg.inC;
    const win = convRowWindow(cfg, ins.flags);
    const inRows = win.iy1 - win.iy0;
    const perJ =
      (si.n - 1) * convInputBlock(cfg, inRows, si.first, channels) +
      convInputBlock(cfg, inRows, si.last, channels);
    aTotal = d.depthwise ? perJ : perJ * sj.n;
    aFirst = Math.min(perJ, inRows * cfg.inW * channels);
    aBlock = convInputBlock(cfg, inRows, si.first, channels);
    aRow = cfg.strideA === cfg.inC ? cfg.inW * cfg.inC : cfg.inC;
  }
  const bTotal = d.K * d.J * si.n;
  const bFirst = d.K * d.J;
  const biasTotal = bias ? 4 * d.J * si.n : 0;
  const biasFirst = bias ? 4 * d.J : 0;
  const aReuseFits = aBlock + d.K * sj.first <= ctx.l2Share;
  const bReuseFits = d.K * d.J + aBlock <= ctx.l2Share;
  const dramRead =
    aFirst + bFirst + biasFirst + (aReuseFits ? 0 : aTotal - aFirst) + (bReuseFits ? 0 : bTotal - bFirst);
  const l2Read = aTotal + bTotal + biasTotal - dramRead;
  const pooled = conv && (ins.flags & FLAG_FUSED_POOL) !== 0;
  const write = pooled ? cfg.pooledH * cfg.pooledW * d.J : d.I * d.J;
  const lastStore = Math.ceil((write * si.last * sj.last) / (d.I * d.J));
  const kFrac = sk.first / d.K;
  const firstLoad = Math.ceil(
    (d.depthwise ? aBlock * (sj.first / d.J) : aBlock * kFrac) +
      sk.first * sj.first +
      (bias ? 4 * sj.first : 0),
  );
  const requestBytes = harmonicRequest([
    { bytes: aTotal, req: req(ctx, aRow) },
    { bytes: bTotal, req: req(ctx, sj.first) },
    { bytes: biasTotal, req: req(ctx, 4 * sj.first) },
  ]);
  return loopCost(ctx, {
    firstLoad,
    dramRead,
    l2Read,
    write,
    compute,
    lastCompute,
    lastStore,
    requestBytes,
    macs,
  });
}

/** Element-wise / pooling passes on the accumulator path, DIM lanes per cycle, streamed
 *  through the scratchpad in chunks of a quarter of it (two buffers per direction). */
function streamCost(
  ctx: CostContext,
  read: number,
  write: number,
  compute: number,
  rowBytes: number,
): OpCost {
  const chunks = Math.max(1, Math.ceil(read / (ctx.scratchpadBytes / 4)));
  return loopCost(ctx, {
    firstLoad: Math.ceil(read / chunks),
    dramRead: read,
    l2Read: 0,
    write,
    compute,
    lastCompute: Math.ceil(compute / chunks),
    lastStore: Math.ceil(write / chunks),
    requestBytes: req(ctx, rowBytes),
    macs: 0,
  });
}

function single(ctx: CostContext, s: Segment, dramRead: number, write: number, macs: number): OpCost {
  return {
    segments: [...firstAccess(ctx, dramRead), s],
    leadLatency: dramRead > 0,
    dramRead,
    l2Read: 0,
    write,
    macs,
  };
}

/** Cost of one instruction; configuration and control instructions cost nothing here
 *  (they issue in the shadow of the program fetch). */
export function opCost(ctx: CostContext, ins: Instruction, cfg: TileConfig): OpCost | undefined {
  const dim = ctx.dim;
  switch (ins.op) {
    case 'LOOP_MATMUL':
      return matmulLike(ctx, ins, cfg, false);
    case 'LOOP_CONV':
      return matmulLike(ctx, ins, cfg, true);
    case 'LOOP_RESADD':
      return streamCost(ctx, 2 * cfg.I * cfg.J, cfg.I * cfg.J, Math.ceil((cfg.I * cfg.J) / dim), cfg.J);
    case 'LOOP_POOL': {
      if ((ins.flags & FLAG_GLOBAL_AVG) !== 0) {
        const input = cfg.inH * cfg.inW * cfg.inC;
        return streamCost(ctx, input, cfg.inC, Math.ceil(input / dim), cfg.inC);
      }
      const win = poolRowWindow(cfg);
      const input = (win.iy1 - win.iy0) * cfg.inW * cfg.inC;
      const out = cfg.pooledH * cfg.pooledW * cfg.inC;
      return streamCost(ctx, input, out, Math.ceil((out * cfg.poolSize * cfg.poolSize) / dim), cfg.inC);
    }
    case 'LOOP_VEC':
      // Three passes over each row (max/mean, exp-sum/variance, normalise).
      return streamCost(ctx, cfg.I * cfg.J, cfg.I * cfg.J, Math.ceil((3 * cfg.I * cfg.J) / dim), cfg.J);
    case 'MVIN': {
      const rowBytes = ins.cols * ((ins.flags & FLAG_TO_ACC) !== 0 ? 4 : 1);
      const bytes = ins.rows * rowBytes;
      return single(ctx, segment(ctx, bytes, 0, 0, 0, req(ctx, rowBytes)), bytes, 0, 0);
    }
    case 'MVOUT':
      return single(
        ctx,
        segment(ctx, 0, 0, ins.rows * ins.cols, 0, ctx.requestBytes),
        0,
        ins.rows * ins.cols,
        0,
      );
    case 'PRELOAD':
      return single(ctx, segment(ctx, 0, 0, 0, dim, ctx.requestBytes), 0, 0, 0);
    case 'COMPUTE':
      return single(
        ctx,
        segment(ctx, 0, 0, 0, ins.rows + 2 * dim, ctx.requestBytes),
        0,
        0,
        ins.rows * dim * dim,
      );
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
    case 'FENCE':
    case 'GRANULE_END':
    case 'END':
      return undefined;
    default:
      return unreachable(ins, 'opcode');
  }
}

/** The program fetch: CMD_LEN bytes from DRAM in full-size requests. */
export function fetchCost(ctx: CostContext, bytes: number): OpCost {
  return single(ctx, segment(ctx, bytes, 0, 0, 0, ctx.requestBytes), bytes, 0, 0);
}
