// Imported QDQ models must compute what ONNX Runtime computes: each test builds a small
// quantized ONNX model, runs it with onnxruntime-node and with cotenant (import → compile →
// functional emulator), and compares the int8/uint8 outputs element by element.
// docs/import.md states the tolerance: identical, or ±1 LSB on at most 0.1% of elements
// where ONNX Runtime's residual add uses fixed-point multipliers (none observed here).
import test, { type ExecutionContext } from 'ava';
import { EMU, MOCA_8T } from '../../boards/definitions.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import type { GranuleSpec } from '../../runtime/compiler/types.ts';
import { runBoth } from './compare.ts';
import { decodeProgram, FLAG_WINDOW_AVG } from '../../boards/isa/index.ts';
import { importOnnx } from '../../runtime/import/onnx.ts';
import { compilePackage } from '../../runtime/infer.ts';
import { QdqBuilder, type QTensor } from './qdq-builder.ts';

async function same(
  t: ExecutionContext,
  b: QdqBuilder,
  y: QTensor,
  board: BoardDefinition = EMU,
  tiles = 1,
  granule: GranuleSpec = { kind: 'layer' },
): Promise<void> {
  const r = await runBoth(b, y, board, tiles, granule);
  t.log(`${r.ort.length} elements, ${r.distinct} distinct values, ${r.diffs} differ (max ${r.maxDiff})`);
  // guard against a vacuous pass: the reference output must spread over many values
  t.true(
    r.distinct > Math.min(20, r.ort.length / 2),
    `degenerate reference output (${r.distinct} distinct values)`,
  );
  t.true(r.maxDiff <= 1, `largest difference ${r.maxDiff} LSB`);
  t.true(r.diffs <= Math.floor(r.ort.length / 1000), `${r.diffs} of ${r.ort.length} elements differ by 1`);
}

for (const unsigned of [false, true]) {
  const kind = unsigned ? 'uint8' : 'int8';

  test(`${kind}: conv, odd shape, per-tensor and per-channel weights, padding with a zero point`, async (t) => {
    const b = new QdqBuilder(11, unsigned);
    const x = b.input([1, 3, 13, 11]);
    const c1 = b.conv(x, 8, 3, 1, 1, { perChannel: true });
    const c2 = b.conv(c1, 5, 5, 2, 2, { act: 'relu' });
    await same(t, b, c2);
  });

  test(`${kind}: depthwise conv (per-channel) + pointwise, relu6 as Clip`, async (t) => {
    const b = new QdqBuilder(12, unsigned);
    const x = b.input([1, 6, 9, 10]);
    const d = b.conv(x, 6, 3, 1, 1, { depthwise: true, perChannel: true, act: 'clip6' });
    const d2 = b.conv(d, 6, 3, 2, 1, { depthwise: true, perChannel: true });
    const p = b.conv(d2, 12, 1, 1, 0, { perChannel: true, act: 'relu' });
    await same(t, b, p);
  });

  test(`${kind}: residual add, max pool (ceil mode, padding), standalone relu`, async (t) => {
    const b = new QdqBuilder(13, unsigned);
    const x = b.input([1, 4, 15, 15]);
    const c1 = b.conv(x, 16, 3, 1, 1, { act: 'relu' });
    const c2 = b.conv(c1, 16, 3, 1, 1, { perChannel: true });
    const s = b.add(c1, c2);
    const m = b.maxPool(s, 3, 2, 1, 1);
    const c3 = b.conv(m, 8, 3, 1, 0, { standaloneRelu: true, act: 'relu' });
    await same(t, b, c3);
  });

  test(`${kind}: conv → global average → flatten → Gemm (per-channel) → MatMul`, async (t) => {
    const b = new QdqBuilder(14, unsigned);
    const x = b.input([1, 3, 12, 12]);
    const c = b.conv(x, 24, 3, 2, 1, { act: 'relu', perChannel: true });
    const g = b.globalAvgPool(c);
    const f = b.flatten(g);
    const fc = b.matmul(f, 20, { gemm: true, perChannel: true, act: 'relu' });
    const fc2 = b.matmul(fc, 10);
    await same(t, b, fc2);
  });

  test(`${kind}: concat of two convs, pooled map flattened (NCHW order) into a MatMul`, async (t) => {
    const b = new QdqBuilder(15, unsigned);
    const x = b.input([1, 5, 10, 9]);
    const sc = b.convScale(x, 3);
    const zp = b.zp();
    const a = b.convTo(x, 7, 3, 1, 1, sc, zp);
    const c = b.convTo(x, 9, 1, 1, 0, sc, zp, { perChannel: true });
    const cat = b.concat([a, c]);
    const m = b.maxPool(cat, 2, 2);
    const f = b.flatten(m, true);
    const fc = b.matmul(f, 33, { perChannel: true });
    await same(t, b, fc);
  });

  test(`${kind}: AveragePool windows on odd shapes: padding excluded and included, strides, ceil mode`, async (t) => {
    const b = new QdqBuilder(17, unsigned);
    const x = b.input([1, 5, 13, 11]);
    const c = b.conv(x, 12, 3, 1, 1, { act: 'relu', perChannel: true });
    const a1 = b.avgPool(c, 3, 2, 1); // count_include_pad = 0: border windows divide by fewer taps
    const a2 = b.avgPool(c, 3, 1, 1, { countPad: true });
    const a3 = b.avgPool(c, 2, 2, 0, { ceil: true }); // clipped last windows (odd sizes)
    const m = b.add(b.conv(a1, 12, 1, 1, 0), b.conv(b.avgPool(a2, 5, 2, 2), 12, 1, 1, 0));
    const y = b.conv(b.add(m, b.conv(a3, 12, 1, 1, 0)), 16, 3, 1, 1);
    await same(t, b, y);
  });

  test(`${kind}: AveragePool as the output: 3×3 windows, stride 2, border windows averaging fewer taps`, async (t) => {
    const b = new QdqBuilder(18, unsigned);
    const x = b.input([1, 6, 9, 12]);
    await same(t, b, b.avgPool(b.conv(x, 20, 3, 1, 1, { perChannel: true }), 3, 2, 1));
  });

  test(`${kind}: convs with more padding at the bottom/right (SAME-style, stride 2, odd sizes)`, async (t) => {
    const b = new QdqBuilder(23, unsigned);
    const x = b.input([1, 3, 15, 12]);
    const c1 = b.conv(x, 16, 3, 2, [0, 1, 1], { act: 'relu', perChannel: true }); // 7×6
    const d = b.conv(c1, 16, 3, 2, [1, 2, 1], { depthwise: true, perChannel: true }); // 4×3
    await same(t, b, b.conv(d, 12, 2, 1, [0, 1, 1]));
  });

  test(`${kind}: pools with more padding at the bottom/right than the top/left (SAME-style)`, async (t) => {
    const b = new QdqBuilder(20, unsigned);
    const x = b.input([1, 5, 11, 10]);
    const c = b.conv(x, 16, 3, 1, 1, { act: 'relu', perChannel: true });
    const a = b.avgPool(c, 2, 2, [0, 1, 0]); // 6×5: the last row's windows hold one input row
    const m = b.maxPool(c, 3, 2, [1, 2, 1]); // 6×5
    await same(t, b, b.add(b.conv(a, 16, 1, 1, 0), b.conv(m, 16, 1, 1, 0)));
  });

  test(`${kind}: AveragePool over the whole map, 2-D MatMul on several rows`, async (t) => {
    const b = new QdqBuilder(16, unsigned);
    const x = b.input([1, 8, 7, 7]);
    const c = b.conv(x, 32, 3, 1, 1);
    const g = b.globalAvgPool(c, true);
    const f = b.flatten(g);
    await same(t, b, b.matmul(f, 17, { gemm: true }));
  });
}

test('split across tiles and granules: the same output as ONNX Runtime on a 4-tile board', async (t) => {
  const b = new QdqBuilder(21);
  const x = b.input([1, 3, 32, 32]);
  const c1 = b.conv(x, 32, 3, 1, 1, { act: 'relu', perChannel: true });
  const d = b.conv(c1, 32, 3, 1, 1, { depthwise: true, perChannel: true, act: 'relu' });
  const c2 = b.conv(d, 64, 1, 1, 0, { perChannel: true });
  const s = b.add(c2, b.conv(c1, 64, 1, 1, 0));
  const m = b.maxPool(s, 2, 2);
  const g = b.globalAvgPool(m);
  const fc = b.matmul(b.flatten(g), 40, { gemm: true, perChannel: true });
  await same(t, b, fc, MOCA_8T, 4, { kind: 'cycles', max: 20_000 });
});

test("windowed average pools split into row slices across tiles and granules: ONNX Runtime's output", async (t) => {
  const b = new QdqBuilder(22, true);
  const x = b.input([1, 8, 29, 27]);
  const c = b.conv(x, 32, 3, 1, 1, { act: 'relu', perChannel: true });
  const a = b.avgPool(c, 3, 1, 1); // border windows average fewer taps, in every slice
  const a2 = b.avgPool(a, 3, 2, 1, { countPad: true });
  const y = b.conv(a2, 24, 1, 1, 0, { perChannel: true });
  const granule = { kind: 'cycles', max: 5_000 } as const;
  // not vacuous: the averages really run as row slices (LOOP_POOL after a non-zero firstRow)
  const compiled = compilePackage(importOnnx(b.build(y), 'avg.onnx'), MOCA_8T, { tiles: 4, granule });
  let firstRow = 0,
    slices = 0;
  for (const st of compiled.steps)
    for (const prog of st.programs)
      for (const ins of decodeProgram(prog.bytes)) {
        if (ins.op === 'CFG_CONV_KERNEL') firstRow = ins.firstRow;
        if (ins.op === 'LOOP_POOL' && (ins.flags & FLAG_WINDOW_AVG) !== 0 && firstRow > 0) slices++;
      }
  t.true(slices >= 4, `${slices} average-pool row slices`);
  await same(t, b, y, MOCA_8T, 4, granule);
});
