// What `cotenant eval moca --report` and `npm run eval:docs` draw from the cells' results:
// per-metric grouped bars (one group per cell, one bar per policy), CDFs of the guaranteed
// cameras' latency ÷ deadline, and the tables — as HTML or as Markdown + SVG files.
import { cdfChart, groupedBars } from '../report/eval-charts.ts';
import { esc } from '../report/svg.ts';
import type { PolicyName } from '../scenario/schema.ts';
import type { CellResult, PolicyFigures } from './moca-cell.ts';
import { summarize, summaryLine } from './moca-eval.ts';
import { MOCA_SETS } from './moca-protocol.ts';

export interface ReportMeta {
  readonly requests: number;
  readonly seed: number;
  readonly wallSeconds?: number;
}

export interface Figure {
  /** File name (docs/evaluation/<file>). */
  readonly file: string;
  readonly title: string;
  readonly svg: string;
}

const label = (r: CellResult) => `${r.cell.set}-${r.cell.qos}`;

function policiesOf(results: readonly CellResult[]): PolicyName[] {
  const seen: PolicyName[] = [];
  for (const r of results)
    for (const p of Object.keys(r.policies) as PolicyName[]) if (!seen.includes(p)) seen.push(p);
  return seen;
}

function bars(
  results: readonly CellResult[],
  metric: keyof PolicyFigures,
  title: string,
  yLabel: string,
  pct: boolean,
): string {
  return groupedBars({
    title,
    groups: results.map(label),
    series: policiesOf(results).map((p) => ({
      name: p,
      values: results.map((r) => r.policies[p]?.[metric] ?? Number.NaN),
    })),
    yLabel,
    ...(pct ? { yMax: 100, suffix: '%', scale: 100 } : {}),
  });
}

export function mocaFigures(results: readonly CellResult[]): Figure[] {
  const out: Figure[] = [];
  for (const g of [false, true]) {
    const rs = results.filter((r) => r.cell.guaranteed === g);
    if (rs.length === 0) continue;
    const suffix = g ? '-guaranteed' : '';
    const what = g ? ' (with guaranteed cameras)' : '';
    out.push(
      {
        file: `sla${suffix}.svg`,
        title: `SLA satisfaction${what}`,
        svg: bars(rs, 'slaRate', `SLA satisfaction per cell${what}`, 'requests in time', true),
      },
      {
        file: `stp${suffix}.svg`,
        title: `STP${what}`,
        svg: bars(rs, 'stp', `System throughput (STP) per cell${what}`, 'STP', false),
      },
      {
        file: `fairness${suffix}.svg`,
        title: `Fairness${what}`,
        svg: bars(rs, 'fairness', `Priority-weighted fairness per cell${what}`, 'fairness', false),
      },
    );
  }
  for (const set of MOCA_SETS) {
    const rs = results.filter((r) => r.cell.guaranteed && r.cell.set === set);
    if (rs.length === 0) continue;
    const series = policiesOf(rs).map((p) => ({
      name: p,
      samples: rs.flatMap((r) => r.guaranteedLatencies[p] ?? []).sort((a, b) => a - b),
    }));
    out.push({
      file: `cdf-cameras-${set}.svg`,
      title: `Camera latency CDF, set ${set}`,
      svg: cdfChart({
        title: `Guaranteed cameras, set ${set} (all QoS levels): latency ÷ deadline`,
        series,
        xLabel: 'latency ÷ deadline (right of 1: missed)',
        xMax: 2,
        marker: { at: 1, label: 'deadline' },
      }),
    });
  }
  return out;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');

/** Rows of one table per variant: cell × policy, the figures. */
function tableRows(results: readonly CellResult[], guaranteed: boolean): string[][] {
  const rows: string[][] = [];
  for (const r of results.filter((x) => x.cell.guaranteed === guaranteed))
    for (const p of policiesOf([r])) {
      const f = r.policies[p]!;
      rows.push([
        label(r),
        p,
        pct(f.slaRate),
        pct(f.slaHigh),
        f3(f.stp),
        f3(f.antt),
        f3(f.fairness),
        ...(guaranteed ? [String(f.guaranteedMisses)] : []),
      ]);
    }
  return rows;
}

const HEAD = ['cell', 'policy', 'SLA', 'SLA high', 'STP', 'ANTT', 'fairness'];

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

function verdictRows(results: readonly CellResult[]): string[][] {
  return summarize(results).verdicts.map((v) => [
    `${v.cell.set}-${v.cell.qos}${v.cell.guaranteed ? ' g' : ''}`,
    v.slaLeadRequests === undefined
      ? '–'
      : `${v.slaLeadRequests > 0 ? '+' : ''}${v.slaLeadRequests} (${v.bestSlaOther})`,
    v.stpRatio === undefined ? '–' : `${f3(v.stpRatio)} (${v.bestStpOther})`,
    v.fairnessVsMoca === undefined ? '–' : f3(v.fairnessVsMoca),
    v.mocaOverStaticRequests === undefined ? '–' : signed(v.mocaOverStaticRequests),
    v.cotenantGuaranteedMisses === undefined ? '–' : String(v.cotenantGuaranteedMisses),
  ]);
}
const VERDICT_HEAD = [
  'cell',
  'cotenant SLA − best other (requests)',
  'cotenant STP ÷ best other',
  'cotenant fairness ÷ moca',
  'moca SLA − static (requests)',
  'cotenant guaranteed misses',
];

function mdTable(head: readonly string[], rows: readonly string[][]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

/** The generated part of docs/evaluation.md; figures are linked from `figureDir`. */
export function mocaMarkdown(results: readonly CellResult[], meta: ReportMeta, figureDir: string): string {
  const s = summarize(results);
  let md = `Summary (${meta.requests} requests per cell, seed ${meta.seed}):\n\n\`\`\`\n${summaryLine(s)}\n\`\`\`\n\n`;
  md += `### Against the targets, per cell\n\n${mdTable(VERDICT_HEAD, verdictRows(results))}\n`;
  for (const f of mocaFigures(results)) md += `![${f.title}](${figureDir}/${f.file})\n\n`;
  md += `### Best-effort cells\n\n${mdTable(HEAD, tableRows(results, false))}\n`;
  if (results.some((r) => r.cell.guaranteed))
    md += `### Cells with guaranteed cameras\n\n${mdTable([...HEAD, 'guaranteed misses'], tableRows(results, true))}`;
  return md;
}

function htmlTable(head: readonly string[], rows: readonly string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function mocaReportHtml(results: readonly CellResult[], meta: ReportMeta): string {
  const s = summarize(results);
  const figs = mocaFigures(results)
    .map((f) => `<figure>${f.svg}<figcaption>${esc(f.title)}</figcaption></figure>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cotenant eval moca</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,td:nth-child(2){text-align:left}figure{margin:1em 0}</style>
</head><body>
<h1>MoCA protocol: every policy</h1>
<p>${meta.requests} requests per cell, seed ${meta.seed}${meta.wallSeconds === undefined ? '' : `, ${meta.wallSeconds.toFixed(1)} s wall`}. Definitions: docs/evaluation.md.</p>
<pre>${esc(summaryLine(s))}</pre>
<h2>Against the targets</h2>
${htmlTable(VERDICT_HEAD, verdictRows(results))}
<h2>Charts</h2>
${figs}
<h2>Best-effort cells</h2>
${htmlTable(HEAD, tableRows(results, false))}
${results.some((r) => r.cell.guaranteed) ? `<h2>Cells with guaranteed cameras</h2>\n${htmlTable([...HEAD, 'guaranteed misses'], tableRows(results, true))}` : ''}
</body></html>
`;
}
