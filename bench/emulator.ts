// Emulator speed (npm run bench:emulator).
// Timing mode: for each zoo model on moca-8t, one inference compiled for 2 tiles with layer
// granules, run through the in-process Device; reports simulated board cycles per host
// second of the run (compile and upload excluded). Functional mode: MAC/s of one mid-size
// conv layer. Last line: `emulator: <median board-cycles/s over the zoo> board-cycles/s`.
// Host timers are fine here: this is a benchmark, not the emulator.
import { performance } from 'node:perf_hooks';
import { MOCA_8T } from '../boards/definitions.ts';
import { createEmulatedBoard } from '../boards/emulator/index.ts';
import { encodeProgram, instr } from '../boards/isa/index.ts';
import { encodeThrottle, registerAddress } from '../boards/registers.ts';
import { InProcessDevice } from '../drivers/inprocess.ts';
import { compileModel } from '../runtime/compiler/index.ts';
import { loadModel, modelNames } from '../runtime/models/index.ts';
import { runCompiled } from '../runtime/profile.ts';

/** Each measurement is the best of at least MIN_REPEATS runs, repeated until
 *  MIN_SECONDS of host time were spent: on a shared machine noise only ever adds time. */
const MIN_REPEATS = 7;
const MIN_SECONDS = 0.3;
const WARMUP_RUNS = 2;

function fmt(n: number): string {
  return n.toExponential(2);
}

function compiledZoo() {
  return modelNames().map((name) => ({
    name,
    compiled: compileModel(loadModel(name), MOCA_8T, {
      tiles: 2,
      granule: { kind: 'layer' },
      regionBase: MOCA_8T.dram.base,
    }),
  }));
}

/** Best of REPEATS runs (after the JIT has warmed up on every model): host-time noise
 *  (GC pauses, other processes) only ever adds time. */
async function timingRun(
  compiled: ReturnType<typeof compiledZoo>[number]['compiled'],
  repeats: number,
  throttle?: { window: number; target: number },
): Promise<{ cycles: number; seconds: number; stall: number }> {
  let best = Number.POSITIVE_INFINITY;
  let cycles = 0;
  let spent = 0;
  let stall = 0;
  for (let r = 0; r < repeats || (repeats > WARMUP_RUNS && spent < MIN_SECONDS); r++) {
    const device = new InProcessDevice(createEmulatedBoard(MOCA_8T));
    if (throttle)
      for (let t = 0; t < compiled.tiles; t++)
        await device.writeRegister('THROTTLE', encodeThrottle(throttle.window, throttle.target), t);
    const t0 = performance.now();
    const res = await runCompiled(device, compiled);
    const s = (performance.now() - t0) / 1000;
    best = Math.min(best, s);
    spent += s;
    cycles = res.cycles;
    stall = res.stallCycles;
  }
  return { cycles, seconds: best, stall };
}

/** A 3×3 conv, 28×28×128 → 28×28×128 (ResNet-50 stage-2 size), in functional mode. */
function functionalConv(): { macs: number; seconds: number } {
  const d = MOCA_8T;
  const [H, W, C, K] = [28, 28, 128, 128];
  const base = d.dram.base;
  const input = base + (1 << 20);
  const weights = base + (2 << 20);
  const out = base + (4 << 20);
  const b = createEmulatedBoard(d, { mode: 'functional' });
  const fill = (n: number, seed: number) =>
    Uint8Array.from({ length: n }, (_, i) => (i * 2654435761 + seed) >>> 24);
  b.writeMemory(input, fill(H * W * C, 1));
  b.writeMemory(weights, fill(9 * C * K, 2));
  const prog = encodeProgram([
    instr('CFG_CONV_IN', { inH: H, inW: W, inC: C }),
    instr('CFG_CONV_OUT', { outH: H, outW: W, outC: K }),
    instr('CFG_CONV_KERNEL', { kernel: 3, stride: 1, padding: 1 }),
    instr('CFG_TILE', { tileI: 64, tileJ: 64, tileK: 288 }),
    instr('CFG_ADDR_IN', { addrA: input, addrB: weights }),
    instr('CFG_ADDR_OUT', { addrC: out }),
    instr('CFG_STRIDE', { strideA: C, strideB: K, strideC: K }),
    instr('CFG_QUANT', { flags: 1, multiplier: 1, shift: 12 }),
    instr('LOOP_CONV'),
    instr('END'),
  ]);
  b.writeMemory(base, prog);
  const macs = H * W * K * 9 * C;
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < MIN_REPEATS; r++) {
    b.writeRegister(registerAddress('CMD_ADDR', 0), base);
    b.writeRegister(registerAddress('CMD_LEN', 0), prog.length);
    const t0 = performance.now();
    b.writeRegister(registerAddress('DOORBELL', 0), 1);
    const res = b.advance(b.cycle + 1e12);
    best = Math.min(best, (performance.now() - t0) / 1000);
    if (!res.events.some((e) => e.kind === 'done'))
      throw new Error(`functional conv did not finish: ${JSON.stringify(res.events)}`);
  }
  return { macs, seconds: best };
}

const zoo = compiledZoo();
for (const { compiled } of zoo) await timingRun(compiled, WARMUP_RUNS);
const rates: number[] = [];
for (const { name, compiled } of zoo) {
  const { cycles, seconds } = await timingRun(compiled, MIN_REPEATS);
  const rate = cycles / seconds;
  rates.push(rate);
  console.log(
    `timing  ${name.padEnd(12)} ${String(cycles).padStart(12)} board cycles  ${(seconds * 1000).toFixed(2).padStart(8)} ms host  ${fmt(rate)} board-cycles/s`,
  );
}
// Throttled: every bubble start and end is a board event (windows in between are skipped
// in closed form); a budget of 4 B/cycle per tile with the regulator's 1024-cycle window shows what that costs.
{
  const { name, compiled } = zoo[0]!;
  const throttle = { window: 1024, target: 256 };
  const { cycles, seconds, stall } = await timingRun(compiled, MIN_REPEATS, throttle);
  console.log(
    `timing  ${name} throttled (window ${throttle.window}, target_load ${throttle.target}): ${cycles} board cycles (${stall} stalled)  ${(seconds * 1000).toFixed(2)} ms host  ${fmt(cycles / seconds)} board-cycles/s (not in the median)`,
  );
}
const fc = functionalConv();
console.log(
  `functional conv 28x28x128->128 3x3: ${fmt(fc.macs)} MACs in ${(fc.seconds * 1000).toFixed(1)} ms host  ${fmt(fc.macs / fc.seconds)} MAC/s`,
);
rates.sort((a, b) => a - b);
const mid = rates.length >> 1;
const median = rates.length % 2 === 1 ? rates[mid]! : (rates[mid - 1]! + rates[mid]!) / 2;
console.log(`emulator: ${Math.round(median)} board-cycles/s`);
