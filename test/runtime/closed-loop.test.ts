import test from 'ava';
import { EMU } from '../../boards/definitions.ts';
import { execute, type ExecTenant } from '../../runtime/executor/executor.ts';
import { prepareVariant, RegionAllocator, type PreparedVariant } from '../../runtime/executor/workload.ts';
import type { Arrival } from '../../runtime/scenario/arrivals.ts';
import { fcfsPolicy } from '../../runtime/scheduler/fcfs.ts';
import { variantKey } from '../../runtime/scheduler/types.ts';
import { FakeDevice, fakeCompile } from './fake-device.ts';

test('closed loop: a tenant’s next request arrives as its previous one ends, up to its count; every request ends once', async (t) => {
  const policy = fcfsPolicy();
  const ts = [
    { name: 'a', model: 'L:40,40', priority: 0 },
    { name: 'b', model: 'L:400', priority: 0 },
  ];
  const regions = new RegionAllocator(EMU);
  const reqs = policy.variants(ts, EMU.tiles);
  const tenants: ExecTenant[] = ts.map((x, i) => {
    const prepared = new Map<string, PreparedVariant>();
    for (const r of reqs[i]!)
      prepared.set(variantKey(r), prepareVariant(fakeCompile, x.model, r, regions, x.name));
    return {
      index: i,
      name: x.name,
      priority: 0,
      guaranteed: false,
      deadline: 1e9,
      isolatedCycles: 100,
      late: 'finish',
      queueLimit: 1,
      prepared,
      variants: new Map([...prepared].map(([k, v]) => [k, v.info])),
    };
  });
  const dev = new FakeDevice(EMU);
  for (const x of tenants)
    for (const v of x.prepared.values())
      for (const s of v.compiled.steps) for (const p of s.programs) await dev.writeMemory(p.address, p.bytes);
  const counts = [3, 2];
  const made = [1, 1];
  let id = 2;
  const first: Arrival[] = [
    { id: 0, tenant: 0, seq: 0, cycle: 0 },
    { id: 1, tenant: 1, seq: 0, cycle: 0 },
  ];
  const r = await execute(dev, tenants, first, policy, {
    release: (tenant, now) =>
      made[tenant]! < counts[tenant]! ? { id: id++, tenant, seq: made[tenant]!++, cycle: now } : undefined,
  });
  t.is(r.records.length, 5);
  t.deepEqual(new Set(r.records.map((x) => x.id)).size, 5, 'every request ends once');
  t.true(
    r.records.every((x) => x.outcome === 'completed'),
    'none rejected: one in flight per tenant',
  );
  for (const tenant of [0, 1]) {
    const mine = r.records.filter((x) => x.tenant === tenant).sort((x, y) => x.arrival - y.arrival);
    t.is(mine.length, counts[tenant]!);
    for (let k = 1; k < mine.length; k++) t.is(mine[k]!.arrival, mine[k - 1]!.end, 'resubmitted at the end');
  }
  // fcfs in a closed loop is a round robin: a, b, a, b, a.
  t.deepEqual(
    [...r.records].sort((x, y) => x.end - y.end).map((x) => x.tenant),
    [0, 1, 0, 1, 0],
  );
});
