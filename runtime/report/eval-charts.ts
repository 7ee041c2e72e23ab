// Standalone SVG charts for evaluation reports and docs: grouped bars (one group per cell,
// one bar per policy) and empirical CDFs. Each returns a complete <svg> document (usable
// inline in HTML or as a .svg file). Deterministic output: same data, same bytes.
import { esc, MARGIN_LEFT, MARGIN_TOP, niceTicks, PALETTE, yAxis } from './svg.ts';

export interface Series {
  readonly name: string;
  /** One value per group; NaN draws no bar. */
  readonly values: readonly number[];
}

export interface BarChart {
  readonly title: string;
  readonly groups: readonly string[];
  readonly series: readonly Series[];
  readonly yLabel: string;
  /** Top of the axis (default: the largest value, rounded up to a tick). */
  readonly yMax?: number;
  /** Tick label suffix, e.g. '%'; values are multiplied by `scale` for display. */
  readonly suffix?: string;
  readonly scale?: number;
}

const LEGEND_ROW = 16;

function legend(names: readonly string[], x: number, y: number): string {
  return names
    .map(
      (n, i) =>
        `<rect x="${x}" y="${y + i * LEGEND_ROW}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/>` +
        `<text x="${x + 14}" y="${y + i * LEGEND_ROW + 9}" font-size="11">${esc(n)}</text>`,
    )
    .join('');
}

function frame(
  w: number,
  h: number,
  title: string,
  body: string,
  legendSvg: string,
  legendRows: number,
): string {
  const width = MARGIN_LEFT + w + 150;
  const height = MARGIN_TOP + 20 + Math.max(h, legendRows * LEGEND_ROW) + 45;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(title)}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="${MARGIN_LEFT}" y="${MARGIN_TOP + 8}" font-size="13" font-weight="bold">${esc(title)}</text>` +
    `<g transform="translate(${MARGIN_LEFT},${MARGIN_TOP + 20})">${body}${legendSvg}</g></svg>\n`
  );
}

/** Grouped bars: groups along x, one coloured bar per series in each group. */
export function groupedBars(c: BarChart): string {
  const scale = c.scale ?? 1;
  const h = 220;
  const barW = 9;
  const groupW = c.series.length * barW + 14;
  const w = Math.max(200, c.groups.length * groupW);
  let max = c.yMax ?? 0;
  if (c.yMax === undefined)
    for (const s of c.series)
      for (const v of s.values) if (Number.isFinite(v)) max = Math.max(max, v * scale);
  const ticks = niceTicks(max, 5);
  const top = c.yMax ?? ticks[ticks.length - 1]!;
  const y = (v: number) => h - (top > 0 ? (Math.min(v * scale, top) / top) * h : 0);
  let body = '';
  for (const t of ticks)
    body += `<line x1="0" x2="${w}" y1="${y(t / scale).toFixed(1)}" y2="${y(t / scale).toFixed(1)}" stroke="#e4e4e4"/>`;
  c.groups.forEach((g, gi) => {
    const x0 = gi * groupW + 7;
    c.series.forEach((s, si) => {
      const v = s.values[gi];
      if (v === undefined || !Number.isFinite(v)) return;
      const yy = y(v);
      body += `<rect x="${x0 + si * barW}" y="${yy.toFixed(1)}" width="${barW - 1}" height="${(h - yy).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(`${g} ${s.name}: ${(v * scale).toPrecision(3)}${c.suffix ?? ''}`)}</title></rect>`;
    });
    body += `<text x="${x0 + (c.series.length * barW) / 2}" y="${h + 14}" font-size="10" text-anchor="middle">${esc(g)}</text>`;
  });
  body += `<line x1="0" x2="${w}" y1="${h}" y2="${h}" stroke="#444"/>`;
  body += yAxis(h, top, c.yLabel, c.suffix ?? '', ticks);
  return frame(
    w,
    h,
    c.title,
    body,
    legend(
      c.series.map((s) => s.name),
      w + 16,
      0,
    ),
    c.series.length,
  );
}

export interface CdfChart {
  readonly title: string;
  /** Ascending samples per series. */
  readonly series: readonly { readonly name: string; readonly samples: readonly number[] }[];
  readonly xLabel: string;
  /** Right end of the x axis (samples beyond it are drawn at the edge). */
  readonly xMax: number;
  /** A dashed vertical marker (e.g. the deadline). */
  readonly marker?: { readonly at: number; readonly label: string };
}

/** Empirical CDFs as step lines, one per series. */
export function cdfChart(c: CdfChart): string {
  const w = 420;
  const h = 200;
  const x = (v: number) => (Math.min(v, c.xMax) / c.xMax) * w;
  const y = (p: number) => h - p * h;
  let body = '';
  for (const p of [0.25, 0.5, 0.75, 1])
    body += `<line x1="0" x2="${w}" y1="${y(p)}" y2="${y(p)}" stroke="#e4e4e4"/>`;
  c.series.forEach((s, si) => {
    if (s.samples.length === 0) return;
    const n = s.samples.length;
    let d = `M0,${y(0)}`;
    s.samples.forEach((v, i) => {
      d += `H${x(v).toFixed(1)}V${y((i + 1) / n).toFixed(1)}`;
    });
    d += `H${w}`;
    body += `<path d="${d}" fill="none" stroke="${PALETTE[si % PALETTE.length]}" stroke-width="1.5"/>`;
  });
  if (c.marker !== undefined) {
    const mx = x(c.marker.at).toFixed(1);
    body += `<line x1="${mx}" x2="${mx}" y1="0" y2="${h}" stroke="#333" stroke-dasharray="4 3"/><text x="${mx}" y="-3" font-size="10" text-anchor="middle">${esc(c.marker.label)}</text>`;
  }
  for (const t of niceTicks(c.xMax, 8))
    body += `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${h}" y2="${h + 4}" stroke="#444"/><text x="${x(t).toFixed(1)}" y="${h + 16}" font-size="10" text-anchor="middle">${t}</text>`;
  body += `<line x1="0" x2="${w}" y1="${h}" y2="${h}" stroke="#444"/><text x="${w / 2}" y="${h + 32}" font-size="11" text-anchor="middle">${esc(c.xLabel)}</text>`;
  body += yAxis(h, 1, 'share of requests', '', [0, 0.25, 0.5, 0.75, 1]);
  return frame(
    w,
    h,
    c.title,
    body,
    legend(
      c.series.map((s) => s.name),
      w + 16,
      0,
    ),
    c.series.length,
  );
}
