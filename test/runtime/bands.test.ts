// Priority bands of the cotenant policy and the planner's lane pooling, on hand-computed cases.
import test from 'ava';
import { planAdmission } from '../../runtime/admission/plan.ts';
import { bandLevels, queueDeadline } from '../../runtime/scheduler/urgency.ts';
import type { Job } from '../../runtime/scheduler/types.ts';
import { fakeCompile } from './fake-device.ts';

test('levels: each guaranteed tenant is its own level between the best-effort bands around it', (t) => {
  // Static order: p9 (be), p7 (G), p5 (be), p5 (be, later index), p3 (G), p1 (be), p1 (G, later index).
  const ts = [
    { priority: 5, guaranteed: false }, { priority: 9, guaranteed: false }, { priority: 3, guaranteed: true },
    { priority: 7, guaranteed: true }, { priority: 1, guaranteed: false }, { priority: 5, guaranteed: false }, { priority: 1, guaranteed: true },
  ];
  // band 0 = {1}; G#0 = 3 → 1; band 1 = {0, 5}; G#1 = 2 → 3; band 2 = {4}; G#2 = 6 → 5 (the
  // equal-priority tie goes by index, as in the admission analysis's order).
  t.deepEqual(bandLevels(ts), [2, 0, 3, 1, 4, 2, 5]);
  t.deepEqual(bandLevels([{ priority: 1, guaranteed: false }, { priority: 8, guaranteed: false }]), [0, 0], 'no guaranteed tenant: one band');
});

test('queue urgency: the deadline of the first request that can still finish after the ones before it', (t) => {
  const job = (id: number, deadline: number): Job => ({ id, tenant: 0, arrival: 0, deadline, variant: undefined, step: 0, nextLayer: 0, running: false, tiles: [], runCycles: 0, started: undefined });
  const rem = () => 10;
  // now 100: head needs until 110 > 105 (hopeless); the second until 120 ≤ 130.
  t.is(queueDeadline([job(0, 105), job(1, 130)], 100, rem), 130);
  t.is(queueDeadline([job(0, 110)], 100, rem), 110, 'exactly in time counts');
  t.is(queueDeadline([job(0, 105), job(1, 119)], 100, rem), Number.POSITIVE_INFINITY);
  t.is(queueDeadline([], 100, rem), Number.POSITIVE_INFINITY);
});

test('pooling: one wide lane while its peak utilization is within 10% of the best layout', async (t) => {
  const cost = (models: string[]) => async (i: number, v: { tiles: number; granule: Parameters<typeof fakeCompile>[2] }) => fakeCompile(models[i]!, v.tiles, v.granule, 0).steps.map((s) => s.estCycles);
  const be = (name: string, layers: number) => ({ name, priority: 1, guaranteed: false, deadline: 1000, minGap: 1000, layers });
  // Layers of 101 cycles: on 2 tiles ceil(101/2) = 51 each. One 2-tile lane: (51+51)/1000 =
  // 10.2%; two 1-tile lanes: peak 101/1000 = 10.1%. 10.2 ≤ 1.1 × 10.1 → one lane.
  const near = await planAdmission([be('a', 1), be('b', 1)], 2, cost(['L:101', 'L:101']));
  t.deepEqual(near.lanes, [[0, 1]]);
  // Layers of 1 cycle do not speed up on 2 tiles: one lane 8%, two lanes peak 4% → two lanes.
  const far = await planAdmission([be('a', 4), be('b', 4)], 2, cost(['L:1,1,1,1', 'L:1,1,1,1']));
  t.deepEqual(far.lanes, [[0], [1]]);
});
