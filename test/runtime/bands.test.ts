// Priority bands of the cotenant policy and the planner's lane pooling, on hand-computed cases.
import test from 'ava';
import { planAdmission } from '../../runtime/admission/plan.ts';
import { bandLevels, queueDeadline, queueUrgency } from '../../runtime/scheduler/urgency.ts';
import { pickInBand, type BandCandidate } from '../../runtime/scheduler/band-order.ts';
import { newJob, type Job } from '../../runtime/scheduler/types.ts';
import { fakeCompile } from './fake-device.ts';

test('levels: each guaranteed tenant is its own level between the best-effort bands around it', (t) => {
  // Static order: p9 (be), p7 (G), p5 (be), p5 (be, later index), p3 (G), p1 (be), p1 (G, later index).
  const ts = [
    { priority: 5, guaranteed: false },
    { priority: 9, guaranteed: false },
    { priority: 3, guaranteed: true },
    { priority: 7, guaranteed: true },
    { priority: 1, guaranteed: false },
    { priority: 5, guaranteed: false },
    { priority: 1, guaranteed: true },
  ];
  // band 0 = {1}; G#0 = 3 → 1; band 1 = {0, 5}; G#1 = 2 → 3; band 2 = {4}; G#2 = 6 → 5 (the
  // equal-priority tie goes by index, as in the admission analysis's order).
  t.deepEqual(bandLevels(ts), [2, 0, 3, 1, 4, 2, 5]);
  t.deepEqual(
    bandLevels([
      { priority: 1, guaranteed: false },
      { priority: 8, guaranteed: false },
    ]),
    [0, 0],
    'no guaranteed tenant: one band',
  );
});

test('queue urgency: the deadline of the first request that can still finish after the ones before it', (t) => {
  const job = (id: number, deadline: number): Job => newJob(id, 0, 0, deadline);
  const rem = () => 10;
  // now 100: head needs until 110 > 105 (hopeless); the second until 120 ≤ 130.
  t.is(queueDeadline([job(0, 105), job(1, 130)], 100, rem), 130);
  t.is(queueDeadline([job(0, 110)], 100, rem), 110, 'exactly in time counts');
  t.is(queueDeadline([job(0, 105), job(1, 119)], 100, rem), Number.POSITIVE_INFINITY);
  t.is(queueDeadline([], 100, rem), Number.POSITIVE_INFINITY);
  const u = { deadline: 0, work: 0 };
  queueUrgency([job(0, 105), job(1, 130)], 100, rem, u);
  t.deepEqual(u, { deadline: 130, work: 20 }, 'work counts the hopeless head before it');
});

test('band order: largest weighted lag whose granule fits in the slack EDF leaves before it', (t) => {
  const c = (
    tenant: number,
    priority: number,
    deadline: number,
    work: number,
    granule: number,
    lag: number,
  ): BandCandidate => ({ tenant, priority, deadline, work, granule, lag, budget: 0 });
  const pick = (cs: BandCandidate[]) => pickInBand(cs, cs.length, 100, []).tenant;
  const H = Number.POSITIVE_INFINITY;
  // now 100. EDF: P (d 200, work 50 → ends 150, slack 50), R (d 300, 40 → 190, slack 110),
  // Q (d 400, 60 → 250, slack 150). Running R's or Q's granule first delays P only
  // (budget 50); P is the EDF head (no budget limit). X is hopeless.
  const band = (gR: number, gQ: number) => [
    c(0, 1, 200, 50, 20, 2),
    c(1, 5, 400, 60, gQ, 9),
    c(2, 9, 300, 40, gR, 12),
    c(3, 0, H, 0, 5, 50),
  ];
  t.is(pick(band(10, 30)), 2, 'R: largest lag among the feasible, 10 ≤ 50');
  t.is(pick(band(50, 30)), 2, 'exactly the slack still fits');
  t.is(pick(band(51, 30)), 1, 'R would push P past its deadline → Q (30 ≤ 50)');
  t.is(pick(band(51, 51)), 0, 'nobody else fits → the EDF head');
  // A request EDF already misses does not constrain: P with d 140 ends at 150 anyway, so
  // R's granule of 51 may go first (R ends 190 ≤ 300, Q 250 ≤ 400 either way).
  t.is(pick([c(0, 1, 140, 50, 20, 2), c(1, 5, 400, 60, 51, 9), c(2, 9, 300, 40, 51, 12)]), 2);
  // Only hopeless tenants: by lag, then priority, then tenant index.
  t.is(pick([c(0, 1, H, 0, 5, 3), c(1, 2, H, 0, 5, 7)]), 1);
  t.is(pick([c(0, 1, H, 0, 5, 7), c(1, 2, H, 0, 5, 7)]), 1, 'equal lag: higher priority');
  t.is(pick([c(4, 2, H, 0, 5, 7), c(1, 2, H, 0, 5, 7)]), 1, 'equal lag and priority: lower index');
});

test('pooling: one wide lane while its peak utilization is within 10% of the best layout', async (t) => {
  const cost =
    (models: string[]) =>
    async (i: number, v: { tiles: number; granule: Parameters<typeof fakeCompile>[2] }) =>
      fakeCompile(models[i]!, v.tiles, v.granule, 0).steps.map((s) => s.estCycles);
  const be = (name: string, layers: number) => ({
    name,
    priority: 1,
    guaranteed: false,
    deadline: 1000,
    minGap: 1000,
    layers,
  });
  // Layers of 101 cycles: on 2 tiles ceil(101/2) = 51 each. One 2-tile lane: (51+51)/1000 =
  // 10.2%; two 1-tile lanes: peak 101/1000 = 10.1%. 10.2 ≤ 1.1 × 10.1 → one lane.
  const near = await planAdmission([be('a', 1), be('b', 1)], 2, cost(['L:101', 'L:101']));
  t.deepEqual(near.lanes, [[0, 1]]);
  // Layers of 1 cycle do not speed up on 2 tiles: one lane 8%, two lanes peak 4% → two lanes.
  const far = await planAdmission([be('a', 4), be('b', 4)], 2, cost(['L:1,1,1,1', 'L:1,1,1,1']));
  t.deepEqual(far.lanes, [[0], [1]]);
  // A best-effort tenant whose requests may come at once (minimum gap 0, e.g. shared streams)
  // has unbounded utilization in every layout: the peaks tie and the fewest lanes win.
  const open = await planAdmission(
    [{ ...be('a', 4), minGap: 0 }, be('b', 4)],
    2,
    cost(['L:1,1,1,1', 'L:1,1,1,1']),
  );
  t.true(open.layouts.every((l) => l.peakUtilization === Number.POSITIVE_INFINITY));
  t.deepEqual(open.lanes, [[0, 1]]);
});
