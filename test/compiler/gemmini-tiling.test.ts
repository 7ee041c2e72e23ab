// Gemmini's conv tiler (runtime/compiler/cost-gemmini.ts) against tiles worked out by hand
// from tiled_conv_auto's algorithm, and the properties its greedy loop guarantees.
import test from 'ava';
import { MOCA_8T } from '../../boards/definitions.ts';
import { gemminiConvTiling, type GemminiConvShape } from '../../runtime/compiler/cost-gemmini.ts';

const DIM = 16;
// half the scratchpad and half the accumulator, in DIM-wide rows (tiled_conv_total_spad_rows)
const SPAD_ROWS = MOCA_8T.scratchpadBytes / DIM / 2;
const ACC_ROWS = MOCA_8T.accumulatorBytes / (4 * DIM) / 2;

function rows(s: GemminiConvShape, f: number[]): { spad: number; acc: number } {
  const [porows, pocols, ochs, krows, kcols, kchs] = f as [number, number, number, number, number, number];
  const ps = s.pool?.size ?? 1;
  const pst = s.pool?.stride ?? 1;
  const orows = porows * pst + ps - 1;
  const ocols = pocols * pst + ps - 1;
  const irows = orows * s.stride + krows - 1;
  const icols = ocols * s.stride + kcols - 1;
  const ds =
    s.stride === 2 && s.kernel === 1 && s.padding === 0 && s.pool === null && s.inW % 2 === 0 ? 1 : 0;
  return {
    spad:
      Math.ceil(kchs / DIM) * (irows >> ds) * (icols >> ds) + Math.ceil(ochs / DIM) * kcols * krows * kchs,
    acc: Math.ceil(ochs / DIM) * orows * ocols,
  };
}

const alexnet1: GemminiConvShape = {
  inC: 3,
  outC: 64,
  kernel: 11,
  stride: 4,
  padding: 2,
  inW: 224,
  pooledRows: 55,
  pooledCols: 55,
  pool: null,
};
const resnet1: GemminiConvShape = {
  inC: 3,
  outC: 64,
  kernel: 7,
  stride: 2,
  padding: 3,
  inW: 224,
  pooledRows: 56,
  pooledCols: 56,
  pool: { size: 3, stride: 2 },
};

test("AlexNet's and ResNet-50's first layers: the tiles tiled_conv_auto's greedy loop ends at", (t) => {
  // AlexNet: shrink the largest factor (channels by DIM, rows and columns by one, columns kept
  // above DIM while rows > 1) until 4063 spad rows / 160 acc rows fit 4096 / 512, then grow.
  t.like(gemminiConvTiling(alexnet1, MOCA_8T), {
    porows: 10,
    pocols: 16,
    pochs: 16,
    krows: 11,
    kcols: 11,
    kchs: 3,
  });
  t.like(gemminiConvTiling(resnet1, MOCA_8T), {
    porows: 6,
    pocols: 17,
    pochs: 16,
    krows: 7,
    kcols: 7,
    kchs: 3,
  });
});

test('a layer that fits half the scratchpad and accumulator whole is one tile', (t) => {
  const small: GemminiConvShape = {
    ...alexnet1,
    inC: 16,
    outC: 16,
    kernel: 3,
    stride: 1,
    padding: 1,
    inW: 8,
    pooledRows: 8,
    pooledCols: 8,
  };
  t.like(gemminiConvTiling(small, MOCA_8T), {
    porows: 8,
    pocols: 8,
    pochs: 16,
    krows: 3,
    kcols: 3,
    kchs: 16,
  });
});

test('every tile it picks fits, and no factor can grow by one without overflowing (the loop ran to its end)', (t) => {
  const shapes: GemminiConvShape[] = [alexnet1, resnet1];
  for (const inC of [3, 64, 256])
    for (const outC of [64, 192, 512])
      for (const [kernel, stride] of [
        [1, 1],
        [3, 1],
        [3, 2],
        [5, 1],
        [1, 2],
      ] as const)
        for (const hw of [7, 14, 27, 56])
          shapes.push({
            inC,
            outC,
            kernel,
            stride,
            padding: kernel === 1 ? 0 : 1,
            inW: hw * stride,
            pooledRows: hw,
            pooledCols: hw,
            pool: null,
          });
  for (const s of shapes) {
    const g = gemminiConvTiling(s, MOCA_8T);
    const f = [g.porows, g.pocols, g.pochs, g.krows, g.kcols, g.kchs];
    const max = [s.pooledRows, s.pooledCols, s.outC, s.kernel, s.kernel, s.inC];
    const r = rows(s, f);
    t.true(r.spad <= SPAD_ROWS && r.acc <= ACC_ROWS, JSON.stringify({ s, g, r }));
    for (let i = 0; i < f.length; i++) {
      if (f[i]! >= max[i]!) continue;
      const grown = [...f];
      grown[i]!++;
      const q = rows(s, grown);
      t.false(
        q.spad <= SPAD_ROWS && q.acc <= ACC_ROWS,
        `factor ${i} of ${JSON.stringify({ s, g })} could still grow`,
      );
    }
  }
});
