// Functional runs on the emulator must equal the CPU reference bit for bit.
import test from 'ava';
import { EMU, MOCA_8T } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { InProcessDevice } from '../../drivers/inprocess.ts';
import { compileModel, makeWeights, type GranuleSpec } from '../../runtime/compiler/index.ts';
import { parseModel, type ModelTable } from '../../runtime/models/index.ts';
import { runReference, requant } from '../../runtime/reference/index.ts';
import { runCompiled } from '../../runtime/profile.ts';
import type { BoardDefinition } from '../../boards/types.ts';

function model(name: string, input: [number, number, number], layers: unknown[]): ModelTable {
  return parseModel(
    { name, displayName: name, source: 'test', input: { h: input[0], w: input[1], c: input[2] }, layers },
    name,
  );
}

async function check(
  t: import('ava').ExecutionContext,
  m: ModelTable,
  board: BoardDefinition,
  tiles: number,
  granule: GranuleSpec,
  seed = 7,
) {
  const compiled = compileModel(m, board, { tiles, granule, regionBase: board.dram.base, functional: true });
  const data = makeWeights(m, seed);
  const ref = runReference(compiled, data);
  const device = new InProcessDevice(createEmulatedBoard(board, { mode: 'functional' }));
  await runCompiled(device, compiled, { data });
  const { address, bytes } = compiled.layout.output;
  const got = await device.readMemory(address, bytes);
  const want = ref.read(address, bytes);
  // guard against a vacuous pass: the output must not be all one value
  t.true(new Set(want).size > 2, 'reference output is degenerate');
  t.deepEqual(
    Buffer.from(got),
    Buffer.from(want),
    `${m.name} on ${board.id}, ${tiles} tile(s), ${JSON.stringify(granule)}`,
  );
}

const LAYER: GranuleSpec = { kind: 'layer' };

const conv = (
  name: string,
  inp: string,
  i: [number, number, number],
  oc: number,
  k: number,
  s: number,
  p: number,
  extra: object = {},
) => {
  const oh = Math.floor((i[0] + 2 * p - k) / s) + 1,
    ow = Math.floor((i[1] + 2 * p - k) / s) + 1;
  return {
    name,
    kind: 'conv',
    inputs: [inp],
    in: i,
    out: [oh, ow, oc],
    kernel: k,
    stride: s,
    padding: p,
    relu: true,
    ...extra,
  };
};

test('requant rounds half up and saturates (docs/isa.md)', (t) => {
  t.is(requant(3, 1, 1), 2); // (3 + 1) / 2 = 2
  t.is(requant(-3, 1, 1), -1); // floor((-3 + 1) / 2) = -1
  t.is(requant(5, 3, 2), 4); // floor((15 + 2) / 4) = 4
  t.is(requant(1000, 1, 0), 127);
  t.is(requant(-1000, 1, 0), -128);
});

test('single conv 3x3/1 pad 1, odd shapes (13x11x5 → 19 ch), 1 and 3 tiles', async (t) => {
  const m = model('conv', [13, 11, 5], [conv('c', 'input', [13, 11, 5], 19, 3, 1, 1)]);
  await check(t, m, EMU, 1, LAYER);
  await check(t, m, EMU, 3, LAYER);
});

test('strided unpadded conv with fused max-pool, split by rows', async (t) => {
  const m = model(
    'convpool',
    [23, 17, 3],
    [conv('c', 'input', [23, 17, 3], 21, 3, 2, 0, { pool: { size: 3, stride: 2, padding: 0, h: 5, w: 3 } })],
  );
  await check(t, m, EMU, 1, LAYER);
  await check(t, m, EMU, 2, LAYER);
});

test('depthwise 3x3 pad 1 (37 channels)', async (t) => {
  const m = model('dw', [9, 7, 37], [{ ...conv('d', 'input', [9, 7, 37], 37, 3, 1, 1), kind: 'dwconv' }]);
  await check(t, m, EMU, 1, LAYER);
  await check(t, m, EMU, 2, LAYER);
});

test('matmul with odd I/J/K, and an FC (I = 1) split by columns', async (t) => {
  const mm = model(
    'mm',
    [37, 1, 45],
    [{ name: 'm', kind: 'matmul', inputs: ['input'], I: 37, J: 29, K: 45, weights: 'B', relu: false }],
  );
  await check(t, mm, EMU, 1, LAYER);
  await check(t, mm, EMU, 2, LAYER);
  const fc = model(
    'fc',
    [1, 1, 300],
    [{ name: 'fc', kind: 'matmul', inputs: ['input'], I: 1, J: 70, K: 300, weights: 'B', relu: true }],
  );
  await check(t, fc, EMU, 3, LAYER);
});

test('max pool 3x3/2 with padding, and residual add', async (t) => {
  const m = model(
    'poolres',
    [11, 9, 13],
    [
      {
        name: 'p',
        kind: 'pool',
        inputs: ['input'],
        in: [11, 9, 13],
        out: [6, 5, 13],
        kernel: 3,
        stride: 2,
        padding: 1,
      },
      conv('c', 'p', [6, 5, 13], 13, 1, 1, 0),
      { name: 'r', kind: 'add', inputs: ['p', 'c'], I: 30, J: 13, relu: true },
    ],
  );
  await check(t, m, EMU, 1, LAYER);
  await check(t, m, EMU, 2, LAYER);
});

// A small CNN with a fire-style concat, a residual block, global average and a classifier.
const smallNet = () =>
  model(
    'smallnet',
    [20, 20, 3],
    [
      conv('c1', 'input', [20, 20, 3], 16, 3, 2, 1),
      { name: 'sq', kind: 'matmul', inputs: ['c1'], I: 100, J: 8, K: 16, weights: 'B', relu: true },
      {
        name: 'e1',
        kind: 'matmul',
        inputs: ['sq'],
        I: 100,
        J: 16,
        K: 8,
        weights: 'B',
        relu: true,
        concat: { buffer: 'fire', offset: 0 },
      },
      { ...conv('e3', 'sq', [10, 10, 8], 16, 3, 1, 1), concat: { buffer: 'fire', offset: 16 } },
      conv('c2', 'e1', [10, 10, 32], 32, 3, 1, 1, { inputs: ['e1', 'e3'] }),
      { name: 'p', kind: 'matmul', inputs: ['c2'], I: 100, J: 32, K: 32, weights: 'B', relu: false },
      { name: 'res', kind: 'add', inputs: ['c2', 'p'], I: 100, J: 32, relu: true },
      {
        name: 'pool',
        kind: 'pool',
        inputs: ['res'],
        in: [10, 10, 32],
        out: [5, 5, 32],
        kernel: 2,
        stride: 2,
        padding: 0,
      },
      { name: 'gap', kind: 'global_avgpool', inputs: ['pool'], in: [5, 5, 32] },
      { name: 'fc', kind: 'matmul', inputs: ['gap'], I: 1, J: 10, K: 32, weights: 'B', relu: false },
    ],
  );

test('whole small network with seeded weights: layer, block and cycle granules, 1-4 tiles', async (t) => {
  const m = smallNet();
  await check(t, m, EMU, 1, LAYER, 1);
  await check(t, m, EMU, 2, { kind: 'block', layers: 3 }, 2);
  await check(t, m, MOCA_8T, 4, { kind: 'cycles', max: 3000 }, 3);
});

test('a cut-down yolo-lite runs bit-exactly on 2 tiles', async (t) => {
  const m = model(
    'yl',
    [32, 32, 3],
    [
      conv('c1', 'input', [32, 32, 3], 16, 3, 1, 1),
      conv('c2', 'c1', [16, 16, 16], 32, 3, 1, 1),
      conv('c3', 'c2', [8, 8, 32], 64, 3, 1, 1),
      { name: 'c4', kind: 'matmul', inputs: ['c3'], I: 64, J: 20, K: 64, weights: 'B', relu: true },
    ],
  );
  await check(t, m, EMU, 2, LAYER, 11);
});
