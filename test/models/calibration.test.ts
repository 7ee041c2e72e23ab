// bench:fidelity holds emulated layers against bench/data/gemmini-1tile.json by layer name;
// a name the zoo does not have would silently compare against 0 cycles.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { loadModel } from '../../runtime/models/index.ts';
import { layerClass } from '../../runtime/models/layer-class.ts';

interface Calibration {
  readonly about: string;
  readonly models: Record<
    string,
    {
      readonly wholeModelCycles: number;
      readonly layers: { layer: string; cycles: number | null; macs: number }[];
    }
  >;
}

const cal = JSON.parse(
  readFileSync(new URL('../../bench/data/gemmini-1tile.json', import.meta.url), 'utf8'),
) as Calibration;

test('every calibrated layer is a zoo layer with the same MACs, in execution order', (t) => {
  t.regex(cal.about, /FireSim/);
  t.deepEqual(Object.keys(cal.models), ['resnet50', 'alexnet']);
  for (const [name, m] of Object.entries(cal.models)) {
    const model = loadModel(name);
    const index = new Map(model.layers.map((l, i) => [l.name, i]));
    let last = -1;
    let measured = 0;
    for (const c of m.layers) {
      const names = c.layer.split('+');
      let macs = 0;
      for (const n of names) {
        const i = index.get(n);
        t.not(i, undefined, `${name}: ${n}`);
        t.true(i! > last, `${name}: ${n} in execution order`);
        last = i!;
        const l = model.layers[i!]!;
        macs += l.kind === 'conv' ? l.out[0] * l.out[1] * l.out[2] * l.in[2] * l.kernel ** 2 : 0;
        macs += l.kind === 'matmul' ? l.I * l.J * l.K : 0;
      }
      t.is(macs, c.macs, `${name}: ${c.layer} MACs`);
      if (c.cycles !== null) measured += c.cycles;
    }
    t.true(measured <= m.wholeModelCycles, `${name}: layers within the whole model`);
  }
  t.is(layerClass(loadModel('alexnet').layers[0]!), 'first conv');
});
