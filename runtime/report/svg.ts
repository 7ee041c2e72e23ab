// Small inline-SVG helpers for the HTML report: escaping, the tenant palette, "nice" tick
// values and labelled axes. Plot areas are translated by MARGIN_LEFT / MARGIN_TOP so axis
// labels fit to their left and below them.

export const PALETTE = [
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

export const MARGIN_LEFT = 70;
export const MARGIN_TOP = 10;
/** Room below a plot for tick labels and the axis title. */
export const MARGIN_BOTTOM = 40;

export function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function colour(tenant: number): string {
  return PALETTE[tenant % PALETTE.length]!;
}

/** Ticks 0, s, 2s, … ≤ max with s = 1, 2 or 5 × 10^k, about `target` of them. */
export function niceTicks(max: number, target = 6): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0];
  const raw = max / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => max / s <= target) ?? 10 * pow;
  const out: number[] = [];
  for (let i = 0; i * step <= max * (1 + 1e-9); i++) out.push(Number((i * step).toPrecision(12)));
  return out;
}

function fmtTick(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)));
}

/** A horizontal axis under a plot of width `w` and height `h` (plot coordinates), values 0..max. */
export function xAxis(w: number, h: number, max: number, title: string): string {
  const ticks = niceTicks(max, 10)
    .map((v) => {
      const x = max > 0 ? (v / max) * w : 0;
      return `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${h}" y2="${h + 4}" stroke="#444"/><text x="${x.toFixed(1)}" y="${h + 16}" font-size="10" text-anchor="middle">${fmtTick(v)}</text>`;
    })
    .join('');
  return `<line x1="0" x2="${w}" y1="${h}" y2="${h}" stroke="#444"/>${ticks}<text x="${w / 2}" y="${h + 32}" font-size="11" text-anchor="middle">${esc(title)}</text>`;
}

/** A vertical axis left of a plot of height `h`, values 0..max (top = max), tick labels with `suffix`. */
export function yAxis(h: number, max: number, title: string, suffix = '', ticks = niceTicks(max, 5)): string {
  const marks = ticks
    .map((v) => {
      const y = h - (max > 0 ? (v / max) * h : 0);
      return `<line x1="-4" x2="0" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#444"/><text x="-6" y="${(y + 3).toFixed(1)}" font-size="10" text-anchor="end">${fmtTick(v)}${esc(suffix)}</text>`;
    })
    .join('');
  return `<line x1="0" x2="0" y1="0" y2="${h}" stroke="#444"/>${marks}<text transform="translate(${-MARGIN_LEFT + 12},${h / 2}) rotate(-90)" font-size="11" text-anchor="middle">${esc(title)}</text>`;
}

/** An `<svg>` holding a plot of `w`×`h` placed inside the margins. */
export function plotSvg(w: number, h: number, body: string, label: string): string {
  return `<svg width="${w + MARGIN_LEFT + 20}" height="${h + MARGIN_TOP + MARGIN_BOTTOM}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(label)}"><g transform="translate(${MARGIN_LEFT},${MARGIN_TOP})">${body}</g></svg>`;
}
