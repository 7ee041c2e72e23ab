// cotenant import + infer from the command line: the written output equals ONNX Runtime's.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import ort from 'onnxruntime-node';
import { parseNpy, formatNpy } from '../../runtime/tensor-file.ts';
import { cli, tempDir } from '../runtime/cli-helpers.ts';
import { QdqBuilder } from './qdq-builder.ts';

test('import writes a package; infer on it writes the same output as ONNX Runtime', async (t) => {
  const dir = tempDir();
  const b = new QdqBuilder(31, true);
  const x = b.input([1, 3, 14, 14]);
  const c = b.conv(b.conv(x, 12, 3, 2, 1, { act: 'relu', perChannel: true }), 12, 3, 1, 1, {
    depthwise: true,
  });
  const y = b.matmul(b.flatten(b.globalAvgPool(c)), 10, { gemm: true });
  const onnxFile = join(dir, 'net.onnx');
  writeFileSync(onnxFile, b.build(y));
  const input = b.sampleInput();
  writeFileSync(join(dir, 'x.npy'), formatNpy(input, b.inputDims()));

  const imp = await cli('import', onnxFile, '-o', join(dir, 'net'), '--json');
  t.is(imp.status, 0, imp.stderr);
  t.like(JSON.parse(imp.stdout), { layers: 4, input: 'uint8 [1, 3, 14, 14]', output: 'uint8 [1, 10]' });

  const inf = await cli(
    'infer',
    join(dir, 'net'),
    '--input',
    join(dir, 'x.npy'),
    '--out',
    join(dir, 'y.npy'),
    '--json',
  );
  t.is(inf.status, 0, inf.stderr);
  const got = parseNpy(readFileSync(join(dir, 'y.npy')), 'y.npy');
  t.deepEqual(got.shape, [1, 10]);

  const session = await ort.InferenceSession.create(b.build(y));
  const want = (await session.run({ input: new ort.Tensor('float32', input, b.inputDims()) }))[y.name]!.data;
  await session.release();
  t.deepEqual(Array.from(got.data), Array.from(want as Uint8Array));
});

test('infer on a folder that is not a package says how to make one', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'x.bin'), new Uint8Array(4));
  const r = await cli('infer', join(dir, 'nothing'), '--input', join(dir, 'x.bin'));
  t.not(r.status, 0);
  t.regex(r.stderr, /is not a model package .*cotenant import model\.onnx -o/);
});
