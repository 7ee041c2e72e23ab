// The `cotenant eval gacer --report` page: the protocol in words, one table per mix and the
// charts (speed-up over sequential, system throughput, utilization). Inline SVG only.
import type { GacerMixResult, GacerPolicy } from '../eval/gacer.ts';
import { GACER_POLICIES } from '../eval/gacer.ts';
import { groupedBarChart } from './charts.ts';
import { esc } from './svg.ts';

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');

/** The policies present in the results, in GACER_POLICIES order. */
export function policiesOf(mixes: readonly GacerMixResult[]): GacerPolicy[] {
  return GACER_POLICIES.filter((p) => mixes.some((m) => m.policies[p] !== undefined));
}

export function gacerCharts(mixes: readonly GacerMixResult[]): {
  speedup: string;
  stp: string;
  dram: string;
} {
  const series = policiesOf(mixes);
  const groups = (pick: (m: GacerMixResult, p: GacerPolicy) => number | undefined) =>
    mixes.map((m) => ({ label: m.name, values: series.map((p) => pick(m, p)) }));
  return {
    speedup: groupedBarChart({
      title: 'Throughput over sequential (inferences per board second)',
      yTitle: 'speed-up (×)',
      series,
      groups: groups((m, p) => m.policies[p]?.speedup),
      reference: 1,
    }),
    stp: groupedBarChart({
      title: 'System throughput (work per second in whole-board requests)',
      yTitle: 'STP',
      series,
      groups: groups((m, p) => m.policies[p]?.stp),
      reference: 1,
    }),
    dram: groupedBarChart({
      title: 'DRAM utilization (whole run)',
      yTitle: 'share of peak',
      series,
      groups: groups((m, p) => m.policies[p]?.dramUtilization),
      reference: 1,
    }),
  };
}

export function gacerReport(mixes: readonly GacerMixResult[], board: string, requests: number): string {
  const series = policiesOf(mixes);
  const charts = gacerCharts(mixes);
  const tables = mixes
    .map((m) => {
      const rows = series
        .map((p) => {
          const r = m.policies[p];
          if (r === undefined) return '';
          const plan =
            r.plan === undefined
              ? ''
              : `${esc(r.plan.mode)}: lanes ${r.plan.lanes.join('+')}; ${r.plan.tenants.map((t, i) => `${esc(m.models[i] ?? '')} ${t.tiles}t/${esc(t.granule)}`).join(', ')}`;
          return `<tr><td>${esc(p)}</td><td>${f(r.throughput, 1)}</td><td>${f(r.speedup)}×</td><td>${f(r.stp)}</td><td>${f(r.fairness)}</td><td>${pct(r.arrayUtilization)}</td><td>${pct(r.dramUtilization)}</td><td>${r.perTenant.map((t) => `${esc(t.model)} ${f(t.throughput, 1)}/s`).join(', ')}</td><td>${plan}</td></tr>`;
        })
        .join('');
      return `<h3>${esc(m.name)}</h3><table><tr><th>policy</th><th>inferences/s</th><th>speed-up</th><th>STP</th><th>fairness</th><th>array util.</th><th>DRAM util.</th><th>per tenant</th><th>plan</th></tr>${rows}</table>`;
    })
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>GACER mixes on ${esc(board)}</title><style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,td:last-child,td:nth-last-child(2){text-align:left}.note{color:#555;font-size:90%}</style></head><body>
<h1>GACER mixes on ${esc(board)}</h1>
<p>Each mix runs in a closed loop at full load: every tenant has one request in flight and resubmits when it ends; tenant i makes about the same work (${requests} requests of the mix's heaviest model, proportionally more of the lighter ones). The window ends when the first tenant has made all its requests. Inferences per board second = Σ over tenants of (requests completed in the window ÷ the end of the last of them). STP = Σ over tenants of that rate × the tenant's request time alone on the board (sequential ≈ 1): work per second, which favouring light models cannot raise. Fairness = lowest ÷ highest of those per-tenant shares. Utilizations cover the whole run. Policies: <b>sequential</b> = one request at a time on all tiles (fcfs); <b>naive</b> = every tenant at once on an equal share of the tiles, layer granules, no regulation; <b>static-partition</b> = MoCA's tile pairs, one request per pair; <b>cotenant</b> = its planner's throughput mode (lanes and granules chosen from measured profiles).</p>
${charts.speedup}${charts.stp}${charts.dram}
<h2>Per mix</h2>${tables}
<p class="note">docs/evaluation-gacer.md explains the protocol and reads the figures.</p>
</body></html>
`;
}
