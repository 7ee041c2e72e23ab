import test from 'ava';
import {
  compositions,
  FAIRNESS_SLACK,
  planThroughput,
  scoreLayout,
  setPartitions,
  throughputAdmission,
  type Layout,
  type Profile,
} from '../../runtime/admission/throughput.ts';
import type { AdmissionTenant } from '../../runtime/admission/types.ts';
import type { VariantRequest } from '../../runtime/scheduler/types.ts';
import { windowRates } from '../../runtime/metrics/window.ts';

test('layout enumeration: Bell numbers of tenant splits, compositions of the tiles', (t) => {
  t.deepEqual(
    [1, 2, 3, 4, 5].map((n) => setPartitions(n).length),
    [1, 2, 5, 15, 52],
  );
  t.deepEqual(compositions(4, 2), [
    [1, 3],
    [2, 2],
    [3, 1],
  ]);
  t.is(compositions(8, 3).length, 21);
  for (const p of setPartitions(4)) t.deepEqual(p.flat().sort(), [0, 1, 2, 3]);
});

test('window rates: the window ends at the first tenant’s last request; rates are inter-completion rates', (t) => {
  const rec = (tenant: number, end: number) => ({ tenant, end, outcome: 'completed' });
  // Tenant 0 ends its requests at 10, 20, 30 (window = 30); tenant 1 at 4, 8, 12, …, 40.
  const records = [rec(0, 10), rec(0, 20), rec(0, 30)];
  for (let e = 4; e <= 40; e += 4) records.push(rec(1, e));
  const w = windowRates(records, 2);
  t.is(w.window, 30);
  t.deepEqual(w.completed, [3, 7]);
  t.is(w.perCycle[0], 2 / 20);
  t.is(w.perCycle[1], 6 / 24);
  // One completion: 1 / its end; none: 0; missed requests do not count.
  const one = windowRates([rec(0, 50), rec(1, 20), { tenant: 1, end: 60, outcome: 'missed' }], 2);
  t.is(one.window, 50);
  t.deepEqual(one.perCycle, [1 / 50, 1 / 20]);
});

// Tenant cycles on k tiles: A scales perfectly (8000/k), B not at all (1000); DRAM bytes per
// request: A 16000, B 0.
const synth = (tenant: number, tiles: number): Profile =>
  tenant === 0
    ? { cycles: 8000 / tiles, dramBytes: 16000, steps: 1, maxStep: 8000 / tiles }
    : { cycles: 1000, dramBytes: 0, steps: 1, maxStep: 1000 };

test('scoreLayout: a lane serves its tenants in turn; DRAM demand above the bandwidth stretches every lane', (t) => {
  const whole = [1000, 1000];
  // Separate lanes, A on 4 tiles (2000 cycles), B on 4 (1000): demand 16000/2000 = 8 B/cycle.
  const sep = scoreLayout([[0], [1]], [4, 4], synth, whole, 16);
  t.deepEqual(sep.response, [2000, 1000]);
  t.is(sep.least, 0.5);
  t.is(sep.total, 1.5);
  // Same, 4 B/cycle of DRAM: stretched by 8/4 = 2.
  const slow = scoreLayout([[0], [1]], [4, 4], synth, whole, 4);
  t.deepEqual(slow.response, [4000, 2000]);
  // One lane of 8 tiles: A 1000 + B 1000 per round.
  const one = scoreLayout([[0, 1]], [8], synth, whole, 16);
  t.deepEqual(one.response, [2000, 2000]);
  t.is(one.total, 1);
});

function measureOf(calls: VariantRequest[]) {
  return async (i: number, v: VariantRequest): Promise<Profile> => {
    calls.push(v);
    const p = synth(i, v.tiles);
    // The layer granule costs 5% more (its barriers): the whole-model granule wins.
    return v.granule.kind === 'layer' ? { ...p, cycles: p.cycles * 1.05 } : p;
  };
}

test('planThroughput (model only): the most total progress among the layouts within the fairness slack', async (t) => {
  const calls: VariantRequest[] = [];
  const plan = await planThroughput([{ layers: 3 }, { layers: 2 }], 8, measureOf(calls), 1e9);
  t.is(calls.length, 2 * 8 * 2, 'each tenant on 1..8 tiles, two granules each');
  // B gains nothing from tiles: it gets 1, A the other 7 (progress 7/8 and 1): best total
  // (1.875) and best least progress (0.875) at once.
  t.deepEqual(
    plan.lanes.map((l) => l.length),
    [7, 1],
  );
  t.deepEqual(
    plan.assignment.map((a) => a.variant),
    [
      { tiles: 7, granule: { kind: 'block', layers: 3 } },
      { tiles: 1, granule: { kind: 'block', layers: 2 } },
    ],
  );
  t.true(Math.abs(plan.predictedSpeedup - 1.875) < 1e-9);
  t.is(plan.measuredSpeedup, undefined);
});

test('planThroughput (trials): the layouts run on the board decide, by the same rule, on measured rates', async (t) => {
  const tried: string[] = [];
  // The model ranks 7+1 first; the "board" measures the equal split best.
  const trial = async (layout: Layout, requests: readonly number[]) => {
    const sizes = layout.lanes.map((l) => l.length).join('+');
    tried.push(sizes);
    t.true(requests.every((n) => n >= 2));
    return sizes === '4+4' ? [1 / 1000, 1 / 1000] : [1 / 4000, 1 / 4000];
  };
  const plan = await planThroughput([{ layers: 3 }, { layers: 2 }], 8, measureOf([]), 1e9, trial);
  t.is(tried[0], '7+1', 'the model’s best first');
  t.true(tried.includes('4+4'), 'the equal split is always tried');
  t.deepEqual(
    plan.lanes.map((l) => l.length),
    [4, 4],
  );
  t.is(plan.measuredSpeedup, 2);
  t.is(plan.tried, tried.length);
  // After the layouts, each tenant's other granule in the chosen one (no better: kept).
  t.deepEqual(tried.slice(-2), ['4+4', '4+4']);
  t.true(
    plan.assignment.every((a) => a.variant.granule.kind === 'block'),
    'the profiles’ choice',
  );
});

test('planThroughput (trials): a granule measured better next to its co-runner replaces the isolated choice', async (t) => {
  // Alone the whole model is faster (measureOf); in the chosen layout, tenant 1 in layer
  // steps is measured 10% better.
  const trial = async (layout: Layout) => {
    const sizes = layout.lanes.map((l) => l.length).join('+');
    const layer1 = layout.assignment[1]!.variant.granule.kind === 'layer';
    return sizes === '4+4'
      ? layer1
        ? [1.1 / 1000, 1.1 / 1000]
        : [1 / 1000, 1 / 1000]
      : [1 / 4000, 1 / 4000];
  };
  const plan = await planThroughput([{ layers: 3 }, { layers: 2 }], 8, measureOf([]), 1e9, trial);
  t.deepEqual(
    plan.assignment.map((a) => a.variant),
    [
      { tiles: 4, granule: { kind: 'block', layers: 3 } },
      { tiles: 4, granule: { kind: 'layer' } },
    ],
  );
  t.true(Math.abs(plan.measuredSpeedup! - 2.2) < 1e-9);
});

test('planThroughput: a measured layout that starves a tenant is not chosen, however much total it gives', async (t) => {
  // Measured progress: 7+1 → A 1.9, B 0.05 (total 1.95); 4+4 → 0.6 each (total 1.2).
  const trial = async (layout: Layout) => {
    const sizes = layout.lanes.map((l) => l.length).join('+');
    return sizes === '7+1' ? [1.9 / 1000, 0.05 / 1000] : sizes === '4+4' ? [0.6 / 1000, 0.6 / 1000] : [0, 0];
  };
  const plan = await planThroughput([{ layers: 3 }, { layers: 2 }], 8, measureOf([]), 1e9, trial);
  t.deepEqual(
    plan.lanes.map((l) => l.length),
    [4, 4],
    `7+1's least progress 0.05 is below ${1 - FAIRNESS_SLACK} × 0.6`,
  );
});

const tenant = (over: Partial<AdmissionTenant> = {}): AdmissionTenant => ({
  name: 'x',
  priority: 1,
  guaranteed: false,
  deadline: 1e12,
  minGap: undefined,
  layers: 2,
  ...over,
});

test('throughput mode applies only without guarantees and with far deadlines; tight deadlines are judged on the compiler estimate without profiling', async (t) => {
  const calls: VariantRequest[] = [];
  const opts = { throughput: { profile: measureOf(calls), dramBytesPerCycle: 1e9 } };
  const estimate = () => [500, 500];
  t.is(await throughputAdmission([tenant(), tenant({ guaranteed: true })], 8, estimate, opts), undefined);
  t.is(await throughputAdmission([tenant(), tenant({ tiles: 2 })], 8, estimate, opts), undefined);
  t.is(await throughputAdmission([tenant(), tenant({ deadline: 5000 })], 8, estimate, opts), undefined);
  t.is(calls.length, 0, 'nothing profiled');
  t.is(
    await throughputAdmission([tenant(), tenant()], 8, estimate, {}),
    undefined,
    'no profiles: deadline plans',
  );
  const r = await throughputAdmission([tenant(), tenant()], 8, estimate, opts);
  t.is(r?.mode, 'throughput');
  t.true(r!.tenants.every((v) => v.verdict === 'best-effort'));
  t.true(r!.feasible);
  t.deepEqual(r!.laneBudgets, [Infinity, Infinity]);
});
