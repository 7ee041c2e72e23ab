import test from 'ava';
import { EMU } from '../../boards/definitions.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { execute, type ExecTenant } from '../../runtime/executor/executor.ts';
import { prepareVariant, RegionAllocator, type PreparedVariant } from '../../runtime/executor/workload.ts';
import type { Arrival } from '../../runtime/scenario/arrivals.ts';
import { naivePolicy, naiveShares } from '../../runtime/scheduler/naive.ts';
import { variantKey } from '../../runtime/scheduler/types.ts';
import { FakeDevice, fakeCompile } from './fake-device.ts';

const EIGHT: BoardDefinition = { ...EMU, tiles: 8 };

test('naive shares: all tiles split as evenly as possible, the first tenants one more; one each beyond', (t) => {
  t.deepEqual(naiveShares(8, 1), [8]);
  t.deepEqual(naiveShares(8, 2), [4, 4]);
  t.deepEqual(naiveShares(8, 3), [3, 3, 2]);
  t.deepEqual(naiveShares(8, 5), [2, 2, 2, 1, 1]);
  t.deepEqual(naiveShares(4, 6), [1, 1, 1, 1, 1, 1]);
  t.deepEqual(naiveShares(8, 0), []);
  for (let a = 1; a <= 8; a++)
    t.is(
      naiveShares(8, a).reduce((x, y) => x + y, 0),
      8,
      `a=${a}`,
    );
});

test('naive variants: layer granules only, at every share size', (t) => {
  const v = naivePolicy().variants(
    [
      { name: 'a', priority: 0 },
      { name: 'b', priority: 9 },
      { name: 'c', priority: 1 },
    ],
    8,
  );
  for (const list of v) {
    t.deepEqual(
      list.map((x) => x.tiles),
      [8, 4, 3, 2],
    );
    t.true(list.every((x) => x.granule.kind === 'layer'));
  }
});

async function runNaive(models: readonly string[], perTenant: number) {
  const policy = naivePolicy();
  const ts = models.map((m, i) => ({ name: `t${i}`, model: m, priority: i }));
  const regions = new RegionAllocator(EIGHT);
  const reqs = policy.variants(ts, EIGHT.tiles);
  const tenants: ExecTenant[] = ts.map((x, i) => {
    const prepared = new Map<string, PreparedVariant>();
    for (const r of reqs[i]!)
      prepared.set(variantKey(r), prepareVariant(fakeCompile, x.model, r, regions, x.name));
    return {
      index: i,
      name: x.name,
      priority: x.priority,
      guaranteed: false,
      deadline: 1e12,
      isolatedCycles: 100,
      late: 'finish',
      queueLimit: 1000,
      prepared,
      variants: new Map([...prepared].map(([k, v]) => [k, v.info])),
    };
  });
  const dev = new FakeDevice(EIGHT);
  for (const x of tenants)
    for (const v of x.prepared.values())
      for (const s of v.compiled.steps) for (const p of s.programs) await dev.writeMemory(p.address, p.bytes);
  const arrivals: Arrival[] = [];
  for (let k = 0; k < perTenant; k++)
    models.forEach((_, i) => arrivals.push({ id: arrivals.length, tenant: i, seq: k, cycle: 0 }));
  return execute(dev, tenants, arrivals, policy);
}

test('naive: every tenant with work runs at once on its equal share, one layer per step, never throttled; a drained tenant’s tiles go to the others', async (t) => {
  // Tenant 0: 2 short requests; tenant 1: 2 long ones. Both run on 4 tiles while tenant 0
  // has work, then tenant 1 widens to all 8.
  const r = await runNaive(['L:80,80', 'L:800,800,800'], 2);
  t.is(r.records.length, 4);
  t.true(r.records.every((x) => x.outcome === 'completed'));
  const starts = r.trace.filter((e) => e.k === 'start');
  const lastEnd0 = Math.max(...r.records.filter((x) => x.tenant === 0).map((x) => x.end));
  for (const s of starts) {
    t.true(
      s.throttle.every((v) => v === 0),
      'no throttle',
    );
    t.is(s.variant, `t${s.tiles.length}/layer`, 'layer granules');
    if (s.t < lastEnd0) t.is(s.tiles.length, 4, 'equal share while both have work');
    else t.is(s.tiles.length, 8, 'the remaining tenant widens to the whole board');
  }
  // Both tenants start at cycle 0 on disjoint halves: concurrency, not time slicing.
  const first = starts.filter((s) => s.t === 0);
  t.deepEqual(first.map((s) => s.tenant).sort(), [0, 1]);
  t.deepEqual(new Set(first.flatMap((s) => [...s.tiles])).size, 8);
  // One step per layer: 2 + 3 layers per request pair, 2 requests each.
  t.is(starts.length, 2 * 2 + 2 * 3);
});
