// A self-contained HTML report of a run: summary tables, a per-tile timeline (inline SVG,
// one colour per tenant, deadline misses marked) and a latency chart per tenant.
import type { SessionResult } from '../executor/session.ts';

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function num(x: number, d = 3): string {
  return Number.isFinite(x) ? x.toFixed(d) : String(x);
}

export function htmlReport(r: SessionResult, title: string, tiles: number, clockHz: number): string {
  const W = 1100;
  const rowH = 22;
  const span = Math.max(1, r.exec.cycles);
  const x = (c: number) => (c / span) * W;
  const bars: string[] = [];
  const marks: string[] = [];
  for (const t of r.exec.trace) {
    if (t.k === 'stepdone') {
      for (const tile of t.tiles)
        bars.push(
          `<rect x="${x(t.started).toFixed(2)}" y="${tile * rowH + 2}" width="${Math.max(0.5, x(t.t) - x(t.started)).toFixed(2)}" height="${rowH - 4}" fill="${PALETTE[t.tenant % PALETTE.length]}"><title>${esc(r.tenants[t.tenant]!.name)} #${t.req} step ${t.step}</title></rect>`,
        );
    } else if (t.k === 'end' && t.outcome !== 'completed') {
      marks.push(
        `<line x1="${x(t.t).toFixed(2)}" x2="${x(t.t).toFixed(2)}" y1="0" y2="${tiles * rowH}" stroke="#d00" stroke-width="1"><title>${t.outcome}: ${esc(r.tenants[t.tenant]!.name)} #${t.req}</title></line>`,
      );
    }
  }
  const timeline = `<svg width="${W + 60}" height="${tiles * rowH + 20}" xmlns="http://www.w3.org/2000/svg"><g transform="translate(55,0)">${bars.join('')}${marks.join('')}</g>${Array.from({ length: tiles }, (_, i) => `<text x="0" y="${i * rowH + 15}" font-size="12">tile ${i}</text>`).join('')}<text x="55" y="${tiles * rowH + 16}" font-size="11">0</text><text x="${W + 10}" y="${tiles * rowH + 16}" font-size="11" text-anchor="end">${num((span / clockHz) * 1e3, 2)} ms</text></svg>`;
  // Latency chart: each finished request as a dot (x = arrival, y = latency / deadline).
  const H = 220;
  const dots: string[] = [];
  for (const rec of r.exec.records) {
    if (rec.outcome !== 'completed' && rec.outcome !== 'missed') continue;
    const rel = (rec.end - rec.arrival) / Math.max(1, rec.deadline - rec.arrival);
    const y = H - Math.min(2, rel) * (H / 2);
    dots.push(
      `<circle cx="${x(rec.arrival).toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="${PALETTE[rec.tenant % PALETTE.length]}"><title>${esc(r.tenants[rec.tenant]!.name)} #${rec.id}: ${num(rel, 2)} × deadline</title></circle>`,
    );
  }
  const chart = `<svg width="${W + 60}" height="${H + 20}" xmlns="http://www.w3.org/2000/svg"><g transform="translate(55,0)"><line x1="0" x2="${W}" y1="${H / 2}" y2="${H / 2}" stroke="#d00" stroke-dasharray="4"/>${dots.join('')}</g><text x="0" y="${H / 2 + 4}" font-size="11">deadline</text><text x="0" y="12" font-size="11">2×</text></svg>`;
  const legend = r.tenants
    .map(
      (t, i) =>
        `<span style="display:inline-block;margin-right:1em"><span style="display:inline-block;width:12px;height:12px;background:${PALETTE[i % PALETTE.length]}"></span> ${esc(t.name)}</span>`,
    )
    .join('');
  const rows = r.perTenant
    .map(
      (t) =>
        `<tr><td>${esc(t.name)}</td><td>${t.priority}</td><td>${t.requests}</td><td>${t.completed}</td><td>${t.missed}</td><td>${t.dropped}</td><td>${t.rejected}</td><td>${num(t.slaRate * 100, 1)}%</td><td>${num(t.p50 / 1e3, 1)}</td><td>${num(t.p99 / 1e3, 1)}</td></tr>`,
    )
    .join('');
  const o = r.overall;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}</style></head><body>
<h1>${esc(title)}</h1><p>policy <b>${esc(r.policy)}</b> · ${r.arrivals.length} requests · trace digest <code>${r.traceDigest}</code></p>
<h2>Overall</h2><table><tr><th>SLA rate</th><th>STP</th><th>ANTT</th><th>fairness</th><th>tile util.</th><th>DRAM util.</th></tr><tr><td>${num(o.slaRate * 100, 1)}%</td><td>${num(o.stp)}</td><td>${num(o.antt)}</td><td>${num(o.fairness)}</td><td>${num(o.tileUtilization * 100, 1)}%</td><td>${num(o.dramUtilization * 100, 1)}%</td></tr></table>
<h2>Tenants</h2><table><tr><th>tenant</th><th>prio</th><th>requests</th><th>completed</th><th>missed</th><th>dropped</th><th>rejected</th><th>SLA</th><th>p50 (k cyc)</th><th>p99 (k cyc)</th></tr>${rows}</table>
<h2>Timeline</h2><p>${legend}</p>${timeline}
<h2>Latency relative to deadline</h2>${chart}
</body></html>
`;
}
