// Timing faithfulness: costs derived from the board parameters (docs/emulator.md) — the
// array's MACs / DIM² for a compute-bound layer, Little's law for a memory-bound one —
// plus contention between tiles, throttling, and determinism.
import test from 'ava';
import { encodeThrottle } from '../../boards/registers.ts';
import {
  DRAM,
  MOCA_8T,
  MiB,
  board,
  doneCycle,
  instr,
  launch,
  loadedLatency,
  matmulProgram,
  reg,
  runAll,
  setReg,
  streaming,
  type MatmulSpec,
} from './helpers.ts';

const D = MOCA_8T;
/** The DRAM latency one tile's stream of full-size requests sees: the unloaded 100 cycles
 *  plus the queueing its own traffic causes (≈ 106.1 cycles at ρ ≈ 0.6). */
const L1 = loadedLatency(D, 1, D.dmaRequestBytes);
/** One tile's DRAM read rate alone: dmaMaxInflight requests of dmaRequestBytes per loaded
 *  latency (≈ 9.65 B/cycle). */
const LITTLE = (D.dmaMaxInflight * D.dmaRequestBytes) / L1;

function runStreaming(
  tiles: number[],
  throttle?: { tile: number; window: number; target: number },
): number[] {
  const b = board();
  if (throttle) setReg(b, 'THROTTLE', encodeThrottle(throttle.window, throttle.target), throttle.tile);
  tiles.forEach((tile, i) => launch(b, tile, DRAM + 8 * MiB * 100 + i * 4096, matmulProgram(streaming(i))));
  const ev = runAll(b);
  return tiles.map((tile) => doneCycle(ev, tile));
}

test('compute-bound: a big square matmul takes MACs/DIM² plus the derived fill and drain', (t) => {
  const m: MatmulSpec = {
    I: 512,
    J: 512,
    K: 512,
    tileI: 128,
    tileJ: 64,
    tileK: 256,
    a: DRAM + MiB,
    b: DRAM + 2 * MiB,
    c: DRAM + 3 * MiB,
  };
  const b = board();
  launch(b, 0, DRAM, matmulProgram(m));
  const cycles = doneCycle(runAll(b), 0);
  const ideal = (m.I * m.J * m.K) / (D.dim * D.dim); // 524288: every block streams ≥ DIM rows
  // Not overlapped with the array: the program fetch, the first A/B blocks' load (one
  // unloaded latency + bytes at Little's rate under the stream's own load), the pipeline drain (2·DIM), the last C block's store
  // (64-byte rows; the DMA writer also holds ≤ 16 requests until DRAM acknowledges them, so
  // writes stream at Little's rate too, below the 16 B/cycle port).
  const fetch = D.dramLatencyCycles + 10;
  const prologue = D.dramLatencyCycles + (m.tileI * m.tileK + m.tileK * m.tileJ) / LITTLE;
  const epilogue = 2 * D.dim + (m.tileI * m.tileJ) / Math.min(D.tileBusBytesPerCycle, LITTLE);
  t.true(cycles >= ideal + prologue + epilogue, `${cycles}`);
  t.true(
    cycles <= ideal + fetch + prologue + epilogue + 8,
    `${cycles} vs ${ideal + fetch + prologue + epilogue}`,
  );
  t.true(ideal / cycles > 0.98, 'array utilization above 98%');
  t.is(reg(b, 'PERF_MACS_LO', 0), m.I * m.J * m.K);
});

test('memory-bound: streaming weights takes bytes / (in-flight bytes / latency)', (t) => {
  const [cycles] = runStreaming([0]);
  const bytes = 2048 * 2048; // the weights; the 2 KiB input row is re-read from the L2
  const expected = bytes / LITTLE;
  t.true(Math.abs(cycles! - expected) / expected < 0.01, `${cycles} vs ${expected}`);
});

test('contention: two streaming layers on two tiles take longer together than alone', (t) => {
  const [alone] = runStreaming([0]);
  const [a, b] = runStreaming([0, 1]);
  // Together the DRAM is busier (queueing) and the two streams conflict on banks, so the
  // latency each sees rises from L1 ≈ 106 to L2 ≈ 141 cycles; each still keeps 16 requests
  // in flight, so each slows by L2 / L1 (≈ 1.33; 2 × 7.3 B/cycle stays under the 16 B/cycle
  // peak, so the fair share does not bind).
  const expectedSlowdown = loadedLatency(D, 2, D.dmaRequestBytes) / L1;
  t.true(Math.abs(a! / alone! - expectedSlowdown) < 0.02, `${a! / alone!} vs ${expectedSlowdown}`);
  t.is(a, b, 'symmetric tiles finish together');
});

test('latency under load: a short load takes longer while other tiles stream', (t) => {
  // 64 rows of 16 B: latency-bound (16 requests in flight), so its time follows the latency.
  const load = [
    instr('CFG_LOAD', { stride: 16 }),
    instr('MVIN', { rows: 64, dram: DRAM + 900 * MiB, localRow: 0, cols: 16 }),
    instr('END'),
  ];
  const timeWith = (streamers: number[]): number => {
    const b = board();
    streamers.forEach((tile, i) =>
      launch(b, tile, DRAM + 8 * MiB * 100 + i * 4096, matmulProgram(streaming(i))),
    );
    launch(b, 7, DRAM + 700 * MiB, load);
    return doneCycle(runAll(b), 7);
  };
  const idle = timeWith([]);
  const busy2 = timeWith([0, 1]);
  const busy4 = timeWith([0, 1, 2, 3]);
  t.true(busy2 > idle, `${busy2} vs ${idle}`);
  t.true(busy4 > busy2, `${busy4} vs ${busy2}`);
});

test('throttling one co-runner speeds the other up', (t) => {
  const [free0] = runStreaming([0, 1]);
  // Tile 1 limited to 250 beats per 1000 cycles (4 B/cycle): tile 0 gets the rest.
  const [fast0, slow1] = runStreaming([0, 1], { tile: 1, window: 1000, target: 250 });
  t.true(fast0! < free0! * 0.9, `${fast0} vs ${free0}`);
  t.true(slow1! > free0!, 'the throttled tile is slower');
});

test('throttled tile alone: stall counter equals the time lost, rate follows the budget', (t) => {
  const b = board();
  const [alone] = runStreaming([0]);
  // When issuing, the tile reads r = LITTLE/16 ≈ 0.60 beats/cycle. With window 1000 and
  // target 320 each open window leaves a debt of r·1000 − 320, and every bubble repays
  // target/window per cycle it lasts (all rows of the table keep that ratio), so bubbles
  // add (r·1000 − 320)/320 of the open time: the streaming part takes r·1000/320 as long.
  setReg(b, 'THROTTLE', encodeThrottle(1000, 320), 0);
  launch(b, 0, DRAM + 800 * MiB, matmulProgram(streaming(0)));
  const cycles = doneCycle(runAll(b), 0);
  const stall = reg(b, 'PERF_STALL_LO', 0);
  // Only the streaming part stretches (fetch, first latency, drain and store do not).
  const streamingPart = (2048 * 2048) / LITTLE;
  const extra = streamingPart * ((LITTLE / 16) * (1000 / 320) - 1);
  t.true(Math.abs(cycles - (alone! + extra)) <= 1000, `${cycles} vs ${alone} + ${extra}`);
  t.true(Math.abs(cycles - alone! - stall) <= 1000, `lost ${cycles - alone!} vs stall ${stall}`);
});

test('THROTTLED status while in a bubble; a THROTTLE write resets the engine; 0/0 disables', (t) => {
  const b = board();
  setReg(b, 'THROTTLE', encodeThrottle(1000, 300), 0);
  launch(b, 0, DRAM + 800 * MiB, matmulProgram(streaming(0)));
  // Window 1 (cycles 0–1000) sees the fetch, one latency, then ~790 cycles at LITTLE/16 ≈ 0.60
  // beats/cycle: outer ≈ 475 − 300 = 175 → 2·175 > 300 → a W/2 = 500-cycle bubble.
  b.advance(1200);
  t.is(reg(b, 'STATUS', 0) & 4, 4);
  setReg(b, 'THROTTLE', 0, 0);
  t.is(reg(b, 'STATUS', 0) & 4, 0);
  const stallBefore = reg(b, 'PERF_STALL_LO', 0);
  runAll(b);
  t.is(reg(b, 'PERF_STALL_LO', 0), stallBefore, 'no stalls once disabled');
});

test('determinism: same programs → same cycles, events and counters (two tiles interleaved)', (t) => {
  const once = () => {
    const b = board();
    setReg(b, 'THROTTLE', encodeThrottle(700, 200), 1);
    launch(b, 0, DRAM, matmulProgram(streaming(0)));
    launch(
      b,
      1,
      DRAM + 4096,
      matmulProgram({
        I: 300,
        J: 200,
        K: 500,
        tileI: 64,
        tileJ: 64,
        tileK: 128,
        a: DRAM + 300 * MiB,
        b: DRAM + 310 * MiB,
        c: DRAM + 320 * MiB,
      }),
    );
    const ev = runAll(b);
    return {
      ev,
      cycle: b.cycle,
      regs: ['PERF_STALL_LO', 'PERF_BUSY_LO', 'PERF_RD_BEATS_LO'].map((r) => reg(b, r as 'PERF_STALL_LO', 1)),
    };
  };
  t.deepEqual(once(), once());
});

test('decoupled queues: a load overlaps compute unless it overwrites rows the compute reads', (t) => {
  const ops = (dest: number) => [
    instr('CFG_LOAD', { stride: 16 }),
    instr('MVIN', { rows: 64, dram: DRAM + MiB, localRow: 0, cols: 16 }),
    instr('MVIN', { rows: 16, dram: DRAM + 2 * MiB, localRow: 1000, cols: 16 }),
    instr('PRELOAD', { spadRow: 1000, accRow: 0 }),
    instr('COMPUTE', { rows: 64, spadRow: 0 }),
    instr('MVIN', { rows: 64, dram: DRAM + 3 * MiB, localRow: dest, cols: 16 }),
    instr('END'),
  ];
  const time = (dest: number) => {
    const b = board();
    launch(b, 0, DRAM, ops(dest));
    return doneCycle(runAll(b), 0);
  };
  const independent = time(200);
  const conflicting = time(0); // write-after-read on rows 0..63: waits for the COMPUTE
  // The difference is exactly the execute queue's work the load no longer hides —
  // PRELOAD (DIM cycles) + COMPUTE (64 rows + 2·DIM fill/drain) — plus one DRAM latency:
  // back to back behind the previous MVIN the load's requests were already in flight,
  // after the wait they are not.
  t.is(conflicting - independent, D.dim + 64 + 2 * D.dim + D.dramLatencyCycles);
});
