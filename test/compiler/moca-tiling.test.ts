// MoCA's conv tiler (tiling_factor_calculate, runtime/compiler/cost-gemmini.ts), the first-layer
// tiles the compiler takes from it, MoCA's split axis (split-moca.ts), and the emulator's rule
// that K tiles of whole kernel positions re-read the input (boards/emulator/footprint.ts).
import test from 'ava';
import { MOCA_8T } from '../../boards/definitions.ts';
import { kernelSlices } from '../../boards/emulator/footprint.ts';
import {
  mocaConvTiling,
  mocaFirstLayerTiles,
  type MocaConvShape,
} from '../../runtime/compiler/cost-gemmini.ts';
import { mocaSplitAxis } from '../../runtime/compiler/split-moca.ts';
import { loadModel } from '../../runtime/models/index.ts';
import { compileModel } from '../../runtime/compiler/compile.ts';

const alexnet1: MocaConvShape = {
  inC: 3,
  outC: 64,
  kernel: 11,
  stride: 4,
  padding: 2,
  inW: 224,
  pooledRows: 55,
  pooledCols: 55,
  pool: null,
  maxBlockLen: 4,
};

test("AlexNet's first layer: the tiles MoCA's tiler ends at, worked by hand", (t) => {
  // 128 KiB: 4096 spad rows, 512 acc rows. Shrink: output channels (64, the largest) cut the
  // kernel first — kernel rows to 1, kernel columns 11 → 1 — then halve to 32; pooled columns
  // 55 → 48 → 32 → 16; pooled rows 55 → 15 (orows·4 · 64 cols must fit 4096). Grow (kernel
  // columns first, +2 on the first step): kernel columns 1 → 3, kernel rows 1 → 2.
  t.deepEqual(mocaConvTiling(alexnet1, MOCA_8T), {
    porows: 15,
    pocols: 16,
    pochs: 32,
    krows: 2,
    kcols: 3,
    kchs: 3,
  });
  // with Gemmini's default 256 KiB scratchpad the same loop ends elsewhere
  t.like(mocaConvTiling(alexnet1, { ...MOCA_8T, scratchpadBytes: 256 * 1024 }), { krows: 4, kcols: 1 });
});

test('a deep conv keeps its whole kernel; the compiler takes MoCA tiles only for a cut first layer', (t) => {
  const deep = { ...alexnet1, inC: 256, outC: 256, kernel: 3, stride: 1, padding: 1, inW: 13 };
  const tiles = mocaConvTiling({ ...deep, pooledRows: 13, pooledCols: 13 }, MOCA_8T);
  t.true(tiles.kchs % 16 === 0);
  const first = mocaFirstLayerTiles({ ...alexnet1, outW: 55, convRows: 55 }, MOCA_8T);
  t.deepEqual(first, { tI: 240, tJ: 32, tK: 18 });
  t.is(mocaFirstLayerTiles({ ...deep, outW: 13, convRows: 13 }, MOCA_8T), undefined);
  const compiled = compileModel(loadModel('alexnet'), MOCA_8T, {
    tiles: 1,
    granule: { kind: 'layer' },
    regionBase: MOCA_8T.dram.base,
  });
  t.deepEqual(compiled.steps[0]!.programs.length, 1);
});

test('kernel slices: K tiles of whole kernel positions, only below DIM input channels', (t) => {
  // 11×11 kernel, 3 channels, 6 positions (18 rows) per K tile: 21 tiles
  const s = kernelSlices(11, 3, 18, 16)!;
  t.is(s.length, 21);
  t.deepEqual(s[0], { ry: 1, rx: 6 }); // positions 0–5 of kernel row 0
  t.deepEqual(s[1], { ry: 2, rx: 11 }); // positions 6–11: columns 6–10 of row 0 and 0 of row 1
  t.is(kernelSlices(11, 3, 363, 16), undefined); // the whole K: read once
  t.is(kernelSlices(11, 3, 20, 16), undefined); // not whole positions
  t.is(kernelSlices(3, 256, 512, 16), undefined); // deep layers split channels
});

test("MoCA's split axis: conv rows when padding is 0 or the rows divide, else channels; FC by columns", (t) => {
  const conv = (p: number, outH: number) =>
    ({
      kind: 'conv',
      depthwise: false,
      inC: 64,
      outC: 64,
      outH,
      outW: outH,
      k: 3,
      s: 1,
      p,
      pool: null,
    }) as never;
  t.is(mocaSplitAxis(conv(1, 56), 2, 16), 'rows');
  t.is(mocaSplitAxis(conv(1, 7), 2, 16), 'cols');
  t.is(mocaSplitAxis(conv(0, 7), 2, 16), 'rows');
  const mm = (I: number, J: number) => ({ kind: 'matmul', I, J, K: 64 }) as never;
  t.is(mocaSplitAxis(mm(3136, 64), 2, 16), 'rows');
  t.is(mocaSplitAxis(mm(1, 4096), 2, 16), 'cols');
  t.is(mocaSplitAxis(mm(49, 16), 2, 16), 'rows'); // J < 2·n·DIM: rows, unevenly
});

test("every tile MoCA's tiler picks fits half the scratchpad and half the accumulator", (t) => {
  const DIM = 16;
  const spadRows = MOCA_8T.scratchpadBytes / DIM / 2;
  const accRows = MOCA_8T.accumulatorBytes / (4 * DIM) / 2;
  let n = 0;
  for (const inC of [3, 64, 256])
    for (const outC of [64, 192, 512])
      for (const [kernel, stride] of [
        [1, 1],
        [3, 1],
        [3, 2],
        [5, 1],
        [11, 4],
      ] as const)
        for (const hw of [7, 14, 27, 56]) {
          const s: MocaConvShape = {
            inC,
            outC,
            kernel,
            stride,
            padding: kernel === 1 ? 0 : 1,
            inW: hw * stride,
            pooledRows: hw,
            pooledCols: hw,
            pool: null,
            maxBlockLen: 4,
          };
          const g = mocaConvTiling(s, MOCA_8T);
          const irows = g.porows * stride + g.krows - 1;
          const icols = g.pocols * stride + g.kcols - 1;
          const spad =
            Math.ceil(g.kchs / DIM) * irows * icols + Math.ceil(g.pochs / DIM) * g.krows * g.kcols * g.kchs;
          const acc = Math.ceil(g.pochs / DIM) * g.porows * g.pocols;
          t.true(spad <= spadRows && acc <= accRows, JSON.stringify({ s, g, spad, acc }));
          t.true(
            g.porows >= 1 && g.pocols >= 1 && g.pochs >= 1 && g.krows >= 1 && g.kcols >= 1 && g.kchs >= 1,
          );
          n++;
        }
  t.is(n, 180);
});
