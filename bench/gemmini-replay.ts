// Replays a conv layer as Gemmini's own software runs it (bench:fidelity's "Gemmini's
// tiling" section): tiled_conv_auto's tile factors (runtime/compiler/cost-gemmini.ts), then
// one loop per tile in tiled_conv's order (pooled row, pooled column, output channels, input
// channels), each loop moving in its tile's input (halo included) and weights, computing,
// and storing — as each gemmini_loop_conv_ws call does. Each tile becomes one LOOP_CONV on
// the emulated board (timing mode), so every cost is the emulator's own. Two differences from
// the hardware, both documented where this is printed: the emulator runs consecutive loops
// back to back (Gemmini's LoopConv keeps two loops in flight, so one loop's loads can overlap
// the previous loop's compute) and keeps nothing in the L2 across instructions (the tiles'
// input re-reads would hit Gemmini's L2). The replay is therefore an upper bound on the cost
// of Gemmini's tiling under the emulator's rules; `computeCycles` and `loadCycles` give the
// overlapped lower bound.
import { createEmulatedBoard } from '../boards/emulator/index.ts';
import {
  FLAG_BIAS,
  FLAG_FUSED_POOL,
  encodeProgram,
  instr,
  packPooled,
  type Instruction,
} from '../boards/isa/index.ts';
import { STATUS_BUSY, registerAddress } from '../boards/registers.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { gemminiConvTiling, type GemminiConvTiles } from '../runtime/compiler/cost-gemmini.ts';
import type { ConvLayer } from '../runtime/models/types.ts';

export interface Replay {
  readonly tiles: GemminiConvTiles;
  readonly loops: number;
  /** Input bytes moved in over all loops / the input's size. */
  readonly inputMoves: number;
  /** DMA requests for the input (one per pixel row of ≤ min(kchs, 64) bytes) and their size. */
  readonly inputRequests: number;
  readonly inputRequestBytes: number;
  /** Emulated cycles of the loops run back to back. */
  readonly cycles: number;
  /** Σ over the loops of their array cycles (⌈pixels/DIM⌉·DIM per weight block). */
  readonly computeCycles: number;
  /** Σ over the loops of their input + weight requests × the unloaded DRAM latency / requests in flight. */
  readonly loadCycles: number;
}

/** `run: false` skips the emulator run (`cycles` is then 0): the tiling and its compute and load
 *  bounds only. */
export function replayGemminiConv(layer: ConvLayer, def: BoardDefinition, run = true): Replay {
  if (layer.kind !== 'conv') throw new Error(`${layer.name}: only dense convs have a Gemmini conv tiling`);
  const [inH, inW, inC] = layer.in;
  const [outH, outW, outC] = layer.out;
  const k = layer.kernel;
  const s = layer.stride;
  const p = layer.padding;
  const pool = layer.pool ?? null;
  const pst = pool?.stride ?? 1;
  const ps = pool?.size ?? 1;
  const ppad = pool?.padding ?? 0;
  const pooledH = pool ? pool.h : outH;
  const pooledW = pool ? pool.w : outW;
  const t = gemminiConvTiling(
    {
      inC,
      outC,
      kernel: k,
      stride: s,
      padding: p,
      inW,
      pooledRows: pooledH,
      pooledCols: pooledW,
      pool: pool ? { size: ps, stride: pst } : null,
    },
    def,
  );
  const dim = def.dim;
  const base = def.dram.base;
  const addrIn = base;
  const addrW = base + 64 * (1 << 20);
  const addrBias = base + 128 * (1 << 20);
  const addrOut = base + 192 * (1 << 20);
  const words: Instruction[] = [];
  let inputBytes = 0;
  let inputRequests = 0;
  let computeCycles = 0;
  let loadRequestCycles = 0;
  let loops = 0;
  const reqIn = Math.min(t.kchs, def.dmaRequestBytes);
  for (let pr = 0; pr < pooledH; pr += t.porows) {
    for (let pc = 0; pc < pooledW; pc += t.pocols) {
      const prs = Math.min(t.porows, pooledH - pr);
      const pcs = Math.min(t.pocols, pooledW - pc);
      // tiled_conv: orows_ = porows_·pool_stride + pool_size − 1 conv rows from
      // porow·pool_stride − pool_padding, clipped to the conv map (pupad/pdpad)
      const oy = pr * pst - ppad;
      const ox = pc * pst - ppad;
      const cy0 = Math.max(0, oy);
      const cy1 = Math.min(outH, oy + prs * pst + ps - 1);
      const cx0 = Math.max(0, ox);
      const cx1 = Math.min(outW, ox + pcs * pst + ps - 1);
      const iy0 = Math.max(0, cy0 * s - p);
      const iy1 = Math.min(inH, (cy1 - 1) * s - p + k);
      const ix0 = Math.max(0, cx0 * s - p);
      const ix1 = Math.min(inW, (cx1 - 1) * s - p + k);
      const tileOutH = cy1 - cy0;
      const tileOutW = cx1 - cx0;
      const tileInH = iy1 - iy0;
      const tileInW = ix1 - ix0;
      const pixels = tileOutH * tileOutW;
      for (let oc = 0; oc < outC; oc += t.pochs) {
        const ochs = Math.min(t.pochs, outC - oc);
        for (let ic = 0; ic < inC; ic += t.kchs) {
          const kchs = Math.min(t.kchs, inC - ic);
          const last = ic + kchs >= inC;
          loops++;
          inputBytes += tileInH * tileInW * kchs;
          const inReq = tileInH * tileInW * Math.ceil(kchs / def.dmaRequestBytes);
          inputRequests += inReq;
          const wReq = k * k * kchs * Math.ceil(ochs / def.dmaRequestBytes);
          loadRequestCycles += inReq + wReq;
          computeCycles +=
            Math.ceil(ochs / dim) * k * k * Math.ceil(kchs / dim) * Math.ceil(pixels / dim) * dim;
          // The tile as one loop: its own input window (padding already cut away), weights,
          // the bias on the first input-channel tile, the (pooled) output on the last.
          const K = k * k * kchs;
          const fit = Math.floor(def.scratchpadBytes / 2 / K - ochs);
          const tileI = Math.max(dim, Math.min(pixels, Math.floor(fit / dim) * dim));
          const pooled = pool !== null && last;
          words.push(
            instr('CFG_CONV_IN', { inH: tileInH, inW: tileInW, inC: kchs }),
            instr('CFG_CONV_OUT', { outH: tileOutH, outW: tileOutW, outC: ochs }),
            instr('CFG_CONV_KERNEL', { kernel: k, stride: s, padding: 0, firstRow: 0 }),
            ...(pooled
              ? [
                  instr('CFG_POOL', {
                    size: ps,
                    stride: pst,
                    padding: 0,
                    pooledHW: packPooled(Math.min(prs, Math.floor((tileOutH - ps) / pst) + 1), pcs),
                  }),
                ]
              : []),
            instr('CFG_TILE', { tileI, tileJ: 0, tileK: 0 }),
            instr('CFG_ADDR_IN', { addrA: addrIn, addrB: addrW, addrBias: ic === 0 ? addrBias : 0 }),
            instr('CFG_ADDR_OUT', { addrC: addrOut }),
            instr('CFG_STRIDE', { strideA: kchs, strideB: ochs, strideC: ochs }),
            instr('CFG_QUANT', { multiplier: 1, shift: 0 }),
            instr('LOOP_CONV', {
              flags: (ic === 0 ? FLAG_BIAS : 0) | (pooled ? FLAG_FUSED_POOL : 0),
            }),
          );
        }
      }
    }
  }
  words.push(instr('END'));
  const bounds = {
    tiles: t,
    loops,
    inputMoves: inputBytes / (inH * inW * inC),
    inputRequests,
    inputRequestBytes: reqIn,
    computeCycles,
    loadCycles: Math.ceil((loadRequestCycles * def.dramLatencyCycles) / def.dmaMaxInflight),
  };
  return { ...bounds, cycles: run ? runLoops(words, def, layer.name) : 0 };
}

/** Runs `words` on tile 0 of a fresh emulated board (timing mode); the cycles to its done event. */
function runLoops(words: readonly Instruction[], def: BoardDefinition, what: string): number {
  const base = def.dram.base;
  const board = createEmulatedBoard(def, { mode: 'timing' });
  const bytes = encodeProgram(words);
  const progAddr = base + 256 * (1 << 20);
  board.writeMemory(progAddr, bytes);
  board.writeRegister(registerAddress('REGION_BASE', 0), base);
  board.writeRegister(registerAddress('REGION_LIMIT', 0), base + 512 * (1 << 20));
  board.writeRegister(registerAddress('CMD_ADDR', 0), progAddr);
  board.writeRegister(registerAddress('CMD_LEN', 0), bytes.length);
  const start = board.cycle;
  board.writeRegister(registerAddress('DOORBELL', 0), 1);
  let end = start;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const r = board.advance(start + 1e12);
    const fault = r.events.find((e) => e.kind === 'fault');
    if (fault) throw new Error(`replay of ${what} faulted: ${JSON.stringify(fault)}`);
    const done = r.events.find((e) => e.kind === 'done');
    if (done) {
      end = done.cycle;
      break;
    }
    if ((board.readRegister(registerAddress('STATUS', 0)) & STATUS_BUSY) === 0) break;
  }
  return end - start;
}
