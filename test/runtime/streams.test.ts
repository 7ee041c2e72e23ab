import test from 'ava';
import { ConfigError } from '../../boards/errors.ts';
import { findBoard } from '../../boards/definitions.ts';
import type { Random } from '../../runtime/random.ts';
import { loadScenario, resolveTenants } from '../../runtime/scenario/resolve.ts';
import { parseScenario } from '../../runtime/scenario/schema.ts';
import { streamArrivals } from '../../runtime/scenario/streams.ts';

/** A generator that replays scripted draws: `weighted` picks, `int` values. */
function scripted(picks: number[], ints: number[]): Random {
  const r: Random = {
    next: () => 0,
    int: (lo, hi) => {
      const v = ints.shift()!;
      if (v < lo || v > hi) throw new Error(`scripted int ${v} outside [${lo}, ${hi}]`);
      return v;
    },
    exponential: () => 0,
    weighted: () => picks.shift()!,
    fork: () => r,
  };
  return r;
}

test('a stream: next request = isolated(previous model) × load factor − jitter later', (t) => {
  // A (isolated 1000), B (isolated 3000); load factor 2, jitter ≤ 500.
  // t=0: A; gap 2·1000 − 100 = 1900 → t=1900: B; gap 2·3000 − 500 = 5500 → t=7400: A.
  const times = streamArrivals(
    [
      { tenant: 0, weight: 1, isolatedCycles: 1000 },
      { tenant: 1, weight: 1, isolatedCycles: 3000 },
    ],
    { count: 1, loadFactor: 2, jitter: 500 },
    { maxPerStream: 3, endCycle: Number.POSITIVE_INFINITY },
    () => scripted([0, 1, 0], [100, 500, 0]),
  );
  t.deepEqual(times, [[0, 7400], [1900]]);
});

test('streams never go back in time; several streams merge per tenant in order', (t) => {
  // isolated 100 × 1 − jitter 400 would be −300: the gap is 0.
  const times = streamArrivals(
    [{ tenant: 0, weight: 1, isolatedCycles: 100 }],
    { count: 2, loadFactor: 1, jitter: 500 },
    { maxPerStream: 3, endCycle: Number.POSITIVE_INFINITY },
    (s) => (s === 0 ? scripted([0, 0, 0], [400, 0, 0]) : scripted([0, 0, 0], [50, 50, 50])),
  );
  // stream 0: 0, 0, 100; stream 1: 0, 50, 100.
  t.deepEqual(times, [[0, 0, 0, 50, 100, 100]]);
});

test('a duration run ends each stream at the first arrival at or after the end', (t) => {
  const times = streamArrivals(
    [{ tenant: 0, weight: 1, isolatedCycles: 1000 }],
    { count: 1, loadFactor: 1, jitter: 0 },
    { maxPerStream: 100, endCycle: 2500 },
    () => scripted(Array(10).fill(0), []),
  );
  t.deepEqual(times, [[0, 1000, 2000]]);
});

const base = {
  board: 'moca-8t',
  run: { requests: 40 },
  streams: { count: 4, loadFactor: 1.2, jitter: '0.85ms' },
  tenants: [
    { name: 'a', model: 'kws', priority: 1, deadline: 1e6, arrival: { kind: 'stream', weight: 2 } },
    { name: 'b', model: 'yololite', priority: 2, deadline: 1e6, arrival: { kind: 'stream', weight: 1 } },
    { name: 'c', model: 'kws', priority: 3, deadline: 1e6, arrival: { kind: 'periodic', period: '1ms' } },
  ],
};

test('stream arrivals need the top-level streams, and streams need a stream tenant', (t) => {
  const { streams: _, ...noStreams } = base;
  t.throws(() => parseScenario(noStreams), {
    instanceOf: ConfigError,
    message: /tenants\[0\]\.arrival: a "stream" arrival needs the top-level "streams"/,
  });
  t.throws(() => parseScenario({ ...base, tenants: [base.tenants[2]] }), {
    instanceOf: ConfigError,
    message: /streams: no tenant draws from the streams/,
  });
  t.throws(() => parseScenario({ ...base, streams: { loadFactor: 0 } }), {
    instanceOf: ConfigError,
    message: /streams\.loadFactor/,
  });
});

test('stream tenants resolve to traces from the seed: same seed same traces, all four streams start at 0', (t) => {
  const def = findBoard('moca-8t')!;
  const resolve = (seed: number) =>
    resolveTenants(loadScenario({ ...base, seed }, 'x', '.'), def, [3_600_000, 700_000, 3_600_000]);
  const r1 = resolve(7);
  const r2 = resolve(7);
  const r3 = resolve(8);
  t.deepEqual(r1, r2);
  t.notDeepEqual(r1[0]!.arrival, r3[0]!.arrival);
  const a = r1[0]!.arrival;
  const b = r1[1]!.arrival;
  t.is(a.kind, 'trace');
  t.is(b.kind, 'trace');
  if (a.kind !== 'trace' || b.kind !== 'trace') return;
  // 4 streams × run.requests arrivals, split between the two stream tenants.
  t.is(a.times.length + b.times.length, 4 * 40);
  t.is([...a.times, ...b.times].filter((x) => x === 0).length, 4);
  t.is(r1[2]!.arrival.kind, 'periodic');
});
