import { openDevice } from '../runtime/cli/open-device.ts';
import { zooCompiler, zooLayers } from '../runtime/executor/compile-adapter.ts';
import { runLoaded } from '../runtime/executor/session.ts';
import { parseScenario } from '../runtime/scenario/schema.ts';
const [models, countsArg, ...pols] = process.argv.slice(2);
const ms = models!.split(',');
const counts = countsArg!.split(',').map(Number);
const forced = process.env.TILES ? Number(process.env.TILES) : undefined;
const gran = process.env.GRAN;
const scenario = parseScenario({
  board: 'moca-8t', seed: 1, run: { requests: counts.reduce((a, b) => a + b, 0) },
  tenants: ms.map((m, i) => ({ name: `${m}${i}`, model: m, priority: 1, deadline: '1000s', queueLimit: 100000,
    arrival: { kind: 'trace', file: '-' }, ...(forced ? { tiles: forced } : {}), ...(gran ? { granule: gran } : {}) })),
});
const loaded = { scenario, source: 'mix', models: ms, inputs: ms.map(() => undefined), traces: counts.map((n) => Array(n).fill(0)) };
for (const p of pols) {
  const device = await openDevice('moca-8t');
  const t0 = Date.now();
  const r = await runLoaded(loaded as never, { device, compile: zooCompiler(device.board), layersOf: zooLayers, policy: p as never, admission: false });
  await device.close();
  const done = r.exec.records.length;
  const lastEnd = ms.map((_, i) => Math.max(...r.exec.records.filter((x) => x.tenant === i).map((x) => x.end)));
  const tw = Math.min(...lastEnd);
  const rates = ms.map((_, i) => { const e = r.exec.records.filter((x) => x.tenant === i && x.end <= tw).map((x) => x.end); return e.length === 0 ? 0 : e.length / Math.max(...e) * 1e9; });
  console.log('  window', (tw/1e6).toFixed(1), 'rates', rates.map((x) => x.toFixed(1)).join(','), 'sum', rates.reduce((a,b)=>a+b,0).toFixed(1));
  console.log(p, 'cycles', (r.exec.cycles / 1e6).toFixed(2) + 'M', 'inf/s', (done / (r.exec.cycles / 1e9)).toFixed(1), 'tileU', r.overall.tileUtilization.toFixed(3), 'dramU', r.overall.dramUtilization.toFixed(3),
    r.admission ? (r.admission.mode ?? '') + ' pred ' + (r.admission.predictedSpeedup ?? 0).toFixed(2) + ' lanes ' + JSON.stringify(r.admission.lanes.map((l) => l.length)) + ' ' + r.admission.tenants.map((t) => `${t.lane}:${t.variant.tiles}/${JSON.stringify(t.variant.granule)}`).join(' ') : '', `${Date.now() - t0}ms`);
}
