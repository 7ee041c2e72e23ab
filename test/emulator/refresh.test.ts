// DDR3 refresh (docs/emulator.md, "DRAM under load"; boards/dram.ts): every tREFI = 7800 cycles a
// rank serves nothing for tRFC = 160 cycles. Expectations are worked by hand from those two
// JEDEC / FASED figures and the moca-8t parameters.
import test from 'ava';
import {
  refreshFraction,
  refreshWaitCycles,
  streamDramLatency,
  sustainedDramBytesPerCycle,
} from '../../boards/dram.ts';
import { loadedDramLatency } from '../../boards/emulator/rates.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import {
  DRAM,
  MOCA_8T,
  MiB,
  board,
  doneCycle,
  launch,
  loadedLatency,
  matmulProgram,
  runAll,
  streaming,
} from './helpers.ts';

const NO_REFRESH: BoardDefinition = { ...MOCA_8T, dramRefreshCycles: 0 };

test('refresh arithmetic: 160/7800 of the time, a mean wait of 1.64 cycles, 15.67 B/cycle sustained', (t) => {
  t.true(Math.abs(refreshFraction(MOCA_8T) - 0.020513) < 1e-6);
  // a request lands in a refresh with probability 160/7800 and then waits 80 cycles on average
  t.true(Math.abs(refreshWaitCycles(MOCA_8T) - 1.641) < 1e-3);
  t.true(Math.abs(streamDramLatency(MOCA_8T) - 101.641) < 1e-3);
  // 16 B/cycle × (1 − 160/7800)
  t.true(Math.abs(sustainedDramBytesPerCycle(MOCA_8T) - 15.6718) < 1e-4);
  t.is(refreshWaitCycles(NO_REFRESH), 0);
  t.is(sustainedDramBytesPerCycle(NO_REFRESH), 16);
});

test('the loaded latency includes the refresh wait and queues against the bandwidth refresh leaves', (t) => {
  t.true(Math.abs(loadedDramLatency(MOCA_8T, 1, 0) - 101.641) < 1e-3);
  t.is(loadedDramLatency(NO_REFRESH, 1, 0), 100);
  // One stream of 16 × 64-byte requests. Without refresh: a = 1024/16 = 64, S = 8,
  // (L − 100)(L − 64) = 256 → L = (164 + √2320)/2 ≈ 106.08. With it: base 101.641,
  // a = 1024/15.6718 ≈ 65.34, (L − 101.641)(L − 65.34) = 261.4 → L ≈ 107.80.
  t.true(Math.abs(loadedLatency(NO_REFRESH, 1, 64) - 106.08) < 0.01);
  t.true(Math.abs(loadedLatency(MOCA_8T, 1, 64) - 107.8) < 0.01);
});

test('a memory-bound stream slows by the ratio of its loaded latencies with and without refresh', (t) => {
  const run = (def: BoardDefinition): number => {
    const b = board(def);
    launch(b, 0, DRAM + 800 * MiB, matmulProgram(streaming(0)));
    return doneCycle(runAll(b), 0);
  };
  const withRefresh = run(MOCA_8T);
  const without = run(NO_REFRESH);
  // ≈ 107.80 / 106.08 = 1.016 (the fixed delays — fetch, first latency, drain — do not stretch)
  const expected = loadedLatency(MOCA_8T, 1, 64) / loadedLatency(NO_REFRESH, 1, 64);
  t.true(Math.abs(withRefresh / without - expected) < 0.002, `${withRefresh / without} vs ${expected}`);
});
