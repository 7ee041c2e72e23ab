// What MoCA's own conv tiling makes Gemmini do for one layer (bench:fidelity's "MoCA's tiling"
// section): the tile factors of `tiling_factor_calculate` (runtime/compiler/cost-gemmini.ts),
// then the loop `tiled_conv_A_stride_cid` runs — output-channel tile, pooled row, pooled
// column, kernel row, kernel column, input-channel tile, one gemmini_loop_conv_ws per tile —
// counted analytically: how many loops, the array cycles (LoopConvExecute feeds each output
// row's columns in chunks of ≤ DIM, one weight block per kernel position and ≤ DIM input
// channels, DIM cycles per chunk), and the input's DMA requests (each tile moves its kernel
// slice's window, irows = orows·stride + krows − 1 by icols = ocols·stride + kcols − 1, one
// request per pixel of ≤ 64 bytes).
import type { BoardDefinition } from '../boards/types.ts';
import { mocaConvTiling, type MocaConvTiles } from '../runtime/compiler/cost-gemmini.ts';
import type { ConvLayer } from '../runtime/models/types.ts';

export interface MocaConvAccount {
  readonly tiles: MocaConvTiles;
  readonly loops: number;
  readonly arrayCycles: number;
  readonly inputRequests: number;
  /** Input bytes moved over all loops / the input's size. */
  readonly inputMoves: number;
}

export function mocaConvAccount(layer: ConvLayer, def: BoardDefinition): MocaConvAccount {
  const [inH, inW, inC] = layer.in;
  const [outH, outW, outC] = layer.out;
  const k = layer.kernel;
  const s = layer.stride;
  const p = layer.padding;
  const pool = layer.pool ?? null;
  const ps = pool?.size ?? 1;
  const pst = pool?.stride ?? 1;
  const ppad = pool?.padding ?? 0;
  const pH = pool ? pool.h : outH;
  const pW = pool ? pool.w : outW;
  const dim = def.dim;
  const t = mocaConvTiling(
    {
      inC,
      outC,
      kernel: k,
      stride: s,
      padding: p,
      inW,
      pooledRows: pH,
      pooledCols: pW,
      pool: pool ? { size: ps, stride: pst } : null,
      maxBlockLen: def.dmaRequestBytes / dim,
    },
    def,
  );
  let loops = 0;
  let arrayCycles = 0;
  let inputRequests = 0;
  let inputBytes = 0;
  for (let oc = 0; oc < outC; oc += t.pochs)
    for (let pr = 0; pr < pH; pr += t.porows)
      for (let pc = 0; pc < pW; pc += t.pocols) {
        const prs = Math.min(t.porows, pH - pr);
        const pcs = Math.min(t.pocols, pW - pc);
        // conv rows and columns of the tile, clipped to the map (pupad/pdpad, plpad/prpad)
        const oy = pr * pst - ppad;
        const ox = pc * pst - ppad;
        const cy0 = Math.max(0, oy);
        const cy1 = Math.min(outH, oy + prs * pst + ps - 1);
        const cx0 = Math.max(0, ox);
        const cx1 = Math.min(outW, ox + pcs * pst + ps - 1);
        const orows = cy1 - cy0;
        const ocols = cx1 - cx0;
        const ochs = Math.min(t.pochs, outC - oc);
        for (let kr = 0; kr < k; kr += t.krows)
          for (let kc = 0; kc < k; kc += t.kcols)
            for (let ic = 0; ic < inC; ic += t.kchs) {
              const krs = Math.min(t.krows, k - kr);
              const kcs = Math.min(t.kcols, k - kc);
              const kchs = Math.min(t.kchs, inC - ic);
              loops++;
              arrayCycles +=
                Math.ceil(ochs / dim) *
                krs *
                kcs *
                Math.ceil(kchs / dim) *
                orows *
                Math.ceil(ocols / dim) *
                dim;
              const iy0 = Math.max(0, cy0 * s - p + kr);
              const iy1 = Math.min(inH, (cy1 - 1) * s - p + kr + krs);
              const ix0 = Math.max(0, cx0 * s - p + kc);
              const ix1 = Math.min(inW, (cx1 - 1) * s - p + kc + kcs);
              const px = Math.max(0, iy1 - iy0) * Math.max(0, ix1 - ix0);
              inputRequests += px * Math.ceil(kchs / def.dmaRequestBytes);
              inputBytes += px * kchs;
            }
      }
  return { tiles: t, loops, arrayCycles, inputRequests, inputMoves: inputBytes / (inH * inW * inC) };
}
