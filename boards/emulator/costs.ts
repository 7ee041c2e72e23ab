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
import {
  convDims,
  convRowWindow,
  kernelSlices,
  poolRecompute,
  poolRowWindow,
  sliceInput,
  tileOf,
} from './footprint.ts';
import { segment, type MemoryTiming, type Segment } from './segment.ts';

export interface CostContext extends MemoryTiming {
  readonly dim: number;
  readonly scratchpadBytes: number;
  readonly accumulatorBytes: number;
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
//
// Array cycles to stream a tile of r rows through one weight block: the tile is issued as
// ⌈r/DIM⌉ COMPUTE commands and each takes DIM cycles whatever its row count, because
// Gemmini's ExecuteController counts the rows it feeds with a counter that wraps at
// block_size (rows past the command's own are fed as zeros; docs/emulator.md).
function rowsCycles(r: number, dim: number): number {
  return Math.ceil(r / dim) * dim;
}

function sumRows(s: Split, dim: number): number {
  return s.n === 0 ? 0 : (s.n - 1) * rowsCycles(s.first, dim) + rowsCycles(s.last, dim);
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
  /** Write request size (one output row per request, ≤ dmaRequestBytes). */
  readonly writeRequestBytes: number;
  readonly macs: number;
}

function loopCost(ctx: CostContext, t: LoopTraffic): OpCost {
  const first = Math.min(t.firstLoad, t.dramRead);
  const fillDrain = t.compute > 0 ? 2 * ctx.dim : 0;
  const w = t.writeRequestBytes;
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
      w,
    ),
    segment(ctx, 0, 0, 0, t.lastCompute + fillDrain, t.requestBytes),
    segment(ctx, 0, 0, t.lastStore, 0, t.requestBytes, w),
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

/** Input bytes one i-tile of `pixels` output pixels needs for a kernel slice of ry × rx. */
function sliceInputBlock(cfg: TileConfig, inRows: number, pixels: number, ry: number, rx: number): number {
  return sliceInput(cfg.outW, cfg.inW, cfg.inC, cfg.convStride, inRows, pixels, ry, rx);
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
  // Gemmini's conv loop (LoopConv, gemmini_loop_conv_ws) preloads one weight block per
  // kernel position and block of ≤ DIM input channels: a conv uses k²·⌈inC/DIM⌉ weight
  // blocks along K, so an RGB first layer puts 3 channels on the array's 16 rows.
  const kBlocks =
    conv && !d.depthwise ? cfg.kernel * cfg.kernel * Math.ceil(cfg.inC / dim) : sumBlocks(sk, dim);
  const lastKBlocks =
    conv && !d.depthwise ? Math.max(1, Math.ceil((kBlocks * sk.last) / d.K)) : Math.ceil(sk.last / dim);
  // A fused pool recomputes the conv outputs its windows share across accumulator tiles.
  const recompute =
    conv && (ins.flags & FLAG_FUSED_POOL) !== 0
      ? poolRecompute(cfg.outW, cfg.pooledW, cfg.poolSize, cfg.poolStride, si.first)
      : 1;
  let compute: number;
  let lastCompute: number;
  if (d.depthwise) {
    // Each channel's k² weights fill one array column; the other columns idle because
    // every channel needs its own input rows.
    compute = d.J * Math.ceil(d.K / dim) * rows;
    lastCompute = sj.last * Math.ceil(d.K / dim) * rowsCycles(si.last, dim);
  } else {
    compute = rows * colBlocks * kBlocks;
    lastCompute = rowsCycles(si.last, dim) * Math.ceil(sj.last / dim) * lastKBlocks;
  }
  compute = Math.ceil(compute * recompute);
  lastCompute = Math.ceil(lastCompute * recompute);
  const macs = d.I * d.J * d.K;
  // A-side stream (matrix A or conv input) and B-side stream (weights).
  let aTotal: number;
  let aFirst: number;
  let aBlock: number;
  let aRow: number;
  let aFirstStep: number | undefined;
  if (!conv) {
    aTotal = d.I * d.K * sj.n;
    aFirst = d.I * d.K;
    aBlock = si.first * d.K;
    aRow = sk.first;
  } else {
    const channels = cfg.inC;
    const win = convRowWindow(cfg, ins.flags);
    const inRows = win.iy1 - win.iy0;
    const slices = d.depthwise ? undefined : kernelSlices(cfg.kernel, cfg.inC, tileOf(cfg.tileK, d.K), dim);
    let perJ = 0;
    if (slices === undefined) {
      perJ =
        (si.n - 1) * convInputBlock(cfg, inRows, si.first, channels) +
        convInputBlock(cfg, inRows, si.last, channels);
    } else {
      // K tiled by kernel positions: every K tile reads its slice's input window.
      for (const sl of slices)
        perJ +=
          (si.n - 1) * sliceInputBlock(cfg, inRows, si.first, sl.ry, sl.rx) +
          sliceInputBlock(cfg, inRows, si.last, sl.ry, sl.rx);
    }
    aTotal = d.depthwise ? perJ : perJ * sj.n;
    aFirst = Math.min(perJ, inRows * cfg.inW * channels);
    aBlock = convInputBlock(cfg, inRows, si.first, channels);
    if (slices !== undefined)
      aFirstStep = sliceInputBlock(cfg, inRows, si.first, slices[0]!.ry, slices[0]!.rx);
    // The conv loop moves the input in one scratchpad row per pixel (its channels), and the
    // DMA issues each row as its own request: an RGB input is read 3 bytes per request.
    aRow = cfg.inC;
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
    (aFirstStep ?? (d.depthwise ? aBlock * (sj.first / d.J) : aBlock * kFrac)) +
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
    writeRequestBytes: req(ctx, sj.first),
    macs,
  });
}

/** Element-wise passes (LOOP_VEC: softmax / layernorm), DIM lanes per cycle, streamed
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
    writeRequestBytes: req(ctx, rowBytes),
    macs: 0,
  });
}

/** A residual add or global average pool as Gemmini's software runs it (docs/emulator.md): the
 *  operands are moved into the accumulator, then the result is moved out of it, one
 *  accumulator-sized tile at a time. Every tile reuses the same accumulator rows, so a tile's
 *  loads wait for the previous tile's store (write-after-read) and its store waits for its
 *  loads (read-after-write): reads and writes never overlap, and each tile pays one DRAM
 *  latency for its first load and one for its last store's acknowledgement. */
function phasedCost(
  ctx: CostContext,
  tiles: number,
  read: number,
  readRow: number,
  loadCycles: number,
  write: number,
  writeRow: number,
  storeCycles: number,
): OpCost {
  if (read <= 0 && write <= 0)
    return { segments: [], leadLatency: false, dramRead: 0, l2Read: 0, write: 0, macs: 0 };
  const segments: Segment[] = [
    segment(ctx, 0, 0, 0, 2 * tiles * ctx.dramLatency, ctx.requestBytes),
    segment(ctx, read, 0, 0, loadCycles, req(ctx, readRow)),
    segment(ctx, 0, 0, write, storeCycles, ctx.requestBytes, req(ctx, writeRow)),
  ];
  return { segments, leadLatency: false, dramRead: read, l2Read: 0, write, macs: 0 };
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
    case 'LOOP_RESADD': {
      // tiled_resadd: mvin A, mvin B accumulating onto it, mvout C; a tile fills the whole
      // accumulator (accumulatorBytes / 4 int32 elements).
      const elems = cfg.I * cfg.J;
      const tiles = Math.ceil(elems / (ctx.accumulatorBytes / 4));
      const rows = Math.ceil(elems / dim);
      return phasedCost(ctx, tiles, 2 * elems, cfg.J, 2 * rows, elems, cfg.J, rows);
    }
    case 'LOOP_POOL': {
      if ((ins.flags & FLAG_GLOBAL_AVG) !== 0) {
        // tiled_global_average: one mvin (one pixel's channels) per pixel, accumulating.
        const input = cfg.inH * cfg.inW * cfg.inC;
        return phasedCost(ctx, 1, input, cfg.inC, Math.ceil(input / dim), cfg.inC, cfg.inC, 1);
      }
      // tiled_pool: the input is moved into half of the accumulator in rows of at most
      // MAX_BLOCK_LEN_ACC·DIM = DIM channels (16-byte requests), then the pooling store reads
      // window² accumulator rows per pooled row, plus one (MoCA's own per-tile estimate in
      // tiled_pool_bubble_calculate), and writes each pooled pixel's DIM channels as one
      // row. Tiles fill half the accumulator so the next tile's loads overlap this tile's
      // store (double buffering), as for the conv and matmul loops.
      const win = poolRowWindow(cfg);
      const input = (win.iy1 - win.iy0) * cfg.inW * cfg.inC;
      const out = cfg.pooledH * cfg.pooledW * cfg.inC;
      const tiles = Math.max(1, Math.ceil(input / (ctx.accumulatorBytes / 8)));
      const store = Math.ceil(out / dim) * (cfg.poolSize * cfg.poolSize + 1);
      const row = Math.min(dim, cfg.inC);
      return loopCost(ctx, {
        firstLoad: Math.ceil(input / tiles),
        dramRead: input,
        l2Read: 0,
        write: out,
        compute: store,
        lastCompute: Math.ceil(store / tiles),
        lastStore: Math.ceil(out / tiles),
        requestBytes: req(ctx, row),
        writeRequestBytes: req(ctx, row),
        macs: 0,
      });
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
        segment(ctx, 0, 0, 0, rowsCycles(ins.rows, dim) + 2 * dim, ctx.requestBytes),
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
    case 'CFG_QPARAM':
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
