// The importer's errors and the model it writes, without ONNX Runtime.
import test from 'ava';
import { ModelError } from '../../boards/errors.ts';
import { importOnnx } from '../../runtime/import/onnx.ts';
import type { Layer } from '../../runtime/models/types.ts';
import { QdqBuilder } from './qdq-builder.ts';

test('an unsupported operator is named with its node and the supported list', (t) => {
  const b = new QdqBuilder(1);
  const x = b.input([1, 3, 8, 8]);
  const y = b.raw('Sigmoid', b.conv(x, 4, 3, 1, 1));
  const e = t.throws(() => importOnnx(b.build(y), 'm.onnx'), { instanceOf: ModelError });
  t.regex(
    e.message,
    /m\.onnx: node Sigmoid_\d+ \(Sigmoid\): operator Sigmoid is not supported; supported operators: .*Conv.*MaxPool/,
  );
});

test('bytes that are not ONNX are a ModelError', (t) => {
  const e = t.throws(() => importOnnx(Uint8Array.from([0xff, 0xff, 0xff, 0x01, 0x02]), 'junk.onnx'), {
    instanceOf: ModelError,
  });
  t.regex(e.message, /junk\.onnx/);
});

test('the layer table follows the zoo schema: kinds, shapes, concat targets, per-layer quantization', (t) => {
  const b = new QdqBuilder(2, true);
  const x = b.input([1, 5, 10, 9]);
  const sc = b.convScale(x, 3);
  const zp = b.zp();
  const cat = b.concat([b.convTo(x, 7, 3, 1, 1, sc, zp), b.convTo(x, 9, 1, 1, 0, sc, zp)]);
  const y = b.matmul(b.flatten(b.maxPool(cat, 2, 2)), 6, { perChannel: true });
  const pkg = importOnnx(b.build(y), 'cat.onnx');
  const kinds = pkg.table.layers.map((l) => l.kind);
  t.deepEqual(kinds, ['conv', 'conv', 'pool', 'matmul']);
  const [c1, c2, pool, fc] = pkg.table.layers as [Layer, Layer, Layer, Layer];
  t.deepEqual(c1.kind === 'conv' && c1.concat?.offset, 0);
  t.deepEqual(c2.kind === 'conv' && c2.concat?.offset, 7);
  t.deepEqual(pool.kind === 'pool' && pool.out, [5, 4, 16]);
  t.deepEqual(fc.kind === 'matmul' && [fc.I, fc.J, fc.K], [1, 6, 5 * 4 * 16]);
  t.is(pkg.quant.get(fc.name)!.scales.length, 6);
  t.is(pkg.input.dtype, 'uint8');
  t.deepEqual(pkg.output.shape, [1, 6]);
});

test('an AveragePool with a window outside what the ISA runs is refused, saying what is supported', (t) => {
  const b = new QdqBuilder(3);
  const x = b.input([1, 2, 6, 6]);
  const y = b.avgPool(b.conv(x, 2, 3, 1, 1), 2, 2, 2);
  const e = t.throws(() => importOnnx(b.build(y), 'avg.onnx'), { instanceOf: ModelError });
  t.regex(e.message, /\(AveragePool\): padding 2 ≥ window 2: a window could lie entirely in the padding/);
});

test('count_include_pad with a ceil-mode window past the padded input is refused (ONNX Runtime counts it two ways)', (t) => {
  const b = new QdqBuilder(4);
  const x = b.input([1, 2, 10, 9]);
  const y = b.avgPool(b.conv(x, 2, 3, 1, 1), 3, 2, 0, { countPad: true, ceil: true });
  const e = t.throws(() => importOnnx(b.build(y), 'avg.onnx'), { instanceOf: ModelError });
  t.regex(
    e.message,
    /\(AveragePool\): count_include_pad with ceil_mode where the last window reaches past the padded input/,
  );
});
