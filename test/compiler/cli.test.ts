import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import=tsx', 'runtime/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
  });

test('profile --json reports the required fields for one inference', (t) => {
  const r = cli('profile', 'yololite', '--board', 'emu', '--tiles', '2', '--json');
  t.is(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as Record<string, unknown>;
  t.like(o, { model: 'yololite', board: 'emu', tiles: 2 });
  t.is(o.macs, 240_041_984); // every MAC of YOLO-LITE (no fused-pool halo: it has no fused pools)
  t.true((o.cycles as number) > 0);
  t.true(Math.abs((o.ms as number) - (o.cycles as number) / 1e6) < 1e-9); // 1 GHz board clock (ms = cycles / clockHz · 1e3)
  const u = o.utilization as number;
  t.true(u > 0 && u <= 1);
  t.true((o.dramBytesRead as number) > 0 && (o.dramBytesWritten as number) > 0);
  // the network output alone is 7*7*128 bytes, all of it written to DRAM
  t.true((o.dramBytesWritten as number) >= 7 * 7 * 128);
});

test('profile --layers: one row per layer whose cycles, MACs and DRAM bytes add up to the run', (t) => {
  const r = cli('profile', 'alexnet', '--board', 'moca-8t', '--tiles', '1', '--layers', '--json');
  t.is(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as {
    cycles: number;
    macs: number;
    dramBytesRead: number;
    dramBytesWritten: number;
    layers: {
      layers: string[];
      classes: string[];
      cycles: number;
      macs: number;
      utilization: number;
      dramBytesRead: number;
      dramBytesWritten: number;
      throttleStallCycles: number;
      estCycles: number;
    }[];
  };
  t.is(o.layers.length, 14, 'AlexNet has 14 layers, one step each with layer granules');
  t.deepEqual(o.layers[0]!.layers, ['conv_1']);
  t.deepEqual(o.layers[0]!.classes, ['first conv']);
  t.deepEqual(o.layers[13]!.classes, ['FC']);
  const sum = (k: 'cycles' | 'macs' | 'dramBytesRead' | 'dramBytesWritten') =>
    o.layers.reduce((s, l) => s + l[k], 0);
  t.is(sum('cycles'), o.cycles);
  t.is(sum('macs'), o.macs);
  t.is(sum('dramBytesRead'), o.dramBytesRead);
  t.is(sum('dramBytesWritten'), o.dramBytesWritten);
  for (const l of o.layers) {
    t.true(l.utilization >= 0 && l.utilization <= 1);
    t.is(l.throttleStallCycles, 0, 'nothing throttles a model alone');
    t.true(l.estCycles > 0);
  }
  const table = cli('profile', 'alexnet', '--board', 'moca-8t', '--tiles', '1', '--layers');
  t.is(table.status, 0, table.stderr);
  t.regex(
    table.stdout,
    /step\s+layer\s+class\s+cycles\s+MACs\s+util %\s+DRAM rd B\s+DRAM wr B\s+stall\s+est/,
  );
  t.regex(table.stdout, /conv_1\s+first conv/);
});

test('models --json lists the zoo', (t) => {
  const r = cli('models', '--json');
  t.is(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { name: string; layers: number; macs: number; weightBytes: number }[];
  t.deepEqual(
    rows.find((x) => x.name === 'resnet50'),
    { name: 'resnet50', displayName: 'ResNet-50', layers: 71, macs: 4_089_233_408, weightBytes: 25_552_064 },
  );
  t.is(rows.length, 9);
});

test('unknown model, board or bad option: clear error naming the choices, exit != 0', (t) => {
  const m = cli('profile', 'vgg16');
  t.not(m.status, 0);
  t.regex(m.stderr, /unknown model "vgg16"; valid models: resnet50, .*mobilenetv2/);
  const b = cli('profile', 'kws', '--board', 'tpu');
  t.not(b.status, 0);
  t.regex(b.stderr, /unknown board "tpu"; valid boards: emu, moca-8t/);
  const g = cli('profile', 'kws', '--granule', 'huge');
  t.not(g.status, 0);
  t.regex(g.stderr, /layer, block, block:N/);
  const n = cli('profile', 'kws', '--board', 'moca-8t', '--tiles', '9');
  t.not(n.status, 0);
  t.regex(n.stderr, /1 to 8/);
});
