import test from 'ava';
import { EMU } from '../../boards/definitions.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { execute, type ExecTenant } from '../../runtime/executor/executor.ts';
import { prepareVariant, RegionAllocator, type PreparedVariant } from '../../runtime/executor/workload.ts';
import { traceDigest } from '../../runtime/executor/trace.ts';
import { generateArrivals, type Arrival, type ArrivalPattern } from '../../runtime/scenario/arrivals.ts';
import { createRandom } from '../../runtime/random.ts';
import { createPolicy } from '../../runtime/scheduler/index.ts';
import { cotenantPolicy } from '../../runtime/scheduler/cotenant.ts';
import { POLICY_NAMES } from '../../runtime/scenario/schema.ts';
import type { Policy } from '../../runtime/scheduler/types.ts';
import { variantKey } from '../../runtime/scheduler/types.ts';
import { planAdmission } from '../../runtime/admission/plan.ts';
import { FakeDevice, fakeCompile } from './fake-device.ts';

interface T { name: string; model: string; priority: number; deadline: number; late?: 'finish' | 'drop'; queueLimit?: number; guaranteed?: boolean }

function tenantsFor(def: BoardDefinition, ts: readonly T[], policy: Policy): ExecTenant[] {
  const regions = new RegionAllocator(def);
  const reqs = policy.variants(ts, def.tiles);
  return ts.map((t, i) => {
    const prepared = new Map<string, PreparedVariant>();
    for (const r of reqs[i]!) prepared.set(variantKey(r), prepareVariant(fakeCompile, t.model, r, regions, t.name));
    return {
      index: i, name: t.name, priority: t.priority, guaranteed: t.guaranteed ?? false, deadline: t.deadline,
      isolatedCycles: 100, late: t.late ?? 'finish', queueLimit: t.queueLimit ?? 64, prepared,
      variants: new Map([...prepared].map(([k, v]) => [k, v.info])),
    };
  });
}

async function run(def: BoardDefinition, ts: readonly T[], arrivals: readonly Arrival[], policy: Policy) {
  const dev = new FakeDevice(def);
  const tenants = tenantsFor(def, ts, policy);
  for (const t of tenants) for (const v of t.prepared.values()) for (const s of v.compiled.steps) for (const p of s.programs) await dev.writeMemory(p.address, p.bytes);
  return execute(dev, tenants, arrivals, policy);
}

const ONE_TILE: BoardDefinition = { ...EMU, tiles: 1 };

test('cotenant: a tile switches tenant only at a granule boundary, highest priority first', async (t) => {
  // L (prio 1, layers 4+4) arrives at 0 and starts; H (prio 5, one layer of 3) arrives at 1
  // and waits for L's first granule: H runs [4,7], L's second granule [7,11].
  const ts: T[] = [{ name: 'L', model: 'L:4,4', priority: 1, deadline: 100 }, { name: 'H', model: 'L:3', priority: 5, deadline: 6 }];
  const plan = { lanes: [[0]], assignment: ts.map(() => ({ lane: 0, variant: { tiles: 1, granule: { kind: 'layer' as const } } })) };
  const arrivals: Arrival[] = [{ id: 0, tenant: 0, seq: 0, cycle: 0 }, { id: 1, tenant: 1, seq: 0, cycle: 1 }];
  const r = await run(ONE_TILE, ts, arrivals, cotenantPolicy(plan, 16));
  const starts = r.trace.filter((x) => x.k === 'start').map((x) => [x.t, x.req, x.step]);
  t.deepEqual(starts, [[0, 0, 0], [4, 1, 0], [7, 0, 1]]);
  t.deepEqual(r.records.map((x) => [x.id, x.outcome, x.end]), [[1, 'completed', 7], [0, 'completed', 11]]);
});

test('late requests: finish → missed, drop → dropped at the next boundary or while waiting; full queue → rejected', async (t) => {
  const ts: T[] = [
    { name: 'A', model: 'L:5,5', priority: 3, deadline: 7, late: 'finish' },
    { name: 'B', model: 'L:5,5', priority: 2, deadline: 12, late: 'drop', queueLimit: 1 },
  ];
  const plan = { lanes: [[0]], assignment: ts.map(() => ({ lane: 0, variant: { tiles: 1, granule: { kind: 'layer' as const } } })) };
  const arrivals: Arrival[] = [{ id: 0, tenant: 0, seq: 0, cycle: 0 }, { id: 1, tenant: 1, seq: 0, cycle: 0 }, { id: 2, tenant: 1, seq: 1, cycle: 2 }];
  const r = await run(ONE_TILE, ts, arrivals, cotenantPolicy(plan, 16));
  // A runs [0,10] (late: missed). B #1 waits; its deadline 12 passes after its first
  // granule [10,15] → dropped at 15. B #2 arrived with B's queue full → rejected at 2.
  t.deepEqual(r.records.map((x) => [x.id, x.outcome, x.end]), [[2, 'rejected', 2], [0, 'missed', 10], [1, 'dropped', 15]]);
});

test('every request ends exactly once, for every policy, and replays to the same digest', async (t) => {
  const def: BoardDefinition = { ...EMU, tiles: 4 };
  const ts: T[] = [
    { name: 'a', model: 'L:40,80,20', priority: 9, deadline: 400, guaranteed: true },
    { name: 'b', model: 'L:100,100,100,100', priority: 4, deadline: 900, late: 'drop', queueLimit: 3 },
    { name: 'c', model: 'L:30,30', priority: 0, deadline: 300 },
  ];
  const patterns: ArrivalPattern[] = [{ kind: 'periodic', period: 150, offset: 0 }, { kind: 'poisson', meanGap: 120, offset: 3 }, { kind: 'sporadic', minGap: 50, maxGap: 200, offset: 1 }];
  const arrivals = generateArrivals(patterns, { requests: 150 }, (i) => createRandom(5).fork(`t${i}`));
  const admission = await planAdmission(ts.map((x, i) => ({ name: x.name, priority: x.priority, guaranteed: x.guaranteed ?? false, deadline: x.deadline, minGap: [150, undefined, 50][i], layers: x.model.split(',').length })), 4,
    async (i, v) => fakeCompile(ts[i]!.model, v.tiles, v.granule, 0).steps.map((s) => s.estCycles));
  for (const name of POLICY_NAMES) {
    const policy = () => createPolicy(name, def, admission);
    const r1 = await run(def, ts, arrivals, policy());
    const ids = r1.records.map((x) => x.id).sort((a, b) => a - b);
    t.deepEqual(ids, arrivals.map((a) => a.id), `${name}: each request ends once`);
    const r2 = await run(def, ts, arrivals, policy());
    t.is(traceDigest(r2.trace), traceDigest(r1.trace), `${name}: same digest`);
    t.true(r1.records.some((x) => x.outcome === 'completed'), `${name}: makes progress`);
  }
});
