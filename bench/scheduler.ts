// Scheduler benchmark: median host time of one dispatch decision (cotenant policy, 16
// tenants, states captured from a real run of the executor) and the time to admit 16
// tenants (planner + response-time analysis, granule costs already measured), on the emu
// board (one lane) and on moca-8t with 2-tile lanes (the multi-lane path: per-lane bands,
// regulation or budgets); and the time to admit 64 tenants on moca-8t.
// Last line: `scheduler: dispatch_us=<median> admission_ms=<16 tenants>
//   dispatch_multilane_us=<median> admission64_ms=<64 tenants>`.
import { EMU, MOCA_8T } from '../boards/definitions.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { planAdmission, type AdmissionTenant } from '../runtime/admission/plan.ts';
import { execute, type ExecTenant } from '../runtime/executor/executor.ts';
import { prepareVariant, RegionAllocator, type PreparedVariant } from '../runtime/executor/workload.ts';
import { generateArrivals } from '../runtime/scenario/arrivals.ts';
import { createRandom } from '../runtime/random.ts';
import { createPolicy } from '../runtime/scheduler/index.ts';
import type { SchedState } from '../runtime/scheduler/types.ts';
import { variantKey } from '../runtime/scheduler/types.ts';
import { FakeDevice, fakeCompile } from '../test/runtime/fake-device.ts';

async function bench(N: number, board: BoardDefinition, laneTiles: number | undefined, runDispatch: boolean) {
  const rng = createRandom(11);
  const models = Array.from(
    { length: N },
    () => `L:${Array.from({ length: rng.int(4, 40) }, () => rng.int(2_000, 400_000)).join(',')}`,
  );
  const layersOf = (m: string) => m.split(',').length;
  const tenants: AdmissionTenant[] = models.map((m, i) => {
    const cost = layersOf(m) * 100_000;
    return {
      name: `t${i}`,
      priority: rng.int(0, 11),
      guaranteed: i % 3 === 0,
      deadline: cost * 40,
      minGap: cost * 60,
      layers: layersOf(m),
      ...(laneTiles !== undefined ? { tiles: laneTiles } : {}),
    };
  });
  const costCache = new Map<string, number[]>();
  const cost = async (i: number, v: { tiles: number; granule: Parameters<typeof fakeCompile>[2] }) => {
    const key = `${i}|${variantKey(v)}`;
    let c = costCache.get(key);
    if (c === undefined) {
      c = fakeCompile(models[i]!, v.tiles, v.granule, 0).steps.map((s) => s.estCycles);
      costCache.set(key, c);
    }
    return c;
  };

  await planAdmission(tenants, board.tiles, cost); // warm the cost cache: we time the analysis
  const admissionTimes: number[] = [];
  let admission = await planAdmission(tenants, board.tiles, cost);
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    admission = await planAdmission(tenants, board.tiles, cost);
    admissionTimes.push(performance.now() - t0);
  }

  if (!runDispatch)
    return {
      dispatch: Number.NaN,
      admission: median(admissionTimes),
      lanes: admission.lanes.length,
      feasible: admission.feasible,
      throttled: 0,
    };
  const policy = createPolicy('cotenant', board, admission);
  const regions = new RegionAllocator(board);
  const reqs = policy.variants(tenants, board.tiles);
  const dev = new FakeDevice(board);
  const exec: ExecTenant[] = [];
  for (let i = 0; i < N; i++) {
    const prepared = new Map<string, PreparedVariant>();
    for (const r of reqs[i]!) {
      const v = prepareVariant(fakeCompile, models[i]!, r, regions, `t${i}`);
      for (const s of v.compiled.steps) for (const p of s.programs) await dev.writeMemory(p.address, p.bytes);
      prepared.set(variantKey(r), v);
    }
    const t = tenants[i]!;
    exec.push({
      index: i,
      name: t.name,
      priority: t.priority,
      guaranteed: t.guaranteed,
      deadline: t.deadline,
      isolatedCycles: t.deadline / 4,
      late: 'finish',
      queueLimit: 64,
      prepared,
      variants: new Map([...prepared].map(([k, v]) => [k, v.info])),
    });
  }
  const arrivals = generateArrivals(
    tenants.map((t) => ({ kind: 'sporadic' as const, minGap: t.minGap!, maxGap: 2 * t.minGap!, offset: 0 })),
    { requests: 2000 },
    (i) => rng.fork(`a${i}`),
  );
  const samples: number[] = [];
  const REPEAT = 50;
  const run = await execute(dev, exec, arrivals, policy, {
    onDecide: (state: SchedState) => {
      // decide() is a pure function of the state: time REPEAT calls on the same state.
      const t0 = performance.now();
      for (let k = 0; k < REPEAT; k++) policy.decide(state);
      samples.push(((performance.now() - t0) * 1000) / REPEAT);
    },
  });
  samples.sort((a, b) => a - b);
  const throttled = run.trace.filter((e) => e.k === 'start' && e.throttle.some((v) => v !== 0)).length;
  console.log(
    `${board.id}, ${N} tenants${laneTiles !== undefined ? `, ${laneTiles}-tile lanes` : ''}: decisions timed ${samples.length}; p90 ${samples[Math.floor(samples.length * 0.9)]!.toFixed(2)} us; admission runs ${admissionTimes.map((x) => x.toFixed(1)).join(', ')} ms; feasible ${admission.feasible}; lanes ${admission.lanes.length}; throttled steps ${throttled}`,
  );
  return {
    dispatch: median(samples),
    admission: median(admissionTimes),
    lanes: admission.lanes.length,
    feasible: admission.feasible,
    throttled,
  };
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

const one = await bench(16, EMU, undefined, true);
const multi = await bench(16, MOCA_8T, 2, true);
const big = await bench(64, MOCA_8T, undefined, false);
console.log(
  `moca-8t, 64 tenants: admission ${big.admission.toFixed(1)} ms; feasible ${big.feasible}; lanes ${big.lanes}`,
);
console.log(
  `scheduler: dispatch_us=${one.dispatch.toFixed(2)} admission_ms=${one.admission.toFixed(1)} dispatch_multilane_us=${multi.dispatch.toFixed(2)} admission64_ms=${big.admission.toFixed(1)}`,
);
