// The link term of the analysis (docs/scheduler.md, "The link"): J as release jitter and as
// the shortest a granule counts, the analysis refusing what J makes unguaranteeable, J from
// round trips, and the CLI's --link-jitter values.
import test from 'ava';
import { ConfigError } from '../../boards/errors.ts';
import { planAdmission } from '../../runtime/admission/plan.ts';
import type { AdmissionTenant, CostProvider } from '../../runtime/admission/plan.ts';
import { linkJitterCycles, reactionRoundTrips } from '../../runtime/executor/link-jitter.ts';
import { parseLinkJitter } from '../../runtime/cli/link-option.ts';

// One lane of one tile: a guaranteed tenant of four 100-cycle granules (whatever the
// granule asked for) every 2000 cycles, deadline 1000.
const cost: CostProvider = async () => [100, 100, 100, 100];
const tenant = (jitter?: number): AdmissionTenant => ({
  name: 'g',
  priority: 9,
  guaranteed: true,
  deadline: 1000,
  minGap: 2000,
  layers: 4,
  granule: { kind: 'layer' },
  ...(jitter !== undefined ? { jitter } : {}),
});

test('J is release jitter in the bound and the shortest a granule counts; too much of it is refused', async (t) => {
  const plain = await planAdmission([tenant()], 1, cost);
  t.is(plain.tenants[0]!.bound, 400);
  // J = 50 as release jitter only (a lockstep board given --link-jitter): 400 + 50
  const released = await planAdmission([tenant(50)], 1, cost);
  t.is(released.tenants[0]!.bound, 450);
  // on a free-running board also the granule floor: 4 × max(100, 150) + 150
  const free = await planAdmission([tenant(150)], 1, cost, undefined, { granuleFloor: 150 });
  t.is(free.tenants[0]!.bound, 750);
  t.is(free.tenants[0]!.wcet, 600);
  t.is(free.tenants[0]!.maxGranule, 150);
  t.true(free.feasible);
  // 4 × 250 + 250 > 1000: refused, and the suggestion names the link
  const refused = await planAdmission([tenant(250)], 1, cost, undefined, { granuleFloor: 250 });
  t.false(refused.feasible);
  t.is(refused.tenants[0]!.verdict, 'rejected');
  t.true(refused.tenants[0]!.suggestions.some((s) => s.includes('a faster host→board link')));
});

test('J from round trips: two passes of the executor loop at the slowest round trip', (t) => {
  t.is(reactionRoundTrips(4), 20);
  t.is(reactionRoundTrips(1), 8);
  // 20 round trips of 0.5 ms at 0.02 × 1 GHz (20 000 cycles per host ms)
  t.is(linkJitterCycles({ samples: 16, medianMs: 0.2, maxMs: 0.5 }, 0.02, 1e9, 4), 200_000);
});

test('--link-jitter takes board cycles or board time; anything else is a config error', (t) => {
  t.is(parseLinkJitter(undefined, 1e9), undefined);
  t.is(parseLinkJitter('40000', 1e9), 40_000);
  t.is(parseLinkJitter('40000cyc', 1e9), 40_000);
  t.is(parseLinkJitter('200us', 1e9), 200_000);
  t.is(parseLinkJitter('0', 1e9), 0);
  for (const bad of ['soon', '-5', '{"xIsolated":2}', ''])
    t.throws(() => parseLinkJitter(bad, 1e9), { instanceOf: ConfigError }, bad);
});
