// Row slices (CFG_CONV_KERNEL.d = f, docs/isa.md): a loop whose input is addressed as the
// whole image computes rows f … of the written map, reads only those rows + halo, and
// treats rows outside the image as zero padding. Expected values are worked by hand from
// the formulas in docs/isa.md.
import test from 'ava';
import type { EmulatedBoard } from '../../boards/emulator/index.ts';
import { FAULT_DMA_OUT_OF_REGION } from '../../boards/events.ts';
import { packPooled, type Instruction } from '../../boards/isa/index.ts';
import { DRAM, MiB, board, bytesOf, instr, launch, reg, runAll, setReg } from './helpers.ts';

const A = DRAM + MiB;
const B = DRAM + 2 * MiB;
const C = DRAM + 4 * MiB;

function run(b: EmulatedBoard, program: Instruction[]) {
  launch(b, 0, DRAM, [...program, instr('END')]);
  return runAll(b);
}

const readI8 = (b: EmulatedBoard, addr: number, n: number): number[] => [
  ...new Int8Array(b.readMemory(addr, n).buffer),
];

/** A 3×3 all-ones conv (1 channel in and out), M = 1, S = 0, no relu: each output is the
 *  sum of its 3×3 neighbourhood, zeros outside the image. */
function boxConv(first: number, rows: number, inH: number, inW: number): Instruction[] {
  return [
    instr('CFG_CONV_IN', { inH: inH, inW: inW, inC: 1 }),
    instr('CFG_CONV_OUT', { outH: rows, outW: inW, outC: 1 }),
    instr('CFG_CONV_KERNEL', { kernel: 3, stride: 1, padding: 1, firstRow: first }),
    instr('CFG_ADDR_IN', { addrA: A, addrB: B }),
    instr('CFG_ADDR_OUT', { addrC: C }),
    instr('CFG_STRIDE', { strideA: 1, strideB: 1, strideC: 1 }),
    instr('CFG_QUANT', { multiplier: 1, shift: 0 }),
    instr('LOOP_CONV'),
  ];
}

// input (4 rows × 3 columns):  1 2 3 / 4 5 6 / 7 8 9 / 10 11 12
const IMAGE = Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

function boxBoard(): EmulatedBoard {
  const b = board(undefined, 'functional');
  b.writeMemory(A, bytesOf(IMAGE));
  b.writeMemory(B, bytesOf(new Int8Array(9).fill(1)));
  return b;
}

test('a middle row slice of a padded conv reads its halo from the image, not zeros', (t) => {
  const b = boxBoard();
  run(b, boxConv(1, 2, 4, 3));
  // row 1: (1+2+4+5+7+8, 1+…+9, 2+3+5+6+8+9); row 2: (4+5+7+8+10+11, 4+…+12, 5+6+8+9+11+12)
  t.deepEqual(readI8(b, C, 6), [27, 45, 33, 45, 72, 51]);
  t.is(reg(b, 'PERF_MACS_LO', 0), 2 * 3 * 9, 'MACs count the slice rows only (I = 2 rows × 3)');
});

test('the last row slice reads the row below the image as zero padding', (t) => {
  const b = boxBoard();
  run(b, boxConv(3, 1, 4, 3));
  // row 3: (7+8+10+11, 7+…+12, 8+9+11+12)
  t.deepEqual(readI8(b, C, 3), [36, 57, 40]);
});

test('a row slice reads only its rows + halo: rows above it may lie outside the region', (t) => {
  // 8 rows of 64 pixels × 1 channel; the slice f = 6, 2 rows (3×3, pad 1) reads input rows 5…7.
  const inH = 8,
    inW = 64;
  const b = board(undefined, 'timing');
  const regionBase = A + 5 * inW;
  setReg(b, 'REGION_BASE', DRAM, 0);
  setReg(b, 'REGION_LIMIT', DRAM + 8 * MiB, 0);
  const ok = run(b, boxConv(6, 2, inH, inW));
  t.like(ok[ok.length - 1], { kind: 'done' });
  const read = reg(b, 'DRAM_RD_LO');
  // program fetch (9 words) + input rows 5…7 + 9 weight bytes: never the 5 rows above the halo
  t.is(read, 9 * 16 + 3 * inW + 9);
  // now forbid everything before row 5 of the image: the slice still runs, the whole layer faults
  const fenced = board(undefined, 'timing');
  setReg(fenced, 'REGION_BASE', regionBase, 0);
  setReg(fenced, 'REGION_LIMIT', DRAM + 8 * MiB, 0);
  const prog = (first: number, rows: number) => [...boxConv(first, rows, inH, inW), instr('END')];
  // the weights at B and C are above A, so they stay inside [regionBase, limit)
  launch(fenced, 0, regionBase + 64 * 1024, prog(6, 2));
  t.like(
    runAll(fenced).find((e) => e.kind !== 'granule'),
    { kind: 'done' },
  );
  launch(fenced, 0, regionBase + 64 * 1024, prog(0, 8));
  t.like(runAll(fenced)[0], { kind: 'fault', address: A, code: FAULT_DMA_OUT_OF_REGION });
});

/** 1×1 identity conv over a 6×1×1 column [5, −3, 9, 2, −7, 4], then the pool: only its
 *  arithmetic shows. */
const COLUMN = Int8Array.from([5, -3, 9, 2, -7, 4]);

test('fused pool: f indexes pooled rows; the conv map is whole and computed only where windows reach', (t) => {
  const b = board(undefined, 'functional');
  b.writeMemory(A, bytesOf(COLUMN));
  b.writeMemory(B, bytesOf(Int8Array.from([1])));
  // pool 3/2 pad 1 on 6 conv rows → 3 pooled rows: [max r0..1, max r1..3, max r3..5]
  // slice f = 1, 2 pooled rows → [max(−3, 9, 2), max(2, −7, 4)] = [9, 4], conv rows 1…5 computed
  run(b, [
    instr('CFG_CONV_IN', { inH: 6, inW: 1, inC: 1 }),
    instr('CFG_CONV_OUT', { outH: 6, outW: 1, outC: 1 }),
    instr('CFG_CONV_KERNEL', { kernel: 1, stride: 1, padding: 0, firstRow: 1 }),
    instr('CFG_POOL', { size: 3, stride: 2, padding: 1, pooledHW: packPooled(2, 1) }),
    instr('CFG_ADDR_IN', { addrA: A, addrB: B }),
    instr('CFG_ADDR_OUT', { addrC: C }),
    instr('CFG_STRIDE', { strideA: 1, strideB: 1, strideC: 1 }),
    instr('CFG_QUANT', { multiplier: 1, shift: 0 }),
    instr('LOOP_CONV', { flags: 0x4 }),
  ]);
  t.deepEqual(readI8(b, C, 2), [9, 4]);
  t.is(reg(b, 'PERF_MACS_LO', 0), 5, 'conv rows 1…5 (max(0, 1·2−1) … min(6, 2·2−1+3)), one MAC each');
});

test('max LOOP_POOL row slice: f from CFG_CONV_KERNEL.d, input addressed as the whole image', (t) => {
  const b = board(undefined, 'functional');
  b.writeMemory(A, bytesOf(COLUMN));
  const pool = (first: number, rows: number): Instruction[] => [
    instr('CFG_CONV_IN', { inH: 6, inW: 1, inC: 1 }),
    instr('CFG_CONV_KERNEL', { firstRow: first }),
    instr('CFG_POOL', { size: 2, stride: 2, padding: 0, pooledHW: packPooled(rows, 1) }),
    instr('CFG_ADDR_IN', { addrA: A }),
    instr('CFG_ADDR_OUT', { addrC: C }),
    instr('CFG_STRIDE', { strideA: 1, strideC: 1 }),
    instr('CFG_QUANT', { multiplier: 1, shift: 0 }),
    instr('LOOP_POOL'),
  ];
  run(b, pool(2, 1)); // pooled row 2 = max(in4, in5)
  t.deepEqual(readI8(b, C, 1), [4]);
  run(b, pool(0, 3)); // the whole layer
  t.deepEqual(readI8(b, C, 3), [5, 9, 4]);
});

test('a row slice costs its rows: timing of rows f…f+n−1 equals an unpadded conv of the same rows', (t) => {
  // A slice of a stride-1 3×3 conv that stays away from the image edges reads exactly the
  // rows an unpadded conv over rows f−1 … f+n would, and computes the same I × J × K.
  const inH = 64,
    inW = 32,
    ch = 16;
  const sliced = board();
  const plain = board();
  const common = (b: EmulatedBoard, first: number, p: number, inRows: number, addrA: number) =>
    run(b, [
      instr('CFG_CONV_IN', { inH: inRows, inW: inW, inC: ch }),
      instr('CFG_CONV_OUT', { outH: 8, outW: p === 1 ? inW : inW - 2, outC: ch }),
      instr('CFG_CONV_KERNEL', { kernel: 3, stride: 1, padding: p, firstRow: first }),
      instr('CFG_ADDR_IN', { addrA: addrA, addrB: B }),
      instr('CFG_ADDR_OUT', { addrC: C }),
      instr('CFG_STRIDE', { strideA: ch, strideB: ch, strideC: ch }),
      instr('CFG_QUANT', { multiplier: 1, shift: 0 }),
      instr('LOOP_CONV'),
    ]);
  common(sliced, 20, 1, inH, A);
  common(plain, 0, 0, 10, A + 19 * inW * ch);
  // same input rows (10) read; the padded slice is 2 columns wider (zero-padded columns)
  t.is(reg(sliced, 'PERF_MACS_LO', 0), 8 * inW * 9 * ch * ch);
  t.is(reg(plain, 'PERF_MACS_LO', 0), 8 * (inW - 2) * 9 * ch * ch);
  const rd = (b: EmulatedBoard) => reg(b, 'DRAM_RD_LO');
  t.is(rd(sliced), rd(plain), 'identical DRAM reads: 10 input rows + weights + the same-length program');
});
