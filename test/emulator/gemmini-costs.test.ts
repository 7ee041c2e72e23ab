// The Gemmini mechanisms of the cost model (docs/emulator.md, "Instruction costs"), each
// checked against a consequence derived by hand from the mechanism, not from the code:
// weight blocks per kernel position, DIM rows per COMPUTE, residual adds whose loads and
// stores alternate, pooling inputs in 16-byte rows, fused-pool recompute.
import test from 'ava';
import { poolRecompute } from '../../boards/emulator/footprint.ts';
import { packPooled, type Instruction } from '../../boards/isa/index.ts';
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
  runAll,
} from './helpers.ts';

const D = MOCA_8T;

function time(program: Instruction[]): number {
  const b = board();
  launch(b, 0, DRAM, program);
  return doneCycle(runAll(b), 0);
}

/** A 3×3, stride-1, padded conv of a 64×64 image with inC channels to 16 outputs. */
function conv(inC: number): Instruction[] {
  return [
    instr('CFG_CONV_IN', { inH: 64, inW: 64, inC }),
    instr('CFG_CONV_OUT', { outH: 64, outW: 64, outC: 16 }),
    instr('CFG_CONV_KERNEL', { kernel: 3, stride: 1, padding: 1, firstRow: 0 }),
    instr('CFG_TILE', { tileI: 128, tileJ: 16, tileK: 0 }),
    instr('CFG_ADDR_IN', { addrA: DRAM + MiB, addrB: DRAM + 8 * MiB }),
    instr('CFG_ADDR_OUT', { addrC: DRAM + 16 * MiB }),
    instr('CFG_STRIDE', { strideA: inC, strideB: 16, strideC: 16 }),
    instr('CFG_QUANT', { multiplier: 1, shift: 0 }),
    instr('LOOP_CONV'),
    instr('END'),
  ];
}

test('a conv preloads one weight block per kernel position: RGB costs the array what 16 channels do', (t) => {
  const rgb = time(conv(3));
  const c16 = time(conv(16));
  const c32 = time(conv(32));
  // 9 kernel positions × 4096 pixels (a multiple of DIM) = 36 864 array cycles for 1 and
  // for 16 input channels, twice that for 32 (two channel blocks per position).
  const array = 9 * 64 * 64;
  t.true(rgb >= array && c16 >= array, `${rgb} ${c16}`);
  t.true(Math.abs(rgb - c16) / c16 < 0.03, `RGB ${rgb} vs 16 channels ${c16}`);
  // 32 channels: a second channel block per kernel position adds another 9 × 4096 cycles
  // (the fixed parts — fetch, first load, fill/drain, last store — stay about the same).
  t.true(Math.abs(c32 - c16 - array) / array < 0.03, `32 channels ${c32} vs 16 ${c16}`);
});

test('every COMPUTE feeds DIM rows: 49 rows cost what 64 do', (t) => {
  const mm = (I: number) =>
    time(
      matmulProgram({
        I,
        J: 512,
        K: 512,
        tileI: 0,
        tileJ: 64,
        tileK: 256,
        a: DRAM + MiB,
        b: DRAM + 2 * MiB,
        c: DRAM + 3 * MiB,
      }),
    );
  const i49 = mm(49);
  const i64 = mm(64);
  const i48 = mm(48);
  // 32 × 32 weight blocks, each streaming ⌈I/16⌉·16 rows: 65 536 cycles for 49 and 64 rows,
  // 49 152 for 48 — compute-bound (the weights stream in ≈ 27 000 cycles).
  t.true(Math.abs(i49 - i64) / i64 < 0.01, `${i49} vs ${i64}`);
  t.true(i48 < i49 * 0.8, `${i48} vs ${i49}`);
});

test('a residual add moves its reads, then its writes, tile by tile (no overlap)', (t) => {
  const I = 1024;
  const J = 256;
  const cycles = time([
    instr('CFG_GEMM', { I, J, K: 0 }),
    instr('CFG_ADDR_IN', { addrA: DRAM + MiB, addrB: DRAM + 2 * MiB }),
    instr('CFG_ADDR_OUT', { addrC: DRAM + 3 * MiB }),
    instr('CFG_STRIDE', { strideA: J, strideB: J, strideC: J }),
    instr('CFG_QUANT', { multiplier: 1, shift: 0 }),
    instr('LOOP_RESADD'),
    instr('END'),
  ]);
  // 2·I·J bytes read then I·J written, both in 64-byte requests at one stream's Little
  // rate (16 requests per loaded latency), plus two unloaded latencies per tile of
  // 64 KiB / 4 = 16 384 elements (16 tiles).
  const rate = (D.dmaMaxInflight * 64) / loadedLatency(D, 1, 64);
  const tiles = (I * J) / (D.accumulatorBytes / 4);
  const expected = (3 * I * J) / rate + 2 * tiles * D.dramLatencyCycles;
  t.true(Math.abs(cycles - expected) / expected < 0.01, `${cycles} vs ${expected}`);
});

test('a max pool reads its input in rows of DIM channels (16-byte requests)', (t) => {
  const cycles = time([
    instr('CFG_CONV_IN', { inH: 64, inW: 64, inC: 64 }),
    instr('CFG_CONV_KERNEL', { kernel: 1, stride: 1, padding: 0, firstRow: 0 }),
    instr('CFG_POOL', { size: 2, stride: 2, padding: 0, pooledHW: packPooled(32, 32) }),
    instr('CFG_ADDR_IN', { addrA: DRAM + MiB }),
    instr('CFG_ADDR_OUT', { addrC: DRAM + 3 * MiB }),
    instr('CFG_STRIDE', { strideA: 64, strideC: 64 }),
    instr('LOOP_POOL'),
    instr('END'),
  ]);
  // 256 KiB in 16 384 requests of 16 B, 16 in flight per ≈ 101-cycle latency: ≈ 104 000
  // cycles, the store (4 096 pooled rows × 5 accumulator reads) overlapped. In 64-byte
  // rows it would take a quarter of that.
  const reads = (64 * 64 * 64) / 16;
  const expected = (reads * loadedLatency(D, 1, 16)) / D.dmaMaxInflight;
  t.true(Math.abs(cycles - expected) / expected < 0.05, `${cycles} vs ${expected}`);
});

test('fused pooling recomputes the window rows or columns that accumulator tiles share', (t) => {
  // ResNet-50's first layer: 112-wide conv map, 3×3/2 pool. 448 conv pixels = 4 rows hold
  // one pooled row (3 conv rows for 2 unique): 3/2.
  t.is(poolRecompute(112, 56, 3, 2, 448), 1.5);
  // 128 pixels hold less than 3 rows: one pooled row of 20 pooled columns, 3 × 41 conv
  // outputs for 2 × 40 unique.
  t.is(poolRecompute(112, 56, 3, 2, 128), (3 * 41) / 80);
  // Windows that do not overlap (2×2/2) recompute nothing.
  t.is(poolRecompute(112, 56, 2, 2, 128), 1);
});

test('K tiles of whole kernel positions read their kernel slice of the input; deep layers read it once', (t) => {
  // 11×11/4 conv of a 128×128 image to 16 outputs (31×31 map) in i-tiles of 128 pixels.
  const loop = (inC: number, tileI: number, tileK: number): Instruction[] => [
    instr('CFG_CONV_IN', { inH: 128, inW: 128, inC }),
    instr('CFG_CONV_OUT', { outH: 31, outW: 31, outC: 16 }),
    instr('CFG_CONV_KERNEL', { kernel: 11, stride: 4, padding: 2, firstRow: 0 }),
    instr('CFG_TILE', { tileI, tileJ: 16, tileK }),
    instr('CFG_ADDR_IN', { addrA: DRAM + MiB, addrB: DRAM + 8 * MiB }),
    instr('CFG_ADDR_OUT', { addrC: DRAM + 16 * MiB }),
    instr('CFG_STRIDE', { strideA: inC, strideB: 16, strideC: 16 }),
    instr('CFG_QUANT', { multiplier: 1, shift: 0 }),
    instr('LOOP_CONV'),
    instr('END'),
  ];
  // RGB, one kernel row (11 positions = 33 K rows) per K tile: each of the 8 i-tiles (≤ 5
  // output rows) reads (5 − 1)·4 + 1 = 17 input rows per K tile instead of (5 − 1)·4 + 11 = 27
  // once: 11·8·17 − 8·27 rows of 128 three-byte pixels more, re-read from the L2 at 16 requests
  // per L2 latency (Little's law), which the array (121 blocks × 8 × 128 cycles) cannot hide.
  const whole = time(loop(3, 128, 0));
  const sliced = time(loop(3, 128, 33));
  const extraRequests = (11 * 8 * 17 - 8 * 27) * 128;
  t.true(sliced - whole >= (0.5 * extraRequests * D.l2HitLatencyCycles) / D.dmaMaxInflight);
  // 16 channels: a K tile is a block of channels over the whole kernel, the input is read once
  const deepWhole = time(loop(16, 16, 0));
  const deepSplit = time(loop(16, 16, 16 * 11));
  t.true(deepSplit < 1.05 * deepWhole);
});
