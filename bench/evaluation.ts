// MoCA-style evaluation: every examples/moca-*.json scenario (workload sets A/B/C × QoS
// H/M/L, see docs/scenario.md) under all six policies on its board (moca-8t), same
// arrivals per scenario. Prints one table row per scenario and policy, then the geometric
// mean over scenarios of cotenant ÷ moca for SLA rate, STP and fairness (> 1 favours
// cotenant). Last line: `evaluation: sla_vs_moca=<…> stp_vs_moca=<…> fairness_vs_moca=<…>`.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openDevice } from '../runtime/cli/open-device.ts';
import { formatTable } from '../runtime/cli/output.ts';
import { zooCompiler, zooLayers } from '../runtime/executor/compile-adapter.ts';
import { comparePolicies, ratio, type Comparison } from '../runtime/executor/compare.ts';
import { loadScenarioFile } from '../runtime/scenario/resolve.ts';
import { COMPARE_POLICIES } from '../runtime/scenario/schema.ts';

const dir = fileURLToPath(new URL('../examples/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => /^moca-[A-C]-[HML]\.json$/.test(f))
  .sort();
if (files.length !== 9)
  throw new Error(`expected the nine examples/moca-{A,B,C}-{H,M,L}.json, found ${files.length}`);

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const rows: Record<string, string | number>[] = [];
const results: { name: string; c: Comparison }[] = [];
for (const f of files) {
  const loaded = loadScenarioFile(dir + f);
  const name = f.replace(/\.json$/, '');
  process.stderr.write(`${name}…\n`);
  const c = await comparePolicies(loaded, {
    open: () => openDevice(loaded.scenario.board),
    compileFor: (d) => zooCompiler(d.board),
    layersOf: zooLayers,
    policies: [...COMPARE_POLICIES],
  });
  results.push({ name, c });
  for (const r of c.rows) {
    rows.push({
      scenario: name,
      policy: r.policy,
      SLA: pct(r.slaRate),
      STP: f3(r.stp),
      ANTT: f3(r.antt),
      fairness: f3(r.fairness),
      tiles: pct(r.tileUtilization),
      DRAM: pct(r.dramUtilization),
      missed: r.missed,
      dropped: r.dropped,
    });
  }
}
process.stdout.write(formatTable(rows));

// Per scenario: cotenant ÷ moca, and cotenant ÷ the best other baseline per metric.
const per: Record<string, string | number>[] = [];
const logs = { sla: 0, stp: 0, fairness: 0 };
for (const { name, c } of results) {
  const cot = c.rows.find((r) => r.policy === 'cotenant')!;
  const moca = c.rows.find((r) => r.policy === 'moca')!;
  const sla = ratio('slaRate', cot.slaRate, moca.slaRate);
  const stp = ratio('stp', cot.stp, moca.stp);
  const fair = ratio('fairness', cot.fairness, moca.fairness);
  logs.sla += Math.log(sla);
  logs.stp += Math.log(stp);
  logs.fairness += Math.log(fair);
  const b = c.vsBestBaseline!;
  per.push({
    scenario: name,
    'SLA/moca': f3(sla),
    'STP/moca': f3(stp),
    'fair/moca': f3(fair),
    'SLA/best': `${f3(b.values.slaRate)} (${b.against.slaRate})`,
    'STP/best': `${f3(b.values.stp)} (${b.against.stp})`,
    'fair/best': `${f3(b.values.fairness)} (${b.against.fairness})`,
  });
}
process.stdout.write('\ncotenant ÷ baseline (> 1 favours cotenant)\n' + formatTable(per));
const geo = (s: number) => Math.exp(s / results.length).toFixed(3);
process.stdout.write(
  `evaluation: sla_vs_moca=${geo(logs.sla)} stp_vs_moca=${geo(logs.stp)} fairness_vs_moca=${geo(logs.fairness)}\n`,
);
