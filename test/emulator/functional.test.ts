// Functional mode against a naive implementation written here from docs/isa.md's
// formulas (requant, act, conv indexing, pooling), on small odd shapes. Also checks that
// timing and functional mode give identical cycle counts.
import test from 'ava';
import type { EmulatedBoard } from '../../boards/emulator/index.ts';
import { packPooled, type Instruction } from '../../boards/isa/index.ts';
import { DRAM, MiB, board, bytesOf, instr, int8Data, launch, runAll } from './helpers.ts';

// ---- the reference, straight from docs/isa.md ----------------------------------------
function requant(x: number, m: number, s: number): number {
  const r = s > 0 ? 2 ** (s - 1) : 0;
  return Math.min(127, Math.max(-128, Math.floor((x * m + r) / 2 ** s)));
}
const act = (y: number, relu: boolean) => (relu ? Math.max(0, y) : y);

const A = DRAM + MiB;
const B = DRAM + 2 * MiB;
const BIAS = DRAM + 3 * MiB;
const C = DRAM + 4 * MiB;

function run(b: EmulatedBoard, program: Instruction[]): number {
  launch(b, 0, DRAM, [...program, instr('END')]);
  const ev = runAll(b);
  const done = ev.find((e) => e.kind === 'done');
  if (done === undefined) throw new Error(`no done: ${JSON.stringify(ev)}`);
  return done.cycle;
}

function readI8(b: EmulatedBoard, addr: number, n: number): number[] {
  return [...new Int8Array(b.readMemory(addr, n).buffer)];
}

/** Runs in both modes; returns the functional board and checks the cycles match. */
function both(
  t: { is: (a: unknown, b: unknown, m?: string) => void },
  setup: (b: EmulatedBoard) => void,
  program: Instruction[],
): EmulatedBoard {
  const timing = board(undefined, 'timing');
  const functional = board(undefined, 'functional');
  setup(timing);
  setup(functional);
  t.is(run(functional, program), run(timing, program), 'timing and functional mode take the same cycles');
  return functional;
}

test('LOOP_MATMUL, odd shapes with bias, relu, requant', (t) => {
  const [I, J, K] = [7, 19, 23];
  const a = int8Data(I * K, 1);
  const w = int8Data(K * J, 2);
  const bias = Int32Array.from({ length: J }, (_, j) => (j - 9) * 37);
  const [m, s] = [77, 10];
  const b = both(
    t,
    (x) => {
      x.writeMemory(A, bytesOf(a));
      x.writeMemory(B, bytesOf(w));
      x.writeMemory(BIAS, bytesOf(bias));
    },
    [
      instr('CFG_GEMM', { I: I, J: J, K: K }),
      instr('CFG_TILE', { tileI: 4, tileJ: 16, tileK: 8 }),
      instr('CFG_ADDR_IN', { addrA: A, addrB: B, addrBias: BIAS }),
      instr('CFG_ADDR_OUT', { addrC: C }),
      instr('CFG_STRIDE', { strideA: K, strideB: J, strideC: 32 }),
      instr('CFG_QUANT', { flags: 1, multiplier: m, shift: s }),
      instr('LOOP_MATMUL', { flags: 1 }),
    ],
  );
  for (let i = 0; i < I; i++) {
    const want: number[] = [];
    for (let j = 0; j < J; j++) {
      let acc = bias[j]!;
      for (let k = 0; k < K; k++) acc += a[i * K + k]! * w[k * J + j]!;
      want.push(act(requant(acc, m, s), true));
    }
    t.deepEqual(readI8(b, C + 32 * i, J), want, `row ${i}`);
  }
});

interface ConvCase {
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  k: number;
  s: number;
  p: number;
  depthwise?: boolean;
  pool?: { size: number; stride: number; pad: number };
}

function convRef(
  c: ConvCase,
  input: Int8Array,
  w: Int8Array,
  bias: Int32Array,
  m: number,
  sh: number,
  relu: boolean,
) {
  const outH = Math.floor((c.inH + 2 * c.p - c.k) / c.s) + 1;
  const outW = Math.floor((c.inW + 2 * c.p - c.k) / c.s) + 1;
  const out: number[][][] = [];
  for (let oy = 0; oy < outH; oy++) {
    out.push([]);
    for (let ox = 0; ox < outW; ox++) {
      const px: number[] = [];
      for (let co = 0; co < c.outC; co++) {
        let acc = bias[co]!;
        for (let ky = 0; ky < c.k; ky++) {
          for (let kx = 0; kx < c.k; kx++) {
            const iy = oy * c.s + ky - c.p;
            const ix = ox * c.s + kx - c.p;
            if (iy < 0 || iy >= c.inH || ix < 0 || ix >= c.inW) continue;
            if (c.depthwise)
              acc += input[(iy * c.inW + ix) * c.inC + co]! * w[(ky * c.k + kx) * c.outC + co]!;
            else
              for (let ci = 0; ci < c.inC; ci++)
                acc +=
                  input[(iy * c.inW + ix) * c.inC + ci]! * w[((ky * c.k + kx) * c.inC + ci) * c.outC + co]!;
          }
        }
        px.push(act(requant(acc, m, sh), relu));
      }
      out[oy]!.push(px);
    }
  }
  return { out, outH, outW };
}

function maxPoolRef(
  map: number[][][],
  size: number,
  stride: number,
  pad: number,
  ph: number,
  pw: number,
): number[][][] {
  const h = map.length;
  const w = map[0]!.length;
  const ch = map[0]![0]!.length;
  const out: number[][][] = [];
  for (let py = 0; py < ph; py++) {
    out.push([]);
    for (let px = 0; px < pw; px++) {
      const v: number[] = [];
      for (let c = 0; c < ch; c++) {
        let best = -Infinity;
        for (let y = py * stride - pad; y < py * stride - pad + size; y++)
          for (let x = px * stride - pad; x < px * stride - pad + size; x++)
            if (y >= 0 && y < h && x >= 0 && x < w) best = Math.max(best, map[y]![x]![c]!);
        v.push(best);
      }
      out[py]!.push(v);
    }
  }
  return out;
}

function convTest(name: string, c: ConvCase) {
  test(name, (t) => {
    const input = int8Data(c.inH * c.inW * c.inC, 11);
    const wRows = c.depthwise ? c.k * c.k : c.k * c.k * c.inC;
    const w = int8Data(wRows * c.outC, 12);
    const bias = Int32Array.from({ length: c.outC }, (_, j) => 50 * j - 200);
    const [m, sh] = [3, 7];
    const ref = convRef(c, input, w, bias, m, sh, true);
    let expected = ref.out;
    let ph = ref.outH;
    let pw = ref.outW;
    if (c.pool) {
      ph = Math.floor((ref.outH + 2 * c.pool.pad - c.pool.size) / c.pool.stride) + 1;
      pw = Math.floor((ref.outW + 2 * c.pool.pad - c.pool.size) / c.pool.stride) + 1;
      expected = maxPoolRef(ref.out, c.pool.size, c.pool.stride, c.pool.pad, ph, pw);
    }
    const strideC = c.outC + 3; // write at a channel stride wider than outC, as for a concat
    const flags = 1 | (c.depthwise ? 2 : 0) | (c.pool ? 4 : 0);
    const b = both(
      t,
      (x) => {
        x.writeMemory(A, bytesOf(input));
        x.writeMemory(B, bytesOf(w));
        x.writeMemory(BIAS, bytesOf(bias));
      },
      [
        instr('CFG_CONV_IN', { inH: c.inH, inW: c.inW, inC: c.inC }),
        instr('CFG_CONV_OUT', { outH: ref.outH, outW: ref.outW, outC: c.outC }),
        instr('CFG_CONV_KERNEL', { kernel: c.k, stride: c.s, padding: c.p }),
        ...(c.pool
          ? [
              instr('CFG_POOL', {
                size: c.pool.size,
                stride: c.pool.stride,
                padding: c.pool.pad,
                pooledHW: packPooled(ph, pw),
              }),
            ]
          : []),
        instr('CFG_TILE', { tileI: 5, tileJ: 16, tileK: 16 }),
        instr('CFG_ADDR_IN', { addrA: A, addrB: B, addrBias: BIAS }),
        instr('CFG_ADDR_OUT', { addrC: C }),
        instr('CFG_STRIDE', { strideA: c.inC, strideB: c.outC, strideC: strideC }),
        instr('CFG_QUANT', { flags: 1, multiplier: m, shift: sh }),
        instr('LOOP_CONV', { flags }),
      ],
    );
    for (let y = 0; y < ph; y++)
      for (let x = 0; x < pw; x++)
        t.deepEqual(readI8(b, C + (y * pw + x) * strideC, c.outC), expected[y]![x], `pixel ${y},${x}`);
  });
}

convTest('LOOP_CONV 3×3 stride 2 padding 1, odd shape', {
  inH: 7,
  inW: 6,
  inC: 5,
  outC: 9,
  k: 3,
  s: 2,
  p: 1,
});
convTest('LOOP_CONV depthwise 3×3 padding 1', {
  inH: 5,
  inW: 5,
  inC: 6,
  outC: 6,
  k: 3,
  s: 1,
  p: 1,
  depthwise: true,
});
convTest('LOOP_CONV with fused 3×3/2 max-pool padding 1', {
  inH: 9,
  inW: 8,
  inC: 3,
  outC: 7,
  k: 3,
  s: 1,
  p: 1,
  pool: { size: 3, stride: 2, pad: 1 },
});
convTest('LOOP_CONV 1×1 pointwise', { inH: 3, inW: 5, inC: 20, outC: 17, k: 1, s: 1, p: 0 });

test('LOOP_RESADD and LOOP_POOL (max, global average)', (t) => {
  const [I, J] = [5, 13];
  const a = int8Data(I * J, 21);
  const bb = int8Data(I * J, 22);
  const [H, W, Ch] = [5, 7, 3];
  const img = int8Data(H * W * Ch, 23);
  const P = DRAM + 5 * MiB;
  const G = DRAM + 6 * MiB;
  const b = both(
    t,
    (x) => {
      x.writeMemory(A, bytesOf(a));
      x.writeMemory(B, bytesOf(bb));
      x.writeMemory(DRAM + 7 * MiB, bytesOf(img));
    },
    [
      instr('CFG_GEMM', { I: I, J: J }),
      instr('CFG_ADDR_IN', { addrA: A, addrB: B }),
      instr('CFG_ADDR_OUT', { addrC: C }),
      instr('CFG_STRIDE', { strideA: J, strideB: J, strideC: J }),
      instr('CFG_QUANT', { multiplier: 3, shift: 2 }),
      instr('LOOP_RESADD'),
      instr('CFG_CONV_IN', { inH: H, inW: W, inC: Ch }),
      instr('CFG_POOL', { size: 3, stride: 2, padding: 1, pooledHW: packPooled(3, 4) }),
      instr('CFG_ADDR_IN', { addrA: DRAM + 7 * MiB }),
      instr('CFG_ADDR_OUT', { addrC: P }),
      instr('CFG_STRIDE', { strideA: Ch, strideC: Ch }),
      instr('LOOP_POOL'),
      instr('CFG_ADDR_OUT', { addrC: G }),
      instr('CFG_QUANT', { multiplier: 37, shift: 10 }), // ≈ 1/(5·7) = 1/35 ≈ 37/1024
      instr('LOOP_POOL', { flags: 1 }),
    ],
  );
  t.deepEqual(
    readI8(b, C, I * J),
    [...a].map((v, n) => requant(v + bb[n]!, 3, 2)),
  );
  const map = Array.from({ length: H }, (_, y) =>
    Array.from({ length: W }, (_, x) => Array.from({ length: Ch }, (_, c) => img[(y * W + x) * Ch + c]!)),
  );
  t.deepEqual(readI8(b, P, 3 * 4 * Ch), maxPoolRef(map, 3, 2, 1, 3, 4).flat(2));
  const sums = [0, 1, 2].map((c) => map.flat().reduce((s, px) => s + px[c]!, 0));
  t.deepEqual(
    readI8(b, G, Ch),
    sums.map((s) => requant(s, 37, 10)),
  );
});

test('MVIN / PRELOAD / COMPUTE / MVOUT', (t) => {
  // A is 20×16 (rows 0..19 of the scratchpad), W 16×16 (rows 100..115); C = A·W into
  // accumulator rows 8..27, plus a second COMPUTE accumulating the first 4 rows again.
  const a = int8Data(20 * 16, 31);
  const w = int8Data(16 * 16, 32);
  const out = DRAM + 9 * MiB;
  const b = both(
    t,
    (x) => {
      x.writeMemory(A, bytesOf(a));
      x.writeMemory(B, bytesOf(w));
    },
    [
      instr('CFG_LOAD', { stride: 16 }),
      instr('CFG_STORE', { stride: 16 }),
      instr('CFG_QUANT', { multiplier: 1, shift: 4 }),
      instr('MVIN', { rows: 20, dram: A, localRow: 0, cols: 16 }),
      instr('MVIN', { rows: 16, dram: B, localRow: 100, cols: 16 }),
      instr('PRELOAD', { spadRow: 100, accRow: 8 }),
      instr('COMPUTE', { rows: 20, spadRow: 0 }),
      instr('PRELOAD', { spadRow: 100, accRow: 8 }),
      instr('COMPUTE', { flags: 1, rows: 4, spadRow: 0 }),
      instr('MVOUT', { rows: 20, dram: out, accRow: 8, cols: 16 }),
    ],
  );
  const want: number[] = [];
  for (let r = 0; r < 20; r++) {
    for (let j = 0; j < 16; j++) {
      let acc = 0;
      for (let k = 0; k < 16; k++) acc += a[r * 16 + k]! * w[k * 16 + j]!;
      want.push(requant(r < 4 ? 2 * acc : acc, 1, 4));
    }
  }
  t.deepEqual(readI8(b, out, 20 * 16), want);
});

test('fine-grained double-buffered tiled matmul: queues overlap, row hazards keep results right', (t) => {
  // C (32×32) = A (32×64) · B (64×32), blocks of DIM = 16. A and B blocks alternate between
  // two scratchpad buffers, so a load into a buffer must wait for the COMPUTE / PRELOAD
  // that still reads it (write-after-read), and MVOUT for the last COMPUTE (read-after-write).
  const [I, J, K, D] = [32, 32, 64, 16];
  const a = int8Data(I * K, 41);
  const w = int8Data(K * J, 42);
  const out = DRAM + 10 * MiB;
  const prog: Instruction[] = [
    instr('CFG_STORE', { stride: J }),
    instr('CFG_QUANT', { multiplier: 1, shift: 8 }),
  ];
  for (let ib = 0; ib < I / D; ib++) {
    for (let jb = 0; jb < J / D; jb++) {
      const accRow = (ib * (J / D) + jb) * D;
      for (let kb = 0; kb < K / D; kb++) {
        const buf = (kb % 2) * D;
        prog.push(
          instr('CFG_LOAD', { stride: K }),
          instr('MVIN', { rows: D, dram: A + ib * D * K + kb * D, localRow: buf, cols: D }),
          instr('CFG_LOAD', { stride: J }),
          instr('MVIN', { rows: D, dram: B + kb * D * J + jb * D, localRow: 64 + buf, cols: D }),
          instr('PRELOAD', { spadRow: 64 + buf, accRow: accRow }),
          instr('COMPUTE', { flags: kb > 0 ? 1 : 0, rows: D, spadRow: buf }),
        );
      }
      prog.push(instr('MVOUT', { rows: D, dram: out + ib * D * J + jb * D, accRow: accRow, cols: D }));
    }
  }
  const setup = (x: EmulatedBoard) => {
    x.writeMemory(A, bytesOf(a));
    x.writeMemory(B, bytesOf(w));
  };
  const b = both(t, setup, prog);
  // The same ops with a FENCE after each run strictly one at a time: slower.
  const fenced = board();
  setup(fenced);
  const overlapped = run(board(), prog);
  t.true(
    run(
      fenced,
      prog.flatMap((ins) => [ins, instr('FENCE')]),
    ) >
      overlapped * 1.2,
  );
  const want: number[] = [];
  for (let i = 0; i < I; i++) {
    for (let j = 0; j < J; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += a[i * K + k]! * w[k * J + j]!;
      want.push(requant(acc, 1, 8));
    }
  }
  t.deepEqual(readI8(b, out, I * J), want);
});
