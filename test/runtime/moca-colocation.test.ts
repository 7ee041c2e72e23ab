// MoCA's co-location in the moca baseline (runtime/scheduler/colocation.ts, partition.ts):
// a heavy model's tail block shares its pair with a waiting partner model, one tile each.
import test from 'ava';
import { tailStartLayer } from '../../runtime/scheduler/colocation.ts';
import { partitionPolicy } from '../../runtime/scheduler/partition.ts';
import {
  newJob,
  type Job,
  type SchedState,
  type StepInfo,
  type TenantView,
  type VariantInfo,
} from '../../runtime/scheduler/types.ts';

const step = (index: number, tiles: number, macs = 1000, readBytes = 100): StepInfo => ({
  index,
  layers: { first: index, last: index },
  tiles,
  macs,
  readBytes,
  writeBytes: 0,
  estCycles: 1000,
  loopTiles: 1,
  l2ReadBytes: readBytes,
});
const variant = (key: string, tiles: number, steps: StepInfo[]): VariantInfo => ({
  key,
  tiles,
  granule: { kind: 'layer' },
  steps,
  remainingEst: [...steps.map((_, i) => (steps.length - i) * 1000), 0],
});
const layers = (n: number, tiles: number) => Array.from({ length: n }, (_, i) => step(i, tiles));

test('tail block: the last of 4 (ResNet-50) or 3 (YOLOv2) equal blocks; AlexNet’s FC part', (t) => {
  // 20 layers in 4 blocks → tail from ⌊20·3/4⌋ = 15; 10 layers in 3 blocks → ⌊10·2/3⌋ = 6.
  t.is(tailStartLayer('resnet50', variant('t2/layer', 2, layers(20, 2))), 15);
  t.is(tailStartLayer('yolov2', variant('t2/layer', 2, layers(10, 2))), 6);
  // Three convs (10 MACs per byte) then two FCs (1 MAC per byte): FC part from layer 3.
  const alex = [0, 1, 2].map((i) => step(i, 2, 1000, 100)).concat([3, 4].map((i) => step(i, 2, 100, 100)));
  t.is(tailStartLayer('alexnet', variant('t2/layer', 2, alex)), 3);
  t.is(tailStartLayer('kws', variant('t2/layer', 2, layers(5, 2))), undefined, 'not a heavy model');
});

// A 2-tile board (one pair): tenant 0 is ResNet-50 (8 layers, tail from ⌊8·3/4⌋ = 6), tenant 1 KWS.
const view = (index: number, name: string): TenantView => ({
  index,
  name,
  priority: 1,
  guaranteed: false,
  deadline: 1e9,
  isolatedCycles: 8000,
  variants: new Map([
    ['t2/layer', variant('t2/layer', 2, layers(8, 2))],
    ['t1/layer', variant('t1/layer', 1, layers(8, 1))],
  ]),
});
const tenants = [view(0, 'resnet50'), view(1, 'kws')];
const heavy = (nextLayer: number): Job => ({
  id: 1,
  tenant: 0,
  arrival: 0,
  deadline: 1e9,
  variant: 't2/layer',
  step: nextLayer,
  nextLayer,
  running: false,
  tiles: [0, 1],
  runCycles: 0,
  started: 0,
});
const light: Job = newJob(2, 1, 100, 1e9);
const state = (h: Job): SchedState => ({
  now: 5000,
  tileCount: 2,
  tileJob: [undefined, undefined],
  queues: [[h], [light]],
  tenants,
  dramBytesPerCycle: 16,
});
const decide = (name: 'moca' | 'static-partition', h: Job) => {
  const p = partitionPolicy(name, 16);
  const req = p.variants(
    tenants.map((x) => ({ name: x.name, priority: x.priority, model: x.name })),
    2,
  );
  return {
    req,
    out: p.decide(state(h)).map((d) => ({ job: d.job.id, v: d.variant, step: d.step, tiles: d.tiles })),
  };
};

test('moca: in its tail the heavy request keeps one tile and the waiting partner starts on the other', (t) => {
  const { req, out } = decide('moca', heavy(6));
  t.deepEqual(
    req.map((r) => r.map((v) => v.tiles)),
    [
      [2, 1],
      [2, 1],
    ],
    'both models also compiled for one tile',
  );
  t.deepEqual(out, [
    { job: 1, v: 't1/layer', step: 6, tiles: [0] },
    { job: 2, v: 't1/layer', step: 0, tiles: [1] },
  ]);
});

test('moca: before the tail the heavy request keeps its pair and the partner waits', (t) => {
  t.deepEqual(decide('moca', heavy(5)).out, [{ job: 1, v: 't2/layer', step: 5, tiles: [0, 1] }]);
});

test('static-partition never co-locates', (t) => {
  const { req, out } = decide('static-partition', heavy(6));
  t.deepEqual(
    req.map((r) => r.length),
    [1, 1],
  );
  t.deepEqual(out, [{ job: 1, v: 't2/layer', step: 6, tiles: [0, 1] }]);
});

test('queue score: priority × 100000 + 100000 × waited / isolated time', async (t) => {
  const { mocaQueueScore } = await import('../../runtime/scheduler/partition.ts');
  // priority 1, waited 5000 − 100 = 4900 of an 8000-cycle isolated time: 100000 + 61250.
  t.is(mocaQueueScore(state(heavy(0)), light), 161250);
});
