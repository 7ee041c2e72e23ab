// Emulator fidelity (npm run bench:fidelity): the emulated moca-8t against measured Gemmini
// cycles (bench/data/gemmini-1tile.json: the MoCA artifact's FireSim logs, median of 7 runs
// per layer; its "about" field gives the source). Each calibrated model is compiled for one
// tile with layer granules and run in timing mode through the in-process Device; every
// measured layer is held against the emulated cycles of the same layer(s), then grouped by
// layer class (runtime/models/layer-class.ts). A ratio is emulated / measured (> 1: the
// emulator is slower than the hardware). Also prints the emulated 2-tile speedup of every
// MoCA model (no measurement to hold it against here).
//
// Last line: `fidelity: model_ratio_geomean=<> worst_layer_class=<name>:<ratio>` (spaces in the
// class name as underscores, so the line splits on whitespace).
import { readFileSync } from 'node:fs';
import { MOCA_8T } from '../boards/definitions.ts';
import { createEmulatedBoard } from '../boards/emulator/index.ts';
import { InProcessDevice } from '../drivers/inprocess.ts';
import { loadModel, modelNames } from '../runtime/models/index.ts';
import { layerClass, type LayerClass } from '../runtime/models/layer-class.ts';
import { profileModel } from '../runtime/profile.ts';

interface CalibrationLayer {
  readonly layer: string;
  readonly cycles: number | null;
}
interface Calibration {
  readonly about: string;
  readonly models: Record<string, { readonly wholeModelCycles: number; readonly layers: CalibrationLayer[] }>;
}

const cal = JSON.parse(
  readFileSync(new URL('./data/gemmini-1tile.json', import.meta.url), 'utf8'),
) as Calibration;

async function profile(model: string, tiles: number) {
  const device = new InProcessDevice(createEmulatedBoard(MOCA_8T, {}));
  try {
    return await profileModel(device, model, { tiles, granule: { kind: 'layer' }, layers: true });
  } finally {
    await device.close();
  }
}

const geomean = (xs: readonly number[]): number =>
  Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / Math.max(1, xs.length));
const fmt = (x: number): string => x.toFixed(3);

const classSums = new Map<LayerClass, { emu: number; hw: number; ratios: number[] }>();
const modelRatios: number[] = [];

for (const [name, m] of Object.entries(cal.models)) {
  const model = loadModel(name);
  const r = await profile(name, 1);
  const cycles = new Map<string, number>();
  for (const l of r.layers ?? []) for (const n of l.names) cycles.set(n, (cycles.get(n) ?? 0) + l.cycles);
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  console.log(`\n${name}: per layer (emulated / measured cycles)`);
  for (const c of m.layers) {
    if (c.cycles === null) continue;
    const names = c.layer.split('+');
    const emu = names.reduce((s, n) => s + (cycles.get(n) ?? 0), 0);
    const cls = layerClass(byName.get(names[0]!)!);
    const ratio = emu / c.cycles;
    const agg = classSums.get(cls) ?? { emu: 0, hw: 0, ratios: [] };
    agg.emu += emu;
    agg.hw += c.cycles;
    agg.ratios.push(ratio);
    classSums.set(cls, agg);
    console.log(
      `  ${c.layer.padEnd(24)} ${cls.padEnd(11)} ${String(c.cycles).padStart(9)} ${String(emu).padStart(9)}  ${fmt(ratio)}`,
    );
  }
  const ratio = r.cycles / m.wholeModelCycles;
  modelRatios.push(ratio);
  console.log(`  whole model: emulated ${r.cycles} / measured ${m.wholeModelCycles} = ${fmt(ratio)}`);
}

console.log('\nper layer class (Σ emulated / Σ measured; geomean of layer ratios; layers)');
let worst: { cls: LayerClass; ratio: number } | undefined;
for (const [cls, a] of classSums) {
  const ratio = a.emu / a.hw;
  console.log(`  ${cls.padEnd(11)} ${fmt(ratio)}  ${fmt(geomean(a.ratios))}  ${a.ratios.length}`);
  if (worst === undefined || Math.abs(Math.log(ratio)) > Math.abs(Math.log(worst.ratio)))
    worst = { cls, ratio };
}

console.log('\n2-tile speedup (emulated, 1 tile → 2 tiles, layer granules)');
for (const name of modelNames()) {
  if (loadModel(name).source !== 'moca-artifact') continue;
  const one = await profile(name, 1);
  const two = await profile(name, 2);
  console.log(`  ${name.padEnd(12)} ${one.cycles} → ${two.cycles}  ×${(one.cycles / two.cycles).toFixed(2)}`);
}

console.log(
  `fidelity: model_ratio_geomean=${fmt(geomean(modelRatios))} worst_layer_class=${(worst?.cls ?? 'none').replace(/ /g, '_')}:${fmt(worst?.ratio ?? 1)}`,
);
