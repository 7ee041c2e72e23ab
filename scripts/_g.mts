import { openDevice } from '../runtime/cli/open-device.ts';
import { zooCompiler, zooLayers } from '../runtime/executor/compile-adapter.ts';
import { runGacerMix, GACER_MIXES } from '../runtime/eval/gacer.ts';
const N = Number(process.argv[2] ?? 3);
const only = process.argv[3];
for (const mix of GACER_MIXES.filter((m) => only === undefined || m.name.includes(only))) {
  const t0 = Date.now();
  const r = await runGacerMix(mix, { board: 'moca-8t', open: () => openDevice('moca-8t'), compileFor: (d) => zooCompiler(d.board), layersOf: zooLayers, requests: N, seed: 1, policies: ['sequential', 'naive', 'static-partition', 'cotenant'] });
  console.log(mix.name, `${Date.now() - t0}ms`, r.policies.sequential!.perTenant.map((t) => t.requests).join(','));
  for (const [p, x] of Object.entries(r.policies)) console.log('  ', p.padEnd(17), x.throughput.toFixed(1).padStart(8), x.speedup.toFixed(3), 'stp', x.stp.toFixed(3), 'fair', x.fairness.toFixed(2), 'arr', x.arrayUtilization.toFixed(2), 'dram', x.dramUtilization.toFixed(2), 'win', (x.windowCycles/1e6).toFixed(1), x.perTenant.map((t) => `${t.completed}:${t.throughput.toFixed(0)}`).join(' '), x.plan ? JSON.stringify(x.plan) : '');
}
