// A self-contained HTML report of a run: what the figures mean, summary tables, the
// admission table, a per-tile timeline (one colour per tenant, misses marked), estimated
// DRAM traffic against the board's peak with every throttled step, and each request's
// latency relative to its deadline. Inline SVG only: no scripts, styles or fonts fetched.
import type { AdmissionResult } from '../admission/plan.ts';
import type { SessionResult } from '../executor/session.ts';
import type { TraceRecord } from '../executor/trace.ts';
import { ADMISSION_METRICS, RUN_METRICS, type MetricDefinition } from '../metrics/definitions.ts';
import type { RequestRecord } from '../metrics/metrics.ts';
import { decodeThrottle } from '../../boards/registers.ts';
import { dramLevels } from './dram.ts';
import { colour, esc, MARGIN_LEFT, plotSvg, xAxis, yAxis } from './svg.ts';

/** What the report needs to know about the board. */
export interface ReportBoard {
  readonly tiles: number;
  readonly clockHz: number;
  readonly dramBytesPerCycle: number;
}

const W = 1000;
/** The latency chart's scale ends at this multiple of the deadline; later points are clipped. */
export const LATENCY_SCALE_MAX = 2;

function num(x: number, d = 3): string {
  return Number.isFinite(x) ? x.toFixed(d) : String(x);
}

const kcyc = (x: number): string => (Number.isFinite(x) ? num(x / 1e3, 1) : 'unbounded');

export function htmlReport(
  r: SessionResult,
  title: string,
  board: ReportBoard,
  description?: string,
): string {
  const span = Math.max(1, r.exec.cycles);
  const ms = (span / board.clockHz) * 1e3;
  const x = (c: number) => (c / span) * W;
  const legend = r.tenants
    .map(
      (t, i) =>
        `<span style="display:inline-block;margin-right:1em"><span style="display:inline-block;width:12px;height:12px;background:${colour(i)}"></span> ${esc(t.name)}</span>`,
    )
    .join('');
  const rows = r.perTenant
    .map(
      (t) =>
        `<tr><td>${esc(t.name)}</td><td>${t.priority}</td><td>${t.requests}</td><td>${t.completed}</td><td>${t.missed}</td><td>${t.dropped}</td><td>${t.rejected}</td><td>${num(t.slaRate * 100, 1)}%</td><td>${num(t.p50 / 1e3, 1)}</td><td>${num(t.p99 / 1e3, 1)}</td></tr>`,
    )
    .join('');
  const o = r.overall;
  const names = r.tenants.map((t) => t.name);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}dt{font-weight:bold;float:left;clear:left;width:7em}dd{margin-left:8em}.rejected{color:#c00;font-weight:bold}.note{color:#555;font-size:90%}</style></head><body>
<h1>${esc(title)}</h1>${description === undefined ? '' : `<p>${esc(description)}</p>`}<p>policy <b>${esc(r.policy)}</b> · ${r.arrivals.length} requests · ${num(ms, 2)} ms of board time · trace digest <code>${r.traceDigest}</code></p>
<h2>Overall</h2><table><tr><th>SLA rate</th><th>STP</th><th>ANTT</th><th>fairness</th><th>tile util.</th><th>DRAM util.</th></tr><tr><td>${num(o.slaRate * 100, 1)}%</td><td>${num(o.stp)}</td><td>${num(o.antt)}</td><td>${num(o.fairness)}</td><td>${num(o.tileUtilization * 100, 1)}%</td><td>${num(o.dramUtilization * 100, 1)}%</td></tr></table>
<h2>Tenants</h2><table><tr><th>tenant</th><th>prio</th><th>requests</th><th>completed</th><th>missed</th><th>dropped</th><th>rejected</th><th>SLA</th><th>p50 (k cyc)</th><th>p99 (k cyc)</th></tr>${rows}</table>
${admissionSection(r.admission, worstResponses(r), r.exec.violations.length)}
<h2>What the numbers mean</h2>${definitions(RUN_METRICS)}${r.admission === undefined ? '' : definitions(ADMISSION_METRICS)}
<h2>Timeline</h2><p>${legend}</p>${timeline(r.exec.trace, names, board.tiles, x, ms)}
<p class="note">Each bar is one granule (step) of a request on a tile; dashed black lines mark requests that missed their deadline, were dropped or rejected (hover for which).</p>
<h2>DRAM traffic and throttling</h2>${dramPlot(r.exec.trace, board, x, ms)}${throttlePlot(r.exec.trace, names, board.tiles, x, ms)}
<p class="note">DRAM traffic is estimated from the trace: each step's bytes spread evenly over its span, so overlapping steps whose bursts did not coincide can add up above the peak. A throttled step's tile may issue at most the given read beats per window (docs/emulator.md).</p>
<h2>Latency relative to deadline</h2>${latencyChart(r.exec.records, names, x, ms)}
</body></html>
`;
}

function definitions(ms: readonly MetricDefinition[]): string {
  return `<dl>${ms.map((m) => `<dt>${esc(m.term)}</dt><dd>${esc(m.meaning)}</dd>`).join('')}</dl>`;
}

/** Per tenant: the longest arrival-to-end time of its requests that ended on the board. */
function worstResponses(r: SessionResult): number[] {
  const worst = r.tenants.map(() => 0);
  for (const rec of r.exec.records)
    if (rec.outcome === 'completed' || rec.outcome === 'missed')
      worst[rec.tenant] = Math.max(worst[rec.tenant]!, rec.end - rec.arrival);
  return worst;
}

/** The admission table, with each tenant's worst observed response beside its bound (the
 *  certificate checked at run time: for a guaranteed tenant it never exceeds the bound). */
export function admissionSection(
  a: AdmissionResult | undefined,
  observed: readonly number[] = [],
  violations = 0,
): string {
  if (a === undefined)
    return '<h2>Admission</h2><p class="note">This policy runs without admission control (only the cotenant policy proves deadlines).</p>';
  // Budget column only when the plan throttles some lane to a memory budget.
  const budgets = a.laneBudgets.some((b) => Number.isFinite(b));
  const rows = a.tenants
    .map((t, i) => {
      const g = t.variant.granule;
      const budget = budgets ? `<td>${Number.isFinite(t.budget) ? num(t.budget, 2) : '-'}</td>` : '';
      const granule =
        g.kind === 'layer' ? 'layer' : g.kind === 'block' ? `block:${g.layers}` : `≤${g.max} cyc`;
      return `<tr><td>${esc(t.name)}</td><td>${t.priority}</td><td>${t.guaranteed ? 'yes' : 'no'}</td><td>${t.lane} (${t.variant.tiles} tiles)</td><td>${granule}</td><td>${kcyc(t.wcet)}</td><td>${kcyc(t.bound)}</td><td>${observed[i] === undefined ? '-' : kcyc(observed[i])}</td><td>${kcyc(t.deadline)}</td><td>${Number.isFinite(t.slack) ? kcyc(t.slack) : '-'}</td>${budget}<td class="${t.verdict}">${t.verdict}</td></tr>`;
    })
    .join('');
  return `<h2>Admission</h2><p>${a.feasible ? 'every guaranteed tenant admitted' : '<span class="rejected">infeasible: a guaranteed tenant is rejected (run with --no-admission)</span>'} · lanes ${a.lanes.map((l) => `[${l.join(',')}]`).join(' ')} · ${violations === 0 ? 'certificate held: no guaranteed request ended late or above its bound' : `<span class="rejected">certificate violated by ${violations} guaranteed request(s)</span>`}</p>
<table><tr><th>tenant</th><th>prio</th><th>guaranteed</th><th>lane</th><th>granule</th><th>wcet (k cyc)</th><th>bound (k cyc)</th><th>worst observed (k cyc)</th><th>deadline (k cyc)</th><th>slack (k cyc)</th>${budgets ? '<th>DRAM budget (B/cycle/tile)</th>' : ''}<th>verdict</th></tr>${rows}</table>`;
}

function timeline(
  trace: readonly TraceRecord[],
  names: readonly string[],
  tiles: number,
  x: (c: number) => number,
  ms: number,
): string {
  const rowH = 22;
  const h = tiles * rowH;
  const parts: string[] = [];
  for (const t of trace) {
    if (t.k === 'stepdone') {
      for (const tile of t.tiles)
        parts.push(
          `<rect x="${x(t.started).toFixed(2)}" y="${tile * rowH + 2}" width="${Math.max(0.5, x(t.t) - x(t.started)).toFixed(2)}" height="${rowH - 4}" fill="${colour(t.tenant)}"><title>${esc(names[t.tenant]!)} #${t.req} step ${t.step}</title></rect>`,
        );
    } else if (t.k === 'end' && t.outcome !== 'completed') {
      parts.push(
        `<line x1="${x(t.t).toFixed(2)}" x2="${x(t.t).toFixed(2)}" y1="0" y2="${h}" stroke="#000" stroke-width="1.5" stroke-dasharray="3,2"><title>${t.outcome}: ${esc(names[t.tenant]!)} #${t.req}</title></line>`,
      );
    }
  }
  const labels = Array.from(
    { length: tiles },
    (_, i) => `<text x="-6" y="${i * rowH + 15}" font-size="11" text-anchor="end">tile ${i}</text>`,
  ).join('');
  return plotSvg(W, h, parts.join('') + labels + xAxis(W, h, ms, 'board time (ms)'), 'timeline per tile');
}

function dramPlot(
  trace: readonly TraceRecord[],
  board: ReportBoard,
  x: (c: number) => number,
  ms: number,
): string {
  const h = 160;
  const levels = dramLevels(trace);
  const top = Math.max(board.dramBytesPerCycle, ...levels.map(([, l]) => l)) * 1.1;
  const y = (v: number) => h - (v / top) * h;
  let prev = 0;
  const pts: string[] = [`0,${y(0).toFixed(1)}`];
  for (const [t, level] of levels) {
    pts.push(`${x(t).toFixed(1)},${y(prev).toFixed(1)}`, `${x(t).toFixed(1)},${y(level).toFixed(1)}`);
    prev = level;
  }
  pts.push(`${W},${y(prev).toFixed(1)}`);
  const peak = y(board.dramBytesPerCycle).toFixed(1);
  const body = `<polyline points="${pts.join(' ')}" fill="none" stroke="#4e79a7" stroke-width="1.2"/><line x1="0" x2="${W}" y1="${peak}" y2="${peak}" stroke="#d00" stroke-dasharray="4"/><text x="${W - 4}" y="${Number(peak) - 4}" font-size="10" text-anchor="end">board peak ${num(board.dramBytesPerCycle, 1)} B/cycle</text>${yAxis(h, top, 'DRAM bytes/cycle (est.)')}${xAxis(W, h, ms, 'board time (ms)')}`;
  return plotSvg(W, h, body, 'estimated DRAM traffic');
}

function throttlePlot(
  trace: readonly TraceRecord[],
  names: readonly string[],
  tiles: number,
  x: (c: number) => number,
  ms: number,
): string {
  const rowH = 14;
  const h = tiles * rowH;
  const started = new Map<string, Extract<TraceRecord, { k: 'start' }>>();
  const rects: string[] = [];
  for (const r of trace) {
    if (r.k === 'start') started.set(`${r.req}:${r.step}`, r);
    else if (r.k === 'stepdone') {
      const s = started.get(`${r.req}:${r.step}`);
      if (s === undefined) continue;
      s.tiles.forEach((tile, i) => {
        const th = decodeThrottle(s.throttle[i] ?? 0);
        if (th.window === 0) return; // 0/0: unthrottled
        rects.push(
          `<rect x="${x(s.t).toFixed(2)}" y="${tile * rowH + 2}" width="${Math.max(0.5, x(r.t) - x(s.t)).toFixed(2)}" height="${rowH - 4}" fill="${colour(r.tenant)}" fill-opacity="0.7"><title>tile ${tile}: ${esc(names[r.tenant]!)} #${r.req} step ${r.step} throttled to ≤ ${th.targetLoad} read beats per ${th.window} cycles</title></rect>`,
        );
      });
    }
  }
  const labels = Array.from(
    { length: tiles },
    (_, i) => `<text x="-6" y="${i * rowH + 11}" font-size="10" text-anchor="end">tile ${i}</text>`,
  ).join('');
  const none =
    rects.length === 0
      ? `<text x="${W / 2}" y="${h / 2 + 4}" font-size="11" text-anchor="middle" fill="#555">no step was throttled</text>`
      : '';
  const title = `<text transform="translate(${-MARGIN_LEFT + 12},${h / 2}) rotate(-90)" font-size="10" text-anchor="middle">throttled</text>`;
  return plotSvg(
    W,
    h,
    rects.join('') + labels + none + title + xAxis(W, h, ms, 'board time (ms)'),
    'throttled steps per tile',
  );
}

/** Each finished request as a dot at (arrival, latency / deadline); requests later than
 *  LATENCY_SCALE_MAX × their deadline are drawn as triangles on the top edge (class "clipped"). */
export function latencyChart(
  records: readonly RequestRecord[],
  names: readonly string[],
  x: (c: number) => number,
  ms: number,
): string {
  const h = 220;
  const top = LATENCY_SCALE_MAX;
  const y = (rel: number) => h - (Math.min(top, rel) / top) * h;
  const dots: string[] = [];
  let clipped = 0;
  for (const rec of records) {
    if (rec.outcome !== 'completed' && rec.outcome !== 'missed') continue;
    const rel = (rec.end - rec.arrival) / Math.max(1, rec.deadline - rec.arrival);
    const cx = x(rec.arrival).toFixed(1);
    const what = `${esc(names[rec.tenant]!)} #${rec.id}: ${num(rel, 2)} × deadline`;
    if (rel > top) {
      clipped++;
      dots.push(
        `<path class="clipped" d="M${cx},0 l-4,7 h8 z" fill="${colour(rec.tenant)}" stroke="#000" stroke-width="0.5"><title>${what} (off the scale)</title></path>`,
      );
    } else
      dots.push(
        `<circle cx="${cx}" cy="${y(rel).toFixed(1)}" r="2.5" fill="${colour(rec.tenant)}"><title>${what}</title></circle>`,
      );
  }
  const deadline = y(1).toFixed(1);
  const body = `<line x1="0" x2="${W}" y1="${deadline}" y2="${deadline}" stroke="#d00" stroke-dasharray="4"/><text x="${W - 4}" y="${Number(deadline) - 4}" font-size="10" text-anchor="end">deadline</text>${dots.join('')}${yAxis(h, top, 'latency / deadline', '×', [0, 0.5, 1, 1.5, 2])}${xAxis(W, h, ms, 'arrival time (ms)')}`;
  const note =
    clipped === 0
      ? ''
      : `<p class="note">${clipped} request${clipped === 1 ? '' : 's'} took longer than ${top}× the deadline: drawn as ▲ on the top edge (hover for the value).</p>`;
  return (
    plotSvg(W, h, body, 'latency relative to deadline') +
    note +
    '<p class="note">Dropped and rejected requests have no latency and are not plotted.</p>'
  );
}
