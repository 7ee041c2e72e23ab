// The moca baseline's runtime regulation (runtime/regulator/moca.ts, runtime/scheduler/moca-regulate.ts),
// rule by rule, on cases whose expected values are worked out by hand in the comments.
import test from 'ava';
import { decodeThrottle } from '../../boards/registers.ts';
import { BOARDS } from '../../boards/definitions.ts';
import { l2ReadBytes, loopTileCount } from '../../runtime/compiler/cost.ts';
import type { MatmulOp } from '../../runtime/compiler/types.ts';
import {
  mocaAllowedUtil,
  mocaIdealUtil,
  mocaPredictedCycles,
  mocaScore,
  mocaThrottle,
} from '../../runtime/regulator/moca.ts';
import { mocaRegulator } from '../../runtime/scheduler/moca-regulate.ts';
import type {
  Dispatch,
  Job,
  SchedState,
  StepInfo,
  TenantView,
  VariantInfo,
} from '../../runtime/scheduler/types.ts';

const DIM = 16;
const BW = 16; // bytes per cycle

test('predicted time is max(mem, compute) + 0.5·min, and ideal utilization is traffic over it', (t) => {
  // Balanced: mem = 16000 / 16 = 1000; compute = 512000 / (16² × 2 tiles) = 1000;
  // predicted = 1000 + 500 = 1500; util = 100 × (16000 / 16) / 1500 = 66.67 %.
  const balanced = { trafficBytes: 16000, loadBytes: 16000, macs: 512000, tiles: 2, loopTiles: 8 };
  t.is(mocaPredictedCycles(balanced, DIM, BW), 1500);
  t.true(Math.abs(mocaIdealUtil(balanced, DIM, BW) - 200 / 3) < 1e-9);
  // Memory-bound: mem = 32000 / 16 = 2000; compute = 128000 / 512 = 250;
  // predicted = 2000 + 125 = 2125; util = 100 × 2000 / 2125 = 94.1176 %.
  const heavy = { trafficBytes: 32000, loadBytes: 32000, macs: 128000, tiles: 2, loopTiles: 8 };
  t.is(mocaPredictedCycles(heavy, DIM, BW), 2125);
  t.true(Math.abs(mocaIdealUtil(heavy, DIM, BW) - 94.11764705882354) < 1e-9);
  // Compute-bound on one tile: mem = 1000; compute = 1024000 / 256 = 4000;
  // predicted = 4000 + 500 = 4500; util = 100 × 1000 / 4500 = 22.22 %.
  const light = { trafficBytes: 16000, loadBytes: 16000, macs: 1024000, tiles: 1, loopTiles: 8 };
  t.is(mocaPredictedCycles(light, DIM, BW), 4500);
  t.true(Math.abs(mocaIdealUtil(light, DIM, BW) - 200 / 9) < 1e-9);
});

test('score = (1 + priority)/4 + round(10 × togo / slack), slack floored once late', (t) => {
  t.is(mocaScore(3, 1000, 400), 26); // 1 + round(25)
  t.is(mocaScore(11, 1000, 3000), 6); // 3 + round(3.33) = 3 + 3
  t.is(mocaScore(0, 7, -50), 70.25); // slack floored at 1: 0.25 + 70
});

test('no contention up to 150 % in total: the tenant keeps its ideal utilization', (t) => {
  t.is(mocaAllowedUtil({ util: 80, score: 1 }, [{ util: 60, score: 9 }]), 80); // 140 ≤ 150
  t.is(mocaAllowedUtil({ util: 90, score: 1 }, [{ util: 60, score: 9 }]), 90); // exactly 150
  t.is(mocaAllowedUtil({ util: 90, score: 1 }, []), 90); // alone
});

test('under contention the excess over 150 % is cut in proportion to the others’ score × utilization', (t) => {
  // own u=100 s=2; others (80, 3) and (20, 1): total 200, excess 50;
  // Σ s·u of others = 240 + 20 = 260; own s·u = 200; cut = 50 × 260 / 460 = 28.2609;
  // allowed = 71.7391.
  const a = mocaAllowedUtil({ util: 100, score: 2 }, [
    { util: 80, score: 3 },
    { util: 20, score: 1 },
  ]);
  t.true(Math.abs(a - (100 - (50 * 260) / 460)) < 1e-9);
  t.true(Math.abs(a - 71.73913043478261) < 1e-9);
  // Two tenants of 100 % each, scores 10 and 1: excess 50. The urgent one gives up
  // 50 × 100 / 1100 = 4.545 (→ 95.4545), the other 50 × 1000 / 1100 = 45.4545 (→ 54.5454):
  // together exactly the excess.
  const urgent = mocaAllowedUtil({ util: 100, score: 10 }, [{ util: 100, score: 1 }]);
  const relaxed = mocaAllowedUtil({ util: 100, score: 1 }, [{ util: 100, score: 10 }]);
  t.true(Math.abs(urgent - 95.45454545454545) < 1e-9);
  t.true(Math.abs(relaxed - 54.54545454545455) < 1e-9);
  t.true(Math.abs(100 - urgent + (100 - relaxed) - 50) < 1e-9);
  // Not the artifact's slip (own score in place of the co-runner's), which would give
  // 100 − 50 × 100 / 200 = 75 to the relaxed tenant.
  t.not(Math.round(relaxed), 75);
});

test('the cut is floored at 25 %', (t) => {
  // own u=40 s=1; other u=140 s=10: excess 30; cut = 30 × 1400 / 1440 = 29.17 → 10.83 → 25.
  t.is(mocaAllowedUtil({ util: 40, score: 1 }, [{ util: 140, score: 10 }]), 25);
});

test('window and target_load come from the allowed rate and the loop tiles', (t) => {
  // 1 MiB read over 2 tiles, 64 loop tiles, allowed 50 % of 16 B/cycle = 8 B/cycle:
  // prediction = 1048576 / 8 = 131072 cycles; window = 131072 / 64 = 2048;
  // target_load = 1048576 / 16 B / 2 tiles / 64 = 512 beats (4 B/cycle per tile, 8 for both).
  const layer = { trafficBytes: 1048576, loadBytes: 1048576, macs: 0, tiles: 2, loopTiles: 64 };
  t.deepEqual(mocaThrottle(layer, 50, 80, false, BW), { window: 2048, targetLoad: 512 });
  // 64 MiB over 2 tiles, 4 loop tiles, 25 % (4 B/cycle): prediction = 16777216, window 4194304
  // and target_load 524288 do not fit 16 bits; both shrink by 4194304 / 65535:
  // window 65535, target_load 524288 × 65535 / 4194304 = 8191.875 → 8192 (2 B/cycle per tile).
  t.deepEqual(
    mocaThrottle(
      { trafficBytes: 64 * 1048576, loadBytes: 64 * 1048576, macs: 0, tiles: 2, loopTiles: 4 },
      25,
      100,
      false,
      BW,
    ),
    {
      window: 65535,
      targetLoad: 8192,
    },
  );
});

test('the window follows DRAM traffic, target_load all loads (L2 hits included)', (t) => {
  // traffic 512 KiB, loads 1 MiB, allowed 50 % (8 B/cycle): prediction = 524288 / 8 = 65536;
  // window = 65536 / 64 = 1024; target_load = 1048576 / 16 / 2 / 64 = 512 beats (8 B/cycle of
  // loads per tile, half of which the L2 serves).
  const layer = { trafficBytes: 524288, loadBytes: 1048576, macs: 0, tiles: 2, loopTiles: 64 };
  t.deepEqual(mocaThrottle(layer, 50, 80, false, BW), { window: 1024, targetLoad: 512 });
});

test('no throttle when allowed ≥ ideal, below 4 loop tiles, or on the first layer', (t) => {
  const layer = { trafficBytes: 1048576, loadBytes: 1048576, macs: 0, tiles: 2, loopTiles: 4 };
  t.not(mocaThrottle(layer, 50, 80, false, BW), undefined, '4 loop tiles are enough');
  t.is(mocaThrottle(layer, 80, 80, false, BW), undefined, 'allowed = ideal');
  t.is(mocaThrottle({ ...layer, loopTiles: 3 }, 50, 80, false, BW), undefined, '3 loop tiles');
  t.is(mocaThrottle(layer, 50, 80, true, BW), undefined, 'first layer');
});

test('loop tiles of a matmul: ⌈I/tI⌉·⌈J/tJ⌉·⌈K/tK⌉', (t) => {
  const op = { kind: 'matmul', I: 100, J: 64, K: 300 } as unknown as MatmulOp;
  // ⌈100/32⌉ = 4, ⌈64/64⌉ = 1, ⌈300/128⌉ = 3 → 12
  t.is(loopTileCount(op, { tI: 32, tJ: 64, tK: 128 }), 12);
  t.is(loopTileCount(op, null), 1);
});

test('DRAM traffic counts an operand once when it fits in the L2', (t) => {
  const op = { kind: 'matmul', I: 100, J: 64, K: 300, bias: null } as unknown as MatmulOp;
  const tiles = { tI: 32, tJ: 64, tK: 128 };
  // A = 100 × 300 = 30000 B read ⌈64/64⌉ = 1 time; B = 300 × 64 = 19200 B read ⌈100/32⌉ = 4 times:
  // all loads = 30000 + 76800 = 106800. With a 2 MiB L2 both fit: 30000 + 19200 = 49200.
  const big = { ...BOARDS['moca-8t'] };
  t.is(l2ReadBytes(op, tiles, big, 106800), 49200);
  // With a 10000-byte L2 neither fits: every re-read goes to DRAM, 106800.
  t.is(l2ReadBytes(op, tiles, { ...big, l2Bytes: 10000 }, 106800), 106800);
});

// Two tenants whose every step reads 1.6 MB with no MACs: predicted 1.6e6 / 16 = 100000 cycles,
// ideal utilization 100 %; 64 loop tiles; two steps, so at step 1 togo = 100000.
const step = (index: number): StepInfo => ({
  index,
  layers: { first: index, last: index },
  tiles: 2,
  macs: 0,
  readBytes: 1_600_000,
  writeBytes: 0,
  estCycles: 100_000,
  loopTiles: 64,
  l2ReadBytes: 1_600_000,
});
const variant: VariantInfo = {
  key: 't2/layer',
  tiles: 2,
  granule: { kind: 'layer' },
  steps: [step(0), step(1)],
  remainingEst: [200_000, 100_000, 0],
};
const tenant = (index: number, priority: number): TenantView => ({
  index,
  name: `t${index}`,
  priority,
  guaranteed: false,
  deadline: 1_000_000,
  isolatedCycles: 200_000,
  variants: new Map([['t2/layer', variant]]),
});
const job = (id: number, tenantIndex: number): Job => ({
  id,
  tenant: tenantIndex,
  arrival: 0,
  deadline: 1_000_000,
  variant: 't2/layer',
  step: 1,
  nextLayer: 1,
  running: false,
  tiles: [],
  runCycles: 0,
  started: 0,
});
const dispatch = (j: Job, tiles: number[]): Dispatch => ({
  job: j,
  variant: 't2/layer',
  step: 1,
  tiles,
  throttle: tiles.map(() => 0),
});

/** Starts A's step 1 alone on tiles 0–1, then B's step 1 on tiles 2–3 while A runs. */
function startBesideRunning(priorityA: number, stepB = 1) {
  const reg = mocaRegulator(DIM);
  const tenants = [tenant(0, priorityA), tenant(1, 3)];
  const a = job(1, 0);
  const b = { ...job(2, 1), step: stepB, nextLayer: stepB };
  const base = { now: 0, tileCount: 4, queues: [[a], [b]], tenants, dramBytesPerCycle: BW };
  const alone = reg.regulate(
    { ...base, tileJob: [undefined, undefined, undefined, undefined] } as SchedState,
    [dispatch(a, [0, 1])],
  );
  a.running = true;
  const beside = reg.regulate({ ...base, tileJob: [a, a, undefined, undefined] } as SchedState, [
    { ...dispatch(b, [2, 3]), step: stepB },
  ]);
  return { alone: alone[0]!, beside: beside[0]! };
}

test('a new step is cut by the running co-runner’s published utilization and score', (t) => {
  // A alone: 100 % ≤ 150 → unthrottled.
  // Scores: slack 1e6, togo 1e5 → round(1) = 1; A (p11) = 3 + 1 = 4; B (p3) = 1 + 1 = 2.
  // Excess = 200 − 150 = 50; cut = 50 × 4·100 / (2·100 + 4·100) = 33.333 → allowed 66.667 %;
  // prediction = 1.6e6 / (16 × 0.66667) = 150000; window = 150000 / 64 = 2343.75 → 2344;
  // target_load = 1.6e6 / 16 / 2 / 64 = 781.25 → 781.
  const hi = startBesideRunning(11);
  t.deepEqual(hi.alone.throttle, [0, 0]);
  t.deepEqual(
    hi.beside.throttle.map((v) => decodeThrottle(v)),
    [
      { window: 2344, targetLoad: 781 },
      { window: 2344, targetLoad: 781 },
    ],
  );
  // A at priority 0 (score 0.25 + 1 = 1.25): cut = 50 × 125 / 325 = 19.23 → 80.77 %;
  // prediction = 1.6e6 / (16 × 0.80769) = 123809.5; window = 1934.5 → 1935; target 781.
  // The co-runner's priority changes B's budget.
  const lo = startBesideRunning(0);
  t.deepEqual(decodeThrottle(lo.beside.throttle[0]!), { window: 1935, targetLoad: 781 });
});

test('the first layer is never throttled, even under contention', (t) => {
  t.deepEqual(startBesideRunning(11, 0).beside.throttle, [0, 0]);
});
