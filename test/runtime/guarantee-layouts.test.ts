// The guarantee, tried hard: random scenarios in every lane layout the planner can choose
// (1, 2, 4 and 8-tile lanes on moca-8t; 1, 2 and 4 on emu), with memory-heavy best-effort
// co-runners above and below the guaranteed tenants, sporadic bursts at their minimum gap,
// `late: drop`, small queue limits, throttled (budgeted or regulated) and unthrottled lanes.
// Whatever admission accepts must run with zero guaranteed misses, drops or rejections, and
// every guaranteed response within its bound (the certificate checked at run time).
import test from 'ava';
import fc from 'fast-check';
import { openDevice } from '../../runtime/cli/open-device.ts';
import { zooCompiler, zooLayers } from '../../runtime/executor/compile-adapter.ts';
import { runLoaded } from '../../runtime/executor/session.ts';
import { loadScenario } from '../../runtime/scenario/resolve.ts';

/** Base periods (ms) per guaranteed model, scaled by lane size below. */
const LIGHT: Record<string, number> = { yololite: 0.6, squeezenet: 1.2, kws: 4 };
const HEAVY = ['alexnet', 'resnet50', 'yolov2', 'googlenet'];

const scenario = fc.record({
  guaranteed: fc.array(
    fc.record({
      model: fc.constantFrom(...Object.keys(LIGHT)),
      priority: fc.integer({ min: 0, max: 11 }),
      factor: fc.double({ min: 0.3, max: 3, noNaN: true }),
      sporadic: fc.boolean(),
      queueLimit: fc.integer({ min: 1, max: 4 }),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  bestEffort: fc.array(
    fc.record({
      model: fc.constantFrom(...HEAVY),
      priority: fc.integer({ min: 0, max: 11 }),
      gapMs: fc.integer({ min: 2, max: 12 }),
      drop: fc.boolean(),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function json(board: string, laneTiles: number, s: Scenario, seed: number) {
  const slow = 8 / laneTiles; // fewer tiles per lane: longer runtimes, longer periods
  return {
    board,
    seed,
    run: { requests: 40 },
    tenants: [
      ...s.guaranteed.map((g, i) => {
        const period = `${(LIGHT[g.model]! * g.factor * slow).toFixed(3)}ms`;
        return {
          name: `g${i}`,
          model: g.model,
          priority: g.priority,
          guaranteed: true,
          tiles: laneTiles,
          queueLimit: g.queueLimit,
          deadline: period,
          arrival: g.sporadic ? { kind: 'sporadic', minGap: period } : { kind: 'periodic', period },
        };
      }),
      // Co-runners at their worst: memory-heavy models arriving at exactly their minimum gap.
      ...s.bestEffort.map((b, i) => ({
        name: `be${i}`,
        model: b.model,
        priority: b.priority,
        tiles: laneTiles,
        late: b.drop ? 'drop' : 'finish',
        deadline: { xIsolated: 2 },
        arrival: { kind: 'sporadic', minGap: `${b.gapMs}ms`, maxGap: `${b.gapMs}ms` },
      })),
    ],
  };
}

const LAYOUTS: readonly { board: string; laneTiles: number }[] = [
  { board: 'moca-8t', laneTiles: 8 },
  { board: 'moca-8t', laneTiles: 4 },
  { board: 'moca-8t', laneTiles: 2 },
  { board: 'moca-8t', laneTiles: 1 },
  { board: 'emu', laneTiles: 4 },
  { board: 'emu', laneTiles: 2 },
  { board: 'emu', laneTiles: 1 },
];

for (const { board, laneTiles } of LAYOUTS) {
  test(`property: ${board}, ${laneTiles}-tile lanes — admitted means no guaranteed request late, dropped or rejected`, async (t) => {
    let admitted = 0;
    let tried = 0;
    let budgeted = 0;
    let throttledSteps = 0;
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer({ min: 1, max: 1000 }), async (s, seed) => {
        tried++;
        const loaded = loadScenario(json(board, laneTiles, s, seed), 'property', '.');
        const device = await openDevice(board);
        try {
          const r = await runLoaded(loaded, {
            device,
            compile: zooCompiler(device.board),
            layersOf: zooLayers,
            admission: false,
          });
          if (!r.admission!.feasible) return true;
          admitted++;
          if (r.admission!.laneBudgets.some((b) => Number.isFinite(b))) budgeted++;
          throttledSteps += r.exec.trace.filter(
            (e) => e.k === 'start' && e.throttle.some((v) => v !== 0),
          ).length;
          const bad = r.tenants.flatMap((x, i) => {
            if (!x.guaranteed) return [];
            const m = r.perTenant[i]!;
            return m.missed + m.dropped + m.rejected > 0 ? [`${x.name}: ${JSON.stringify(m)}`] : [];
          });
          t.deepEqual(bad, [], JSON.stringify(json(board, laneTiles, s, seed)));
          t.deepEqual(r.exec.violations, []);
          return bad.length === 0 && r.exec.violations.length === 0;
        } finally {
          await device.close();
        }
      }),
      { seed: 8000 + laneTiles * 10 + board.length, numRuns: 4 },
    );
    t.log(
      `${admitted} of ${tried} random scenarios admitted; ${budgeted} with memory budgets; ${throttledSteps} throttled steps`,
    );
    t.true(admitted > 0, 'the property was exercised');
  });
}
