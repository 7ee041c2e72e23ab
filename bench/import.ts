// ONNX import speed and functional inference throughput (npm run bench:import).
// Builds the largest test model (test/import/qdq-builder.ts: eleven 3×3 convs of 512 channels,
// ~24 MB of int8 weights, then average pool and a 512×2000 FC: ~25.3 MB as ONNX), then measures
//   import_ms: decode + import (importOnnx) + compile for 1 tile (compilePackage), best of 3;
//   infer_mac_per_s: MACs of one functional inference on the in-process emu board divided by
//   the host time of that run (upload included), best of 3; and, for reference, the same
//   layers run with the zoo's M/S requantization and seeded weights.
// Last line: `import: import_ms=<> infer_mac_per_s=<>`. Host timers are fine here: this is
// a benchmark, not the emulator.
import { performance } from 'node:perf_hooks';
import { EMU } from '../boards/definitions.ts';
import { createEmulatedBoard } from '../boards/emulator/index.ts';
import { InProcessDevice } from '../drivers/inprocess.ts';
import { importOnnx } from '../runtime/import/onnx.ts';
import { compilePackage, inferCompiled, quantizeInput } from '../runtime/infer.ts';
import { compileModel, makeWeights } from '../runtime/compiler/index.ts';
import { runCompiled } from '../runtime/profile.ts';
import { QdqBuilder } from '../test/import/qdq-builder.ts';

const REPEATS = 3;

const b = new QdqBuilder(7);
let h = b.input([1, 64, 4, 4]);
h = b.conv(h, 512, 3, 1, 1, { act: 'relu', perChannel: true });
for (let i = 0; i < 10; i++) h = b.conv(h, 512, 3, 1, 1, { act: 'relu', perChannel: true });
const y = b.matmul(b.flatten(b.globalAvgPool(h)), 2000, { gemm: true, perChannel: true });
const bytes = b.build(y, 'bench-large');
const x = b.sampleInput();
console.log(`model: ${(bytes.length / 1e6).toFixed(1)} MB ONNX, ${b.macs} MACs`);

let importMs = Infinity;
let pkg = importOnnx(bytes, 'bench.onnx');
let compiled = compilePackage(pkg, EMU);
for (let r = 0; r < REPEATS; r++) {
  const t0 = performance.now();
  pkg = importOnnx(bytes, 'bench.onnx');
  const t1 = performance.now();
  compiled = compilePackage(pkg, EMU);
  const t2 = performance.now();
  console.log(`run ${r}: import ${(t1 - t0).toFixed(0)} ms + compile ${(t2 - t1).toFixed(0)} ms`);
  importMs = Math.min(importMs, t2 - t0);
}

let macPerS = 0;
const input = quantizeInput(pkg, x);
for (let r = 0; r < REPEATS; r++) {
  const device = new InProcessDevice(createEmulatedBoard(EMU, { mode: 'functional' }));
  const t0 = performance.now();
  const res = await inferCompiled(device, compiled, pkg, input);
  const s = (performance.now() - t0) / 1e3;
  console.log(`inference ${r}: ${res.run.macs} MACs in ${s.toFixed(2)} s`);
  macPerS = Math.max(macPerS, res.run.macs / s);
}
// Same layers without the affine parameters (the zoo's M/S requantization, seeded weights):
// the functional figure before this import path existed, measured under the same load.
let basePerS = 0;
const plain = compileModel(pkg.table, EMU, {
  tiles: 1,
  granule: { kind: 'layer' },
  regionBase: EMU.dram.base,
  functional: true,
});
const data = makeWeights(pkg.table, 1);
for (let r = 0; r < REPEATS; r++) {
  const device = new InProcessDevice(createEmulatedBoard(EMU, { mode: 'functional' }));
  const t0 = performance.now();
  const res = await runCompiled(device, plain, { data });
  basePerS = Math.max(basePerS, res.macs / ((performance.now() - t0) / 1e3));
}
console.log(`same layers, M/S requantization (reference): ${basePerS.toExponential(2)} MAC/s`);
console.log(`import: import_ms=${importMs.toFixed(0)} infer_mac_per_s=${macPerS.toExponential(2)}`);
