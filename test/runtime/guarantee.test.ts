// End to end on the emulated board: admitted scenarios meet every guaranteed deadline with
// worst-case co-runners; a scenario just past the bound does miss; runs replay bit-exactly.
import test from 'ava';
import fc from 'fast-check';
import { openDevice } from '../../runtime/cli/open-device.ts';
import { zooCompiler, zooLayers } from '../../runtime/executor/compile-adapter.ts';
import { analyzeLoaded, runLoaded } from '../../runtime/executor/session.ts';
import { loadScenario, loadScenarioFile } from '../../runtime/scenario/resolve.ts';

async function session(json: unknown) {
  const loaded = loadScenario(json, 'test', '.');
  const device = await openDevice(loaded.scenario.board);
  return { loaded, opts: { device, compile: zooCompiler(device.board), layersOf: zooLayers } };
}

test('the quickstart replays to the same trace digest', async (t) => {
  const loaded = loadScenarioFile('examples/quickstart.json');
  const digests: string[] = [];
  for (let k = 0; k < 2; k++) {
    const device = await openDevice('emu');
    const r = await runLoaded(loaded, { device, compile: zooCompiler(device.board), layersOf: zooLayers });
    digests.push(r.traceDigest);
    t.is(r.exec.records.length, r.arrivals.length);
  }
  t.is(digests[0], digests[1]);
});

test('a guaranteed tenant whose deadline is one cycle below its bound misses when run anyway', async (t) => {
  // Both periodic from 0: the synchronous release is the critical instant, so the bound is attained.
  const scenario = (deadline: number | string) => ({
    board: 'emu',
    seed: 1,
    run: { requests: 4 },
    tenants: [
      {
        name: 'hi',
        model: 'squeezenet',
        priority: 9,
        guaranteed: true,
        tiles: 4,
        deadline: '3ms',
        arrival: { kind: 'periodic', period: '3ms' },
      },
      {
        name: 'lo',
        model: 'yololite',
        priority: 1,
        guaranteed: true,
        tiles: 4,
        granule: 'layer',
        deadline,
        arrival: { kind: 'periodic', period: '3ms' },
      },
    ],
  });
  const a = await session(scenario('3ms'));
  const { admission } = await analyzeLoaded(a.loaded, a.opts);
  const lo = admission.tenants[1]!;
  t.is(lo.verdict, 'guaranteed');
  const b = await session(scenario(lo.bound - 1));
  const { admission: rejected } = await analyzeLoaded(b.loaded, b.opts);
  t.false(rejected.feasible);
  t.true(
    rejected.tenants[1]!.suggestions.some((s) => s.includes(`a deadline of at least ${lo.bound} cycles`)),
  );
  const c = await session(scenario(lo.bound - 1));
  const r = await runLoaded(c.loaded, { ...c.opts, admission: false });
  t.true(r.perTenant[1]!.missed > 0, 'the rejected tenant misses');
  await t.throwsAsync(
    async () => {
      const d = await session(scenario(lo.bound - 1));
      await runLoaded(d.loaded, d.opts);
    },
    { message: /admission rejects lo/ },
  );
});

test('property: admitted scenarios give zero misses for guaranteed tenants with worst-case co-runners', async (t) => {
  const guaranteedModel = fc.constantFrom('yololite', 'squeezenet');
  const hog = fc.constantFrom('alexnet', 'squeezenet');
  let admitted = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        g1: guaranteedModel,
        g2: guaranteedModel,
        co: hog,
        p1: fc.integer({ min: 5, max: 11 }),
        p2: fc.integer({ min: 0, max: 11 }),
        pco: fc.integer({ min: 0, max: 11 }),
        period1: fc.integer({ min: 2, max: 6 }),
        period2: fc.integer({ min: 3, max: 9 }),
        gapCo: fc.integer({ min: 2, max: 8 }),
      }),
      async (s) => {
        const json = {
          board: 'emu',
          seed: 3,
          run: { requests: 24 },
          tenants: [
            {
              name: 'g1',
              model: s.g1,
              priority: s.p1,
              guaranteed: true,
              deadline: `${s.period1}ms`,
              arrival: { kind: 'periodic', period: `${s.period1}ms` },
            },
            {
              name: 'g2',
              model: s.g2,
              priority: s.p2,
              guaranteed: true,
              deadline: `${s.period2}ms`,
              arrival: { kind: 'sporadic', minGap: `${s.period2}ms`, maxGap: `${s.period2 + 1}ms` },
            },
            // The co-runner tries its worst: a memory-heavy model in bursts at its minimum gap.
            {
              name: 'co',
              model: s.co,
              priority: s.pco,
              deadline: { xIsolated: 1 },
              arrival: { kind: 'sporadic', minGap: `${s.gapCo}ms` },
            },
          ],
        };
        const a = await session(json);
        const r = await runLoaded(a.loaded, { ...a.opts, admission: false });
        if (!r.admission!.feasible) return true;
        admitted++;
        return (
          r.perTenant[0]!.missed === 0 &&
          r.perTenant[0]!.dropped === 0 &&
          r.perTenant[1]!.missed === 0 &&
          r.perTenant[1]!.dropped === 0
        );
      },
    ),
    { seed: 2024, numRuns: 6 },
  );
  t.true(
    admitted >= 2,
    `only ${admitted} of 6 random scenarios were admitted: the property would be vacuous`,
  );
});
