import test from 'ava';
import { loadModel, modelNames, modelTotals, parseModel } from '../../runtime/models/index.ts';
import { ModelError } from '../../boards/errors.ts';

// Figures from the shared models README (batch 1): layers, MACs, int8 weight bytes.
const README: Record<string, [number, number, number]> = {
  resnet50: [71, 4_089_233_408, 25_552_064],
  alexnet: [14, 714_286_784, 61_188_800],
  googlenet: [70, 1_498_376_192, 6_609_344],
  squeezenet: [26, 349_151_936, 1_231_552],
  kws: [36, 1_018_967_040, 438_615],
  yolov2: [24, 2_792_194_048, 20_851_552],
  yololite: [7, 240_041_984, 572_336],
  'bert-base': [156, 11_173_625_856, 84_934_656],
  mobilenetv2: [64, 300_774_272, 3_469_760],
};

test('the zoo holds the nine models of the brief', (t) => {
  t.deepEqual([...modelNames()].sort(), Object.keys(README).sort());
});

for (const [name, [layers, macs, weights]] of Object.entries(README)) {
  test(`${name}: totals equal the source README`, (t) => {
    const tot = modelTotals(loadModel(name));
    t.is(tot.layers, layers);
    t.is(tot.macs, macs);
    t.is(tot.weightBytes, weights);
  });
}

test('layer kinds per model match the README breakdown', (t) => {
  t.deepEqual(modelTotals(loadModel('mobilenetv2')).byKind, {
    conv: 1,
    dwconv: 17,
    matmul: 35,
    add: 10,
    global_avgpool: 1,
  });
  t.deepEqual(modelTotals(loadModel('bert-base')).byKind, {
    matmul: 96,
    softmax: 12,
    add: 24,
    layernorm: 24,
  });
});

test('aliases resolve, unknown names list the valid ones', (t) => {
  t.is(loadModel('ResNet-50').name, 'resnet50');
  t.is(loadModel('yolo-lite').name, 'yololite');
  t.is(loadModel('mobilenet_v2').name, 'mobilenetv2');
  const err = t.throws(() => loadModel('vgg16'), { instanceOf: ModelError });
  t.regex(err.message, /unknown model "vgg16"/);
  t.regex(err.message, /resnet50/);
  t.regex(err.message, /bert-base/);
});

const tiny = () => ({
  name: 'tiny',
  displayName: 'Tiny',
  source: 'test',
  input: { h: 8, w: 8, c: 3 },
  layers: [
    {
      name: 'c1',
      kind: 'conv',
      inputs: ['input'],
      in: [8, 8, 3],
      out: [8, 8, 16],
      kernel: 3,
      stride: 1,
      padding: 1,
      relu: true,
    },
    { name: 'fc', kind: 'matmul', inputs: ['c1'], I: 1, J: 10, K: 1024, weights: 'B', relu: false },
  ],
});

test('a valid hand-written table parses', (t) => {
  t.is(parseModel(tiny(), 'tiny').layers.length, 2);
});

test('malformed tables name the model, layer and field', (t) => {
  const bad1 = tiny();
  (bad1.layers[0] as Record<string, unknown>).stride = 0;
  t.throws(() => parseModel(bad1, 'tiny'), {
    instanceOf: ModelError,
    message: /model tiny: layer c1 \(index 0\): field stride/,
  });

  const bad2 = tiny();
  (bad2.layers[0] as Record<string, unknown>).out = [7, 8, 16];
  t.throws(() => parseModel(bad2, 'tiny'), {
    instanceOf: ModelError,
    message: /layer c1: field out.h: 7 but 8 with kernel 3/,
  });

  const bad3 = tiny();
  bad3.layers[1]!.inputs = ['c9'];
  t.throws(() => parseModel(bad3, 'tiny'), {
    instanceOf: ModelError,
    message: /layer fc: field inputs: "c9" is not an earlier layer/,
  });

  const bad4 = tiny();
  (bad4.layers[1] as Record<string, unknown>).kind = 'lstm';
  t.throws(() => parseModel(bad4, 'tiny'), {
    instanceOf: ModelError,
    message: /layer fc \(index 1\): field kind/,
  });

  t.throws(() => parseModel({ ...tiny(), input: { h: 8, w: 8 } }, 'tiny'), {
    instanceOf: ModelError,
    message: /model tiny: field input.c/,
  });
});
