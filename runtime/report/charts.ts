// Evaluation charts as standalone SVG strings (pure functions, no DOM): a grouped bar chart
// (one group per mix or cell, one bar per policy) and a latency CDF (one step line per
// series). Used by the `eval` commands' --report pages and docs/evaluation*.md. Values map
// linearly onto the plot: a larger value is always a taller bar / a point further right.
import { colour, esc, MARGIN_LEFT, niceTicks, yAxis } from './svg.ts';

export interface BarGroup {
  readonly label: string;
  /** One value per series (NaN or undefined: no bar). */
  readonly values: readonly (number | undefined)[];
}

export interface GroupedBarOptions {
  readonly title: string;
  readonly yTitle: string;
  /** Series names (the legend), one bar per group each. */
  readonly series: readonly string[];
  readonly groups: readonly BarGroup[];
  /** A dashed horizontal reference line (e.g. 1.0 for speed-ups). */
  readonly reference?: number;
  /** Printed above each bar (default: 2 decimals). */
  readonly format?: (v: number) => string;
  readonly plotWidth?: number;
  readonly plotHeight?: number;
}

export interface CdfSeries {
  readonly label: string;
  readonly values: readonly number[];
}

export interface CdfOptions {
  readonly title: string;
  readonly xTitle: string;
  readonly series: readonly CdfSeries[];
  /** A dashed vertical marker (e.g. the deadline). */
  readonly marker?: { readonly x: number; readonly label: string };
  readonly plotWidth?: number;
  readonly plotHeight?: number;
}

const TOP = 30;
const LEGEND_ROW = 16;

function fmt2(v: number): string {
  return v.toFixed(2);
}

/** Group labels are split at "+", "/" and spaces onto lines of at most ~18 characters. */
export function labelLines(label: string, width = 18): string[] {
  const parts = label.split(/(?<=[+/ ])/);
  const lines: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (cur !== '' && (cur + p).length > width) {
      lines.push(cur);
      cur = p;
    } else cur += p;
  }
  if (cur !== '') lines.push(cur);
  return lines.length === 0 ? [''] : lines;
}

function legend(series: readonly string[], x0: number): string {
  return series
    .map((s, i) => {
      const y = i * LEGEND_ROW;
      return `<rect x="${x0}" y="${y}" width="10" height="10" fill="${colour(i)}"/><text x="${x0 + 14}" y="${y + 9}" font-size="11">${esc(s)}</text>`;
    })
    .join('');
}

function svgDoc(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title><rect width="${width}" height="${height}" fill="#fff"/><text x="${width / 2}" y="18" font-size="13" font-weight="bold" text-anchor="middle" font-family="sans-serif">${esc(title)}</text>${body}</svg>`;
}

/** Linear map of 0..max onto h..0 (SVG y grows downwards). */
export function barHeight(v: number, max: number, h: number): number {
  if (!(max > 0) || !Number.isFinite(v) || v <= 0) return 0;
  return (Math.min(v, max) / max) * h;
}

export function groupedBarChart(o: GroupedBarOptions): string {
  const h = o.plotHeight ?? 240;
  const nSeries = Math.max(1, o.series.length);
  const bar = 24;
  const groupW = nSeries * bar + 24;
  const w = o.plotWidth ?? Math.max(240, o.groups.length * groupW);
  const slot = o.groups.length > 0 ? w / o.groups.length : w;
  const fmt = o.format ?? fmt2;
  let top = 0;
  for (const g of o.groups)
    for (const v of g.values) if (v !== undefined && Number.isFinite(v)) top = Math.max(top, v);
  if (o.reference !== undefined) top = Math.max(top, o.reference);
  // The scale ends a little above the tallest bar (value labels fit), ticks below it.
  const max = top > 0 ? top * 1.12 : 1;
  const ticks = niceTicks(max, 5);
  const lines = o.groups.map((g) => labelLines(g.label));
  const labelRows = Math.max(1, ...lines.map((l) => l.length));
  const bars = o.groups
    .map((g, gi) => {
      const x0 = gi * slot + (slot - nSeries * bar) / 2;
      const rects = g.values
        .map((v, si) => {
          if (v === undefined || !Number.isFinite(v)) return '';
          const bh = barHeight(v, max, h);
          const x = x0 + si * bar;
          return `<rect class="bar" x="${x.toFixed(1)}" y="${(h - bh).toFixed(1)}" width="${bar - 2}" height="${bh.toFixed(1)}" fill="${colour(si)}" data-value="${v}"><title>${esc(`${g.label} · ${o.series[si] ?? ''}: ${fmt(v)}`)}</title></rect><text x="${(x + (bar - 2) / 2).toFixed(1)}" y="${(h - bh - 3).toFixed(1)}" font-size="8" text-anchor="middle">${esc(fmt(v))}</text>`;
        })
        .join('');
      const label = lines[gi]!.map(
        (line, li) =>
          `<text x="${(gi * slot + slot / 2).toFixed(1)}" y="${h + 14 + li * 12}" font-size="10" text-anchor="middle">${esc(line)}</text>`,
      ).join('');
      return rects + label;
    })
    .join('');
  const ref =
    o.reference === undefined
      ? ''
      : `<line class="reference" x1="0" x2="${w}" y1="${(h - barHeight(o.reference, max, h)).toFixed(1)}" y2="${(h - barHeight(o.reference, max, h)).toFixed(1)}" stroke="#333" stroke-dasharray="4 3"/>`;
  const legendX = w + 16;
  const body = `<g transform="translate(${MARGIN_LEFT},${TOP})" font-family="sans-serif">${yAxis(h, max, o.yTitle, '', ticks)}<line x1="0" x2="${w}" y1="${h}" y2="${h}" stroke="#444"/>${bars}${ref}<g class="legend">${legend(o.series, legendX)}</g></g>`;
  const legendW = 14 + Math.max(0, ...o.series.map((s) => s.length)) * 7;
  const height = Math.max(TOP + h + 20 + labelRows * 12, TOP + o.series.length * LEGEND_ROW) + 10;
  return svgDoc(MARGIN_LEFT + w + 16 + legendW + 10, height, o.title, body);
}

/** Empirical CDF points of `values`: (v_k, k/n) for the sorted values. */
export function cdfPoints(values: readonly number[]): { x: number; p: number }[] {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return s.map((x, k) => ({ x, p: (k + 1) / s.length }));
}

export function cdfChart(o: CdfOptions): string {
  const w = o.plotWidth ?? 480;
  const h = o.plotHeight ?? 220;
  let top = 0;
  for (const s of o.series) for (const v of s.values) if (Number.isFinite(v)) top = Math.max(top, v);
  if (o.marker !== undefined) top = Math.max(top, o.marker.x);
  const xMax = top > 0 ? top * 1.05 : 1;
  const xt = niceTicks(xMax, 8);
  const X = (v: number) => (Math.min(Math.max(v, 0), xMax) / xMax) * w;
  const Y = (p: number) => h - p * h;
  const paths = o.series
    .map((s, i) => {
      const pts = cdfPoints(s.values);
      if (pts.length === 0) return '';
      let d = `M${X(pts[0]!.x).toFixed(1)},${Y(0).toFixed(1)}`;
      let prev = 0;
      for (const pt of pts) {
        d += ` L${X(pt.x).toFixed(1)},${Y(prev).toFixed(1)} L${X(pt.x).toFixed(1)},${Y(pt.p).toFixed(1)}`;
        prev = pt.p;
      }
      return `<path class="cdf" d="${d}" fill="none" stroke="${colour(i)}" stroke-width="1.5"><title>${esc(s.label)}</title></path>`;
    })
    .join('');
  const xAxisMarks = xt
    .map(
      (v) =>
        `<line x1="${X(v).toFixed(1)}" x2="${X(v).toFixed(1)}" y1="${h}" y2="${h + 4}" stroke="#444"/><text x="${X(v).toFixed(1)}" y="${h + 16}" font-size="10" text-anchor="middle">${esc(String(Number(v.toPrecision(4))))}</text>`,
    )
    .join('');
  const marker =
    o.marker === undefined
      ? ''
      : `<line class="marker" x1="${X(o.marker.x).toFixed(1)}" x2="${X(o.marker.x).toFixed(1)}" y1="0" y2="${h}" stroke="#c00" stroke-dasharray="4 3"/><text x="${(X(o.marker.x) + 3).toFixed(1)}" y="10" font-size="10" fill="#c00">${esc(o.marker.label)}</text>`;
  const body = `<g transform="translate(${MARGIN_LEFT},${TOP})" font-family="sans-serif">${yAxis(h, 1, 'fraction of requests', '', [0, 0.25, 0.5, 0.75, 1])}<line x1="0" x2="${w}" y1="${h}" y2="${h}" stroke="#444"/>${xAxisMarks}<text x="${w / 2}" y="${h + 32}" font-size="11" text-anchor="middle">${esc(o.xTitle)}</text>${paths}${marker}<g class="legend">${legend(
    o.series.map((s) => s.label),
    w + 16,
  )}</g></g>`;
  const legendW = 14 + Math.max(0, ...o.series.map((s) => s.label.length)) * 7;
  return svgDoc(MARGIN_LEFT + w + 16 + legendW + 10, TOP + h + 50, o.title, body);
}
