// Imported models on the emulator equal the CPU reference (runtime/reference, written from
// docs/isa.md's affine mode) byte for byte, split across tiles and granules.
import test from 'ava';
import { EMU, MOCA_8T } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { InProcessDevice } from '../../drivers/inprocess.ts';
import type { GranuleSpec } from '../../runtime/compiler/types.ts';
import { importOnnx } from '../../runtime/import/onnx.ts';
import { compilePackage, inferCompiled, packageImage, quantizeInput } from '../../runtime/infer.ts';
import { rne, runReferenceImage } from '../../runtime/reference/index.ts';
import { QdqBuilder } from './qdq-builder.ts';

const cases: [string, typeof EMU, number, GranuleSpec][] = [
  ['emu, 1 tile, layers', EMU, 1, { kind: 'layer' }],
  ['moca-8t, 3 tiles, cycle granules', MOCA_8T, 3, { kind: 'cycles', max: 5_000 }],
];

for (const [label, board, tiles, granule] of cases) {
  test(`imported model = reference, ${label}`, async (t) => {
    const b = new QdqBuilder(61, true);
    const x = b.input([1, 5, 13, 11]);
    const c1 = b.conv(x, 24, 3, 1, 1, { act: 'relu', perChannel: true });
    const d = b.conv(c1, 24, 3, 2, 1, { depthwise: true, perChannel: true, act: 'clip6' });
    const s = b.add(d, b.conv(d, 24, 1, 1, 0));
    const m = b.maxPool(s, 2, 2, 1);
    const a = b.avgPool(b.avgPool(m, 3, 1, 1), 2, 1, 1, { countPad: true });
    const y = b.matmul(b.flatten(b.globalAvgPool(a)), 19, { gemm: true, perChannel: true });
    const pkg = importOnnx(b.build(y), 'ref.onnx');
    const compiled = compilePackage(pkg, board, { tiles, granule });
    const input = quantizeInput(pkg, b.sampleInput());
    const ref = runReferenceImage(compiled, packageImage(compiled, pkg, input));
    const dev = new InProcessDevice(createEmulatedBoard(board, { mode: 'functional' }));
    const got = await inferCompiled(dev, compiled, pkg, input);
    const { address, bytes } = compiled.layout.output;
    const want = ref.read(address, bytes);
    t.true(new Set(want).size > 8, 'degenerate reference output');
    t.deepEqual(Buffer.from(got.raw.buffer, got.raw.byteOffset, got.raw.length), Buffer.from(want));
  });
}

test('rne rounds half to even', (t) => {
  t.deepEqual(
    [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map((x) => rne(x) + 0),
    [0, 2, 2, 0, -2, -2, 2, -3],
  );
});
