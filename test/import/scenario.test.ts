// Scenarios naming model packages by path, with an inputs folder: `cotenant run` computes
// real outputs, and each equals ONNX Runtime's output for the input file it was given.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import ort from 'onnxruntime-node';
import { importOnnx } from '../../runtime/import/onnx.ts';
import { writeModelPackage } from '../../runtime/models/package-io.ts';
import { formatNpy, parseNpy } from '../../runtime/tensor-file.ts';
import { cli, tempDir } from '../runtime/cli-helpers.ts';
import { QdqBuilder } from './qdq-builder.ts';

test('run: a package tenant with inputs writes outputs equal to ONNX Runtime, next to a package tenant without', async (t) => {
  const dir = tempDir();
  const a = new QdqBuilder(51, true);
  const ya = a.matmul(
    a.flatten(a.globalAvgPool(a.conv(a.input([1, 3, 12, 12]), 8, 3, 1, 1, { act: 'relu' }))),
    5,
  );
  const b = new QdqBuilder(52);
  const yb = b.conv(b.input([1, 4, 8, 8]), 8, 3, 1, 1);
  await writeModelPackage(join(dir, 'models/a'), importOnnx(a.build(ya), 'a.onnx'));
  await writeModelPackage(join(dir, 'models/b'), importOnnx(b.build(yb), 'b.onnx'));
  mkdirSync(join(dir, 'inputs/a'), { recursive: true });
  const xs = [a.sampleInput(), a.sampleInput(), a.sampleInput()];
  xs.forEach((x, i) => writeFileSync(join(dir, `inputs/a/frame${i}.npy`), formatNpy(x, a.inputDims())));
  writeFileSync(
    join(dir, 'scenario.json'),
    JSON.stringify({
      board: 'emu',
      run: { requests: 8 },
      tenants: [
        {
          name: 'a',
          model: './models/a',
          inputs: './inputs/a',
          priority: 5,
          deadline: '100us',
          arrival: { kind: 'periodic', period: '20us' },
        },
        {
          name: 'b',
          model: './models/b',
          priority: 1,
          deadline: '200us',
          arrival: { kind: 'periodic', period: '30us' },
        },
      ],
    }),
  );
  const out = join(dir, 'out');
  const r = await cli('run', join(dir, 'scenario.json'), '--outputs', out, '--json');
  t.is(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as {
    outputs: number[];
    tenants: { completed: number; missed: number }[];
  };
  t.is(json.outputs[0], json.tenants[0]!.completed + json.tenants[0]!.missed);
  t.is(json.outputs[1], 0);
  const files = readdirSync(join(out, 'a')).sort();
  t.true(files.length >= 3);
  const session = await ort.InferenceSession.create(a.build(ya));
  for (const f of files) {
    const seq = Number(f.replace('.npy', ''));
    const want = (await session.run({ input: new ort.Tensor('float32', xs[seq % 3]!, a.inputDims()) }))[
      ya.name
    ]!.data;
    t.deepEqual(
      Array.from(parseNpy(readFileSync(join(out, 'a', f)), f).data),
      Array.from(want as Uint8Array),
      f,
    );
  }
  await session.release();
});

test('run: a model path without a package, and inputs for a zoo model, are clear errors', async (t) => {
  const dir = tempDir();
  const base = { board: 'emu', run: { requests: 2 } };
  const tenant = { name: 'x', priority: 1, deadline: '1ms', arrival: { kind: 'periodic', period: '1ms' } };
  writeFileSync(
    join(dir, 's1.json'),
    JSON.stringify({ ...base, tenants: [{ ...tenant, model: './nowhere' }] }),
  );
  const r1 = await cli('run', join(dir, 's1.json'));
  t.not(r1.status, 0);
  t.regex(r1.stderr, /tenants\[0\]\.model: no model package at .*nowhere \(create one with cotenant import/);
  writeFileSync(
    join(dir, 's2.json'),
    JSON.stringify({ ...base, tenants: [{ ...tenant, model: 'yololite', inputs: './in' }] }),
  );
  const r2 = await cli('run', join(dir, 's2.json'));
  t.not(r2.status, 0);
  t.regex(r2.stderr, /tenants\[0\]\.inputs: zoo models have no trained weights/);
});
