import test from 'ava';
import {
  overallMetrics,
  percentile,
  systemMetrics,
  tenantMetrics,
  type RequestRecord,
} from '../../runtime/metrics/metrics.ts';

const rec = (
  id: number,
  tenant: number,
  arrival: number,
  latency: number,
  deadline: number,
  outcome: RequestRecord['outcome'],
): RequestRecord => ({ id, tenant, arrival, deadline: arrival + deadline, outcome, end: arrival + latency });

test('nearest-rank percentiles', (t) => {
  t.is(percentile([1, 2, 3, 4], 50), 2);
  t.is(percentile([1, 2, 3, 4], 99), 4);
  t.is(percentile([7], 50), 7);
  t.true(Number.isNaN(percentile([], 50)));
});

test('STP, ANTT, priority-weighted fairness and SLA from their definitions', (t) => {
  // Tenant A (prio 1, T_single 100): latencies 200, 200 → NP 0.5. Tenant B (prio 3,
  // T_single 50): latency 100 → NP 0.5, plus one dropped request.
  const records = [
    rec(0, 0, 0, 200, 300, 'completed'),
    rec(1, 0, 10, 200, 150, 'missed'),
    rec(2, 1, 0, 100, 200, 'completed'),
    rec(3, 1, 5, 40, 30, 'dropped'),
  ];
  const per = tenantMetrics(records, [
    { name: 'A', priority: 1, isolatedCycles: 100 },
    { name: 'B', priority: 3, isolatedCycles: 50 },
  ]);
  t.is(per[0]!.np, 0.5);
  t.is(per[1]!.np, 0.5);
  t.is(per[0]!.slaRate, 0.5);
  t.is(per[1]!.dropped, 1);
  const s = systemMetrics(per);
  t.is(s.stp, 1);
  t.is(s.antt, 2);
  // w = 2 and 4 (Σ 6): PP_A = 0.5 / (2/6) = 1.5, PP_B = 0.5 / (4/6) = 0.75 → 0.5.
  t.is(s.fairness, 0.5);
  const o = overallMetrics(records, per, {
    cycles: 1000,
    tileBusyCycles: 2000,
    tiles: 4,
    dramBytes: 8000,
    dramBytesPerCycle: 16,
  });
  t.is(o.slaRate, 0.5);
  t.is(o.tileUtilization, 0.5);
  t.is(o.dramUtilization, 0.5);
});
