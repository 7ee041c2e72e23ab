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

interface T {
  name: string;
  model: string;
  priority: number;
  deadline: number;
  late?: 'finish' | 'drop';
  queueLimit?: number;
  guaranteed?: boolean;
  instances?: number;
}

function tenantsFor(def: BoardDefinition, ts: readonly T[], policy: Policy): ExecTenant[] {
  const regions = new RegionAllocator(def);
  const reqs = policy.variants(ts, def.tiles);
  return ts.map((t, i) => {
    const prepared = new Map<string, PreparedVariant>();
    for (const r of reqs[i]!)
      prepared.set(variantKey(r), prepareVariant(fakeCompile, t.model, r, regions, t.name));
    return {
      index: i,
      name: t.name,
      priority: t.priority,
      guaranteed: t.guaranteed ?? false,
      deadline: t.deadline,
      isolatedCycles: 100,
      late: t.late ?? 'finish',
      queueLimit: t.queueLimit ?? 64,
      ...(t.instances === undefined ? {} : { instances: t.instances }),
      prepared,
      variants: new Map([...prepared].map(([k, v]) => [k, v.info])),
    };
  });
}

async function run(
  def: BoardDefinition,
  ts: readonly T[],
  arrivals: readonly Arrival[],
  policy: Policy,
  bounds?: readonly (number | undefined)[],
) {
  const dev = new FakeDevice(def);
  const tenants = tenantsFor(def, ts, policy);
  for (const t of tenants)
    for (const v of t.prepared.values())
      for (const s of v.compiled.steps) for (const p of s.programs) await dev.writeMemory(p.address, p.bytes);
  return execute(dev, tenants, arrivals, policy, bounds === undefined ? {} : { bounds });
}

const ONE_TILE: BoardDefinition = { ...EMU, tiles: 1 };

test('cotenant: a tile switches tenant only at a granule boundary, then runs the most urgent ready granule', async (t) => {
  // L (prio 1, layers 4+4) arrives at 0 and starts; H (prio 5, one layer of 3) arrives at 1
  // and waits for L's first granule: H runs [4,7], L's second granule [7,11].
  const ts: T[] = [
    { name: 'L', model: 'L:4,4', priority: 1, deadline: 100 },
    { name: 'H', model: 'L:3', priority: 5, deadline: 6 },
  ];
  const plan = {
    lanes: [[0]],
    assignment: ts.map(() => ({ lane: 0, variant: { tiles: 1, granule: { kind: 'layer' as const } } })),
  };
  const arrivals: Arrival[] = [
    { id: 0, tenant: 0, seq: 0, cycle: 0 },
    { id: 1, tenant: 1, seq: 0, cycle: 1 },
  ];
  const r = await run(ONE_TILE, ts, arrivals, cotenantPolicy(plan, 16));
  const starts = r.trace.filter((x) => x.k === 'start').map((x) => [x.t, x.req, x.step]);
  t.deepEqual(starts, [
    [0, 0, 0],
    [4, 1, 0],
    [7, 0, 1],
  ]);
  t.deepEqual(
    r.records.map((x) => [x.id, x.outcome, x.end]),
    [
      [1, 'completed', 7],
      [0, 'completed', 11],
    ],
  );
});

// The late-request mix of the next three tests: A guaranteed, B best-effort with `late:
// drop` and a queue of one; B's second request arrives while its first waits.
const LATE_MIX: T[] = [
  { name: 'A', model: 'L:5,5', priority: 3, deadline: 7, late: 'finish', guaranteed: true },
  { name: 'B', model: 'L:5,5', priority: 2, deadline: 12, late: 'drop', queueLimit: 1 },
];
const LATE_ARRIVALS: Arrival[] = [
  { id: 0, tenant: 0, seq: 0, cycle: 0 },
  { id: 1, tenant: 1, seq: 0, cycle: 0 },
  { id: 2, tenant: 1, seq: 1, cycle: 2 },
];
const latePlan = () => ({
  lanes: [[0]],
  assignment: LATE_MIX.map(() => ({ lane: 0, variant: { tiles: 1, granule: { kind: 'layer' as const } } })),
});

test('late requests: finish → missed, drop → dropped at the next boundary or while waiting; full queue → rejected', async (t) => {
  // A is guaranteed (static place above the best-effort band), so A goes first whatever
  // the deadlines say. The policy's early abandonment is switched off here to exercise the
  // executor's own deadline rule; the next test covers abandonment.
  const plan = latePlan();
  const { abandon: _unused, ...noAbandon } = cotenantPolicy(plan, 16);
  const r = await run(ONE_TILE, LATE_MIX, LATE_ARRIVALS, noAbandon);
  // A runs [0,10] (late: missed). B #1 waits; its deadline 12 passes after its first
  // granule [10,15] → dropped at 15. B #2 arrived with B's queue full → rejected at 2.
  t.deepEqual(
    r.records.map((x) => [x.id, x.outcome, x.end]),
    [
      [2, 'rejected', 2],
      [0, 'missed', 10],
      [1, 'dropped', 15],
    ],
  );
});

test('cotenant abandons a waiting best-effort `drop` request as soon as it is predicted hopeless', async (t) => {
  // Same mix with abandonment: at cycle 5 (A's first boundary) B #1 still needs 10 cycles
  // and has 7 left → dropped at 5, so the board never spends [10,15] on it. At cycle 2 it
  // still fitted exactly (2 + 10 = 12 = deadline), so it was kept then.
  const plan = latePlan();
  const r = await run(ONE_TILE, LATE_MIX, LATE_ARRIVALS, cotenantPolicy(plan, 16));
  t.deepEqual(
    r.records.map((x) => [x.id, x.outcome, x.end]),
    [
      [2, 'rejected', 2],
      [1, 'dropped', 5],
      [0, 'missed', 10],
    ],
  );
  // A `finish` tenant is never abandoned: its late request still runs to the end (A above).
});

test('cotenant predicts with admission’s measured costs: measured ÷ estimated scales the remaining work', async (t) => {
  // The mix above, but admission measured B's request at 5 cycles against the compiler's
  // 10: at cycle 5 B #1 is predicted to need 5 ≤ 7 left, so it is kept; at 10 (A done) it
  // needs 5 > 2 left and is dropped then.
  const plan = { ...latePlan(), measuredCycles: [10, 5] };
  const r = await run(ONE_TILE, LATE_MIX, LATE_ARRIVALS, cotenantPolicy(plan, 16));
  t.deepEqual(
    r.records.map((x) => [x.id, x.outcome, x.end]),
    [
      [2, 'rejected', 2],
      [0, 'missed', 10],
      [1, 'dropped', 10],
    ],
  );
});

test('cotenant: guaranteed tenants keep their static place; inside a best-effort band, EDF when deadlines are at stake, hopeless last', async (t) => {
  // Static order X(9) > G(5, guaranteed) > A(3) > C(2) > B(1): X alone in band 0, G, then
  // band 1 = {A, C, B}. All arrive at 0 on one tile (one-layer models, so every request is one granule).
  // X runs first although G's deadline is earlier (different levels); G next although B's
  // deadline is earlier. At 5 in band 1: C (deadline 5) cannot finish (5 + 4 > 5) →
  // hopeless, last. EDF would end B at 9 = its deadline: slack 0, so A's granule (4
  // cycles) may not go first although A's weighted lag (w 4 × (5 + 4) / 100) exceeds B's
  // (2 × 9 / 100): B, then A. Static priority would run A, C, B and miss both C and B.
  const ts: T[] = [
    { name: 'X', model: 'L:2', priority: 9, deadline: 200 },
    { name: 'G', model: 'L:3', priority: 5, deadline: 100, guaranteed: true },
    { name: 'A', model: 'L:4', priority: 3, deadline: 30 },
    { name: 'B', model: 'L:4', priority: 1, deadline: 9 },
    { name: 'C', model: 'L:4', priority: 2, deadline: 5 },
  ];
  const plan = {
    lanes: [[0]],
    assignment: ts.map(() => ({ lane: 0, variant: { tiles: 1, granule: { kind: 'layer' as const } } })),
  };
  const arrivals: Arrival[] = ts.map((_, i) => ({ id: i, tenant: i, seq: 0, cycle: 0 }));
  const r = await run(ONE_TILE, ts, arrivals, cotenantPolicy(plan, 16));
  t.deepEqual(
    r.trace.filter((x) => x.k === 'start').map((x) => [x.t, ts[x.tenant]!.name]),
    [
      [0, 'X'],
      [2, 'G'],
      [5, 'B'],
      [9, 'A'],
      [13, 'C'],
    ],
  );
  t.deepEqual(
    r.records.map((x) => [ts[x.tenant]!.name, x.outcome, x.end]),
    [
      ['X', 'completed', 2],
      ['G', 'completed', 5],
      ['B', 'completed', 9],
      ['A', 'completed', 13],
      ['C', 'missed', 17],
    ],
  );
});

test('cotenant: inside a band, the tenant furthest below its weighted share goes first while EDF deadlines allow', async (t) => {
  // One tile, one band, both one-layer models of 4 cycles, both arrive at 0 (isolated 100).
  // Lags at 0: H = (9 + 1) × 4 / 100 = 0.4, L = (0 + 1) × 4 / 100 = 0.04 → H preferred.
  const order = async (lDeadline: number) => {
    const ts: T[] = [
      { name: 'L', model: 'L:4', priority: 0, deadline: lDeadline },
      { name: 'H', model: 'L:4', priority: 9, deadline: 30 },
    ];
    const plan = {
      lanes: [[0]],
      assignment: ts.map(() => ({ lane: 0, variant: { tiles: 1, granule: { kind: 'layer' as const } } })),
    };
    const r = await run(
      ONE_TILE,
      ts,
      ts.map((_, i) => ({ id: i, tenant: i, seq: 0, cycle: 0 })),
      cotenantPolicy(plan, 16),
    );
    return r.records.map((x) => [ts[x.tenant]!.name, x.outcome, x.end]);
  };
  // L's deadline 20: EDF ends L at 4 (slack 16 ≥ H's granule 4) → H first, L still in time.
  t.deepEqual(await order(20), [
    ['H', 'completed', 4],
    ['L', 'completed', 8],
  ]);
  // L's deadline 7: slack 3 < 4 → H would push L past it → L first (EDF), both in time.
  t.deepEqual(await order(7), [
    ['L', 'completed', 4],
    ['H', 'completed', 8],
  ]);
});

test('every request ends exactly once, for every policy, and replays to the same digest', async (t) => {
  const def: BoardDefinition = { ...EMU, tiles: 4 };
  const ts: T[] = [
    { name: 'a', model: 'L:40,80,20', priority: 9, deadline: 400, guaranteed: true },
    { name: 'b', model: 'L:100,100,100,100', priority: 4, deadline: 900, late: 'drop', queueLimit: 3 },
    { name: 'c', model: 'L:30,30', priority: 0, deadline: 300, instances: 3 },
  ];
  const patterns: ArrivalPattern[] = [
    { kind: 'periodic', period: 150, offset: 0 },
    { kind: 'poisson', meanGap: 120, offset: 3 },
    { kind: 'sporadic', minGap: 50, maxGap: 200, offset: 1 },
  ];
  const arrivals = generateArrivals(patterns, { requests: 150 }, (i) => createRandom(5).fork(`t${i}`));
  const admission = await planAdmission(
    ts.map((x, i) => ({
      name: x.name,
      priority: x.priority,
      guaranteed: x.guaranteed ?? false,
      deadline: x.deadline,
      minGap: [150, undefined, 50][i],
      layers: x.model.split(',').length,
    })),
    4,
    async (i, v) => fakeCompile(ts[i]!.model, v.tiles, v.granule, 0).steps.map((s) => s.estCycles),
  );
  for (const name of POLICY_NAMES) {
    const policy = () => createPolicy(name, def, admission);
    const r1 = await run(def, ts, arrivals, policy());
    const ids = r1.records.map((x) => x.id).sort((a, b) => a - b);
    t.deepEqual(
      ids,
      arrivals.map((a) => a.id),
      `${name}: each request ends once`,
    );
    const r2 = await run(def, ts, arrivals, policy());
    t.is(traceDigest(r2.trace), traceDigest(r1.trace), `${name}: same digest`);
    t.true(
      r1.records.some((x) => x.outcome === 'completed'),
      `${name}: makes progress`,
    );
  }
});

test('the admission certificate: a guaranteed response above its bound is a violation, traced and counted', async (t) => {
  // As in the granule-boundary test: H arrives at 1 and completes at 7 (response 6). With a
  // bound of 6 nothing is reported; with a bound of 5 (a certificate the board broke) H's
  // request is a violation although it met its deadline; L is not guaranteed, never checked.
  const ts: T[] = [
    { name: 'L', model: 'L:4,4', priority: 1, deadline: 100 },
    { name: 'H', model: 'L:3', priority: 5, deadline: 6, guaranteed: true },
  ];
  const plan = {
    lanes: [[0]],
    assignment: ts.map(() => ({ lane: 0, variant: { tiles: 1, granule: { kind: 'layer' as const } } })),
  };
  const arrivals: Arrival[] = [
    { id: 0, tenant: 0, seq: 0, cycle: 0 },
    { id: 1, tenant: 1, seq: 0, cycle: 1 },
  ];
  const ok = await run(ONE_TILE, ts, arrivals, cotenantPolicy(plan, 16), [undefined, 6]);
  t.deepEqual(ok.violations, []);
  t.false(ok.trace.some((e) => e.k === 'violation'));
  const broken = await run(ONE_TILE, ts, arrivals, cotenantPolicy(plan, 16), [undefined, 5]);
  t.deepEqual(broken.violations, [{ request: 1, tenant: 1, outcome: 'completed', response: 6, bound: 5 }]);
  t.deepEqual(
    broken.trace.filter((e) => e.k === 'violation').map((e) => [e.t, e.req]),
    [[7, 1]],
  );
});

test('instances: a tenant runs up to that many of its oldest requests at once, each on its own tiles', async (t) => {
  const def: BoardDefinition = { ...EMU, tiles: 4 };
  // three requests of one tenant at cycle 0; two tile pairs (static-partition, moca) or four
  // tiles to share (planaria)
  const arrivals: Arrival[] = [0, 1, 2].map((id) => ({ id, tenant: 0, seq: id, cycle: 0 }));
  const startsAt0 = (trace: readonly { k: string; t: number; req?: number }[]) =>
    new Set(trace.filter((x) => x.k === 'start' && x.t === 0).map((x) => x.req)).size;
  for (const name of ['static-partition', 'moca', 'planaria'] as const) {
    const ts = (instances?: number): T[] => [
      { name: 'a', model: 'L:100,100', priority: 1, deadline: 10_000, ...(instances ? { instances } : {}) },
    ];
    const one = await run(def, ts(), arrivals, createPolicy(name, def));
    const two = await run(def, ts(2), arrivals, createPolicy(name, def));
    t.is(startsAt0(one.trace), 1, `${name}: one at a time by default`);
    t.is(startsAt0(two.trace), 2, `${name}: two at once with instances 2 (the third waits)`);
    const tilesOf = (req: number): readonly number[] => {
      const s = two.trace.find((x) => x.k === 'start' && x.req === req);
      return s?.k === 'start' ? s.tiles : [];
    };
    t.true(tilesOf(0).length > 0 && tilesOf(1).length > 0, `${name}: both started`);
    t.false(
      tilesOf(0).some((x) => tilesOf(1).includes(x)),
      `${name}: on different tiles`,
    );
    t.is(two.records.length, 3, `${name}: every request ends once`);
    // fixed pairs: the second pair no longer idles (planaria gave the lone request all tiles)
    if (name !== 'planaria') t.true(two.cycles < one.cycles, `${name}: the run ends sooner`);
  }
});

test('instances: the executor refuses a request beyond a tenant’s oldest `instances`', async (t) => {
  const def: BoardDefinition = { ...EMU, tiles: 4 };
  const arrivals: Arrival[] = [0, 1].map((id) => ({ id, tenant: 0, seq: id, cycle: 0 }));
  const base = createPolicy('static-partition', def);
  // a policy that starts the newest request first
  const newestFirst: Policy = {
    ...base,
    decide: (state) => {
      const q = state.queues[0]!;
      const j = q[q.length - 1];
      if (j === undefined || j.running || state.tileJob[0] !== undefined) return [];
      const key = [...state.tenants[0]!.variants.keys()][0]!;
      return [{ job: j, variant: key, step: j.step, tiles: [0, 1], throttle: [0, 0] }];
    },
  };
  const ts: T[] = [{ name: 'a', model: 'L:100', priority: 1, deadline: 10_000 }];
  await t.throwsAsync(run(def, ts, arrivals, newestFirst), {
    message: /dispatched request 1 that is not ready/,
  });
  const r = await run(def, [{ ...ts[0]!, instances: 2 }], arrivals, newestFirst);
  t.is(r.records.length, 2);
});
