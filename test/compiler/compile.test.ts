import test from 'ava';
import { BOARDS, EMU } from '../../boards/definitions.ts';
import { decodeProgram } from '../../boards/isa/index.ts';
import { CompileError, ConfigError } from '../../boards/errors.ts';
import {
  compileModel,
  parseGranule,
  chooseTiles,
  type CompiledModel,
  type GranuleSpec,
} from '../../runtime/compiler/index.ts';
import { loadModel, modelNames, modelTotals } from '../../runtime/models/index.ts';

const GRANULES: GranuleSpec[] = [
  { kind: 'layer' },
  { kind: 'block', layers: 3 },
  { kind: 'cycles', max: 150_000 },
];

function checkStructure(t: import('ava').ExecutionContext, c: CompiledModel, nLayers: number): void {
  const { regionBase, regionBytes } = c.layout;
  const end = regionBase + regionBytes;
  let prevLast = -1;
  const progs: [number, number][] = [];
  for (const s of c.steps) {
    t.true(s.programs.length >= 1 && s.programs.length <= c.tiles);
    t.true(s.layers.first >= prevLast && s.layers.first <= s.layers.last);
    prevLast = s.layers.last;
    for (const p of s.programs) {
      const ins = decodeProgram(p.bytes);
      const n = ins.length;
      const granule = ins[n - 2];
      if (granule?.op !== 'GRANULE_END' || granule.tag !== s.tag || ins[n - 1]!.op !== 'END')
        t.fail(`step ${s.index} tile ${p.tile} does not end with GRANULE_END(${s.tag}), END`);
      if (p.address < regionBase || p.address + p.bytes.length > end) t.fail('program outside the region');
      progs.push([p.address, p.address + p.bytes.length]);
    }
  }
  t.is(prevLast, nLayers - 1);
  // programs never overlap each other, and never overlap data (weights, input)
  const data: [number, number][] = [
    [c.layout.input.address, c.layout.input.address + c.layout.input.bytes],
    ...c.layout.weights
      .filter((w) => w.bytes > 0)
      .map((w) => [w.address, w.address + w.bytes] as [number, number]),
  ];
  const all = [...progs, ...data].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < all.length; i++)
    if (all[i]![0] < all[i - 1]![1]) t.fail(`regions overlap at 0x${all[i]![0].toString(16)}`);
  for (const [lo, hi] of all) if (lo < regionBase || hi > end) t.fail('region outside the tenant region');
}

for (const name of modelNames()) {
  test(`${name} compiles on emu and moca-8t with 1, 2, 4 tiles and every granule kind`, (t) => {
    const model = loadModel(name);
    const tot = modelTotals(model);
    for (const board of [BOARDS.emu, BOARDS['moca-8t']]) {
      for (const tiles of [1, 2, 4]) {
        for (const granule of GRANULES) {
          const c = compileModel(model, board, { tiles, granule, regionBase: board.dram.base + 0x100000 });
          checkStructure(t, c, model.layers.length);
          // every MAC of the model is issued at least once (fused-pool row splits may recompute a halo)
          t.true(c.totals.macs >= tot.macs);
          if (granule.kind === 'layer') t.is(c.steps.length, model.layers.length);
          if (granule.kind === 'block') {
            // a block step spans at most `layers` layers, and blocks never cut more steps than layers
            const wide = c.steps.filter((s) => s.layers.last - s.layers.first >= granule.layers);
            t.deepEqual(
              wide.map((s) => s.index),
              [],
              `${board.name} ${tiles} tiles: steps spanning more than ${granule.layers} layers`,
            );
            t.true(c.steps.length <= model.layers.length);
          }
        }
      }
    }
  });
}

test('cycle granules respect the budget on every step of resnet50', (t) => {
  const model = loadModel('resnet50');
  const max = 100_000;
  const c = compileModel(model, EMU, {
    tiles: 2,
    granule: { kind: 'cycles', max },
    regionBase: EMU.dram.base,
  });
  // every layer can now be cut (convs and pools by rows too, docs/isa.md row slices), so
  // no step is over the budget
  t.deepEqual(
    c.steps.filter((s) => s.estCycles > max).map((s) => s.index),
    [],
  );
  const byLayer = compileModel(model, EMU, {
    tiles: 2,
    granule: { kind: 'layer' },
    regionBase: EMU.dram.base,
  });
  t.true(
    Math.max(...byLayer.steps.map((s) => s.estCycles)) > max,
    'the test budget must actually force splits',
  );
  t.true(c.steps.length > byLayer.steps.length);
});

test('block granules hold at most N layers and fewer steps than layer granules', (t) => {
  const model = loadModel('mobilenetv2');
  const c = compileModel(model, EMU, {
    tiles: 1,
    granule: { kind: 'block', layers: 4 },
    regionBase: EMU.dram.base,
  });
  // on one tile no piece can race another, so every block is exactly 4 layers (the last may be shorter)
  t.is(c.steps.length, Math.ceil(model.layers.length / 4));
});

test('tiles fit half the scratchpad and half the accumulator', (t) => {
  for (const [I, J, K] of [
    [50176, 16, 27],
    [1, 4096, 9216],
    [128, 3072, 768],
    [3136, 256, 64],
  ] as const) {
    for (const board of [BOARDS.emu, BOARDS['moca-8t']]) {
      const tl = chooseTiles(I, J, K, board, 'x');
      t.true(tl.tI * tl.tK + tl.tK * tl.tJ <= board.scratchpadBytes / 2);
      t.true(tl.tI * tl.tJ * 4 <= board.accumulatorBytes / 2);
      for (const [v, n] of [
        [tl.tI, I],
        [tl.tJ, J],
        [tl.tK, K],
      ] as const)
        t.true(v === n || v % board.dim === 0);
    }
  }
});

test('bad options are typed errors naming the valid range', (t) => {
  const m = loadModel('yololite');
  t.throws(() => compileModel(m, EMU, { tiles: 0, granule: { kind: 'layer' }, regionBase: EMU.dram.base }), {
    instanceOf: ConfigError,
    message: /1 to 4/,
  });
  t.throws(() => compileModel(m, EMU, { tiles: 5, granule: { kind: 'layer' }, regionBase: EMU.dram.base }), {
    instanceOf: ConfigError,
    message: /1 to 4 on board emu/,
  });
  t.throws(() => compileModel(m, EMU, { tiles: 1, granule: { kind: 'layer' }, regionBase: 0 }), {
    instanceOf: ConfigError,
    message: /regionBase/,
  });
  t.throws(
    () =>
      compileModel(m, EMU, {
        tiles: 1,
        granule: { kind: 'layer' },
        regionBase: EMU.dram.base + EMU.dram.bytes - 4096,
      }),
    { instanceOf: CompileError, message: /past the end/ },
  );
  t.throws(
    () => chooseTiles(16, 16, 16, { ...EMU, scratchpadBytes: 64, accumulatorBytes: 64 }, 'tiny board'),
    { instanceOf: CompileError, message: /no tiling/ },
  );
});

test('granule option parsing', (t) => {
  t.deepEqual(parseGranule('layer'), { kind: 'layer' });
  t.deepEqual(parseGranule('block'), { kind: 'block', layers: 4 });
  t.deepEqual(parseGranule('block:2'), { kind: 'block', layers: 2 });
  t.deepEqual(parseGranule('50k'), { kind: 'cycles', max: 50000 });
  t.deepEqual(parseGranule('2m'), { kind: 'cycles', max: 2000000 });
  t.throws(() => parseGranule('tiny'), { instanceOf: ConfigError, message: /layer, block, block:N/ });
});

test('compilation is deterministic', (t) => {
  const m = loadModel('googlenet');
  const a = compileModel(m, EMU, {
    tiles: 2,
    granule: { kind: 'cycles', max: 200000 },
    regionBase: EMU.dram.base,
  });
  const b = compileModel(m, EMU, {
    tiles: 2,
    granule: { kind: 'cycles', max: 200000 },
    regionBase: EMU.dram.base,
  });
  t.deepEqual(
    a.steps.map((s) => s.programs.map((p) => Buffer.from(p.bytes).toString('hex'))),
    b.steps.map((s) => s.programs.map((p) => Buffer.from(p.bytes).toString('hex'))),
  );
});
