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
import { sustainedDramBytesPerCycle } from '../boards/dram.ts';
import type { BoardDefinition } from '../boards/types.ts';
import { createEmulatedBoard } from '../boards/emulator/index.ts';
import { InProcessDevice } from '../drivers/inprocess.ts';
import { loadModel, modelNames } from '../runtime/models/index.ts';
import { layerClass, type LayerClass } from '../runtime/models/layer-class.ts';
import { profileModel } from '../runtime/profile.ts';
import { compileModel } from '../runtime/compiler/compile.ts';
import { mocaConvAccount } from './moca-tiling.ts';

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

async function profile(model: string, tiles: number, def: BoardDefinition = MOCA_8T) {
  const device = new InProcessDevice(createEmulatedBoard(def, {}));
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
const convEmulated = new Map<string, number>();
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
    convEmulated.set(`${name}/${c.layer}`, emu);
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

// MoCA's own tiling of every measured conv (bench/moca-tiling.ts): what the calibration runs'
// software made Gemmini do — loops, array cycles, input requests — beside the emulated cycles.
console.log('\nconvs with MoCA\'s tiling (tiling_factor_calculate; docs/emulator.md, "MoCA\'s tiling")');
console.log(
  '  layer              measured  emulated  array/measured  tile porows×pocols×pochs kernel krows×kcols×kchs, loops, input moved, input requests (× L2 latency / in flight, / measured)',
);
for (const [name, m] of Object.entries(cal.models)) {
  const model = loadModel(name);
  for (const c of m.layers) {
    const l = model.layers.find((x) => x.name === c.layer);
    if (c.cycles === null || l?.kind !== 'conv') continue;
    const a = mocaConvAccount(l, MOCA_8T);
    const emu = convEmulated.get(`${name}/${l.name}`) ?? 0;
    const reqCycles = (a.inputRequests * MOCA_8T.l2HitLatencyCycles) / MOCA_8T.dmaMaxInflight;
    console.log(
      `  ${`${name}/${l.name}`.padEnd(18)} ${String(c.cycles).padStart(8)} ${fmt(emu / c.cycles).padStart(9)} ${fmt(a.arrayCycles / c.cycles).padStart(15)}  ${a.tiles.porows}×${a.tiles.pocols}×${a.tiles.pochs} ${a.tiles.krows}×${a.tiles.kcols}×${a.tiles.kchs}, ${a.loops}, ${a.inputMoves.toFixed(1)}×, ${a.inputRequests} (${fmt(reqCycles / c.cycles)})`,
    );
  }
}

// Two tiles: emulated speedups against the range the issue quotes for measured MoCA pairs, and
// the per-layer costs of the cores that drive the tiles, from their sources (docs/emulator.md,
// "Several tiles"): RoCC issue of one loop's configuration (7 commands for gemmini_loop_conv_ws,
// 6 for gemmini_loop_ws, at most one per cycle on the single-issue Rocket core; only the
// layer's first loop is exposed, later ones queue behind running loops) and the barrier that
// ends a split layer (an atomic arrive and the release, two round trips to the shared L2).
const HW_LOW = 1.35;
const HW_HIGH = 1.6;
const HW_MID = 1.5;
console.log('\n2-tile speedup (1 tile → 2 tiles, layer granules); measured MoCA pairs: about 1.35–1.6');
console.log(
  '  model        1 tile → 2 tiles   speedup   core costs (cycles, % of the 2-tile run)   steps   per-step cost that would give ×1.5   array-bound share / floor   first-conv share',
);
// A step is array-bound when its array is ≥ 75% busy on one tile: each tile of a 2-tile split
// then needs little DRAM bandwidth, so no memory-system effect slows it. The floor is the
// speedup the model would keep if every other step gained nothing from the second tile.
const ARRAY_BOUND = 0.75;
const speedups: number[] = [];
let inside = 0;
for (const name of modelNames()) {
  if (loadModel(name).source !== 'moca-artifact') continue;
  const one = await profile(name, 1);
  const two = await profile(name, 2);
  const x = one.cycles / two.cycles;
  speedups.push(x);
  if (x >= HW_LOW && x <= HW_HIGH) inside++;
  const compiled = compileModel(loadModel(name), MOCA_8T, {
    tiles: 2,
    granule: { kind: 'layer' },
    regionBase: MOCA_8T.dram.base,
  });
  let bound2 = 0;
  let floorCycles = 0;
  let firstConv2 = 0;
  const oneSteps = one.layers ?? [];
  const twoSteps = two.layers ?? [];
  for (let i = 0; i < oneSteps.length; i++) {
    const a = oneSteps[i]!;
    const b = twoSteps[i]!;
    if (b.classes.includes('first conv')) firstConv2 += b.cycles;
    if (a.utilization >= ARRAY_BOUND) {
      bound2 += b.cycles;
      floorCycles += b.cycles;
    } else floorCycles += a.cycles;
  }
  let core = 0;
  const steps = compiled.steps.length;
  for (const s of compiled.steps) {
    core += 7; // the step's first loop configuration, issued one command per cycle
    if (s.programs.length > 1) core += 2 * MOCA_8T.l2HitLatencyCycles;
  }
  console.log(
    `  ${name.padEnd(12)} ${String(one.cycles).padStart(9)} → ${String(two.cycles).padEnd(9)} ×${x.toFixed(2)}     ${core} (${((100 * core) / two.cycles).toFixed(2)}%)   ${steps}   ${String(Math.max(0, Math.round((one.cycles / HW_MID - two.cycles) / steps))).padEnd(36)} ${fmt(bound2 / two.cycles)} / ×${(one.cycles / floorCycles).toFixed(2)}               ${fmt(firstConv2 / two.cycles)}`,
  );
}
// Sensitivities, not models (docs/emulator.md, "Several tiles"): the 2-tile speedups, and the
// single-tile whole-model ratios against the calibration, on variants of the board —
// - DRAM that sustains only 10 B/cycle: 37.5% below the peak, far more than refresh (2%,
//   modelled) or FASED's other DDR3 timing losses could take;
// - every tile given the whole L2 for its reuse (a lone tile on the hardware has all 2 MiB; the
//   emulator gives each tile l2Bytes / TILE_COUNT) —
// to show how far each can move them.
const WHAT_IFS: { readonly label: string; readonly def: BoardDefinition }[] = [
  {
    label: `DRAM sustained 10 B/cycle (modelled: ${sustainedDramBytesPerCycle(MOCA_8T).toFixed(2)})`,
    def: { ...MOCA_8T, dramBytesPerCycle: 10, dramRefreshCycles: 0 },
  },
  { label: 'each tile the whole 2 MiB L2', def: { ...MOCA_8T, l2Bytes: MOCA_8T.l2Bytes * MOCA_8T.tiles } },
];
for (const w of WHAT_IFS) {
  const parts: string[] = [];
  const xs: number[] = [];
  for (const name of modelNames()) {
    if (loadModel(name).source !== 'moca-artifact') continue;
    const one = (await profile(name, 1, w.def)).cycles;
    const x = one / (await profile(name, 2, w.def)).cycles;
    xs.push(x);
    const measured = cal.models[name]?.wholeModelCycles;
    parts.push(`${name} ×${x.toFixed(2)}${measured === undefined ? '' : ` (1 tile ${fmt(one / measured)})`}`);
  }
  console.log(`  what-if ${w.label}: ${parts.join(', ')}; geomean ${fmt(geomean(xs))}`);
}
console.log(
  `fidelity-2tile: speedup_geomean=${fmt(geomean(speedups))} hw_range=${HW_LOW}-${HW_HIGH} models_in_range=${inside}/${speedups.length}`,
);

console.log(
  `fidelity: model_ratio_geomean=${fmt(geomean(modelRatios))} worst_layer_class=${(worst?.cls ?? 'none').replace(/ /g, '_')}:${fmt(worst?.ratio ?? 1)}`,
);
