import test from 'ava';
import { XMLValidator } from 'fast-xml-parser';
import { barHeight, cdfChart, cdfPoints, groupedBarChart, labelLines } from '../../runtime/report/charts.ts';
import { gacerReport } from '../../runtime/report/gacer-html.ts';
import type { GacerMixResult, GacerPolicyResult } from '../../runtime/eval/gacer.ts';

const bars = (svg: string) =>
  [
    ...svg.matchAll(
      /<rect class="bar" x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"[^>]*data-value="([^"]+)"/g,
    ),
  ].map((m) => ({ x: Number(m[1]), y: Number(m[2]), h: Number(m[3]), v: Number(m[4]) }));

test('grouped bar chart: well-formed SVG, axis title, legend, one bar per value, heights monotone in the value', (t) => {
  const svg = groupedBarChart({
    title: 'Speed-up <over> "sequential" & more',
    yTitle: 'speed-up (×)',
    series: ['sequential', 'naive', 'cotenant'],
    groups: [
      { label: 'resnet50+mobilenetv2', values: [1, 1.9, 2.2] },
      { label: 'a+b+c+d+e+f+g+h', values: [1, Number.NaN, 0.4] },
    ],
    reference: 1,
  });
  t.is(XMLValidator.validate(svg), true);
  t.true(svg.includes('speed-up (×)'));
  t.true(svg.includes('&lt;over&gt; &quot;sequential&quot; &amp; more'));
  for (const s of ['sequential', 'naive', 'cotenant']) t.true(svg.includes(`>${s}</text>`), s);
  const b = bars(svg);
  t.is(b.length, 5, 'NaN draws no bar');
  const sorted = [...b].sort((p, q) => p.v - q.v);
  for (let i = 1; i < sorted.length; i++) {
    t.true(sorted[i]!.h >= sorted[i - 1]!.h, 'larger value, taller bar');
    if (sorted[i]!.v > sorted[i - 1]!.v) t.true(sorted[i]!.h > sorted[i - 1]!.h);
  }
  // Linear: height ÷ value is the same for every bar (the tallest is not clipped at a tick).
  const k = b.map((p) => p.h / p.v);
  for (const x of k) t.true(Math.abs(x / k[0]! - 1) < 0.01, `${x} vs ${k[0]}`);
  // Bars stand on the axis: y + height is the same baseline for all.
  t.is(new Set(b.map((p) => (p.y + p.h).toFixed(1))).size, 1);
  t.is((svg.match(/class="reference"/g) ?? []).length, 1);
  // The second group's label is split over lines.
  t.true(labelLines('a+b+c+d+e+f+g+h', 6).length > 1);
});

test('barHeight: linear in the value, 0 for non-positive or non-finite, capped at the scale', (t) => {
  t.is(barHeight(0, 10, 200), 0);
  t.is(barHeight(-1, 10, 200), 0);
  t.is(barHeight(Number.NaN, 10, 200), 0);
  t.is(barHeight(5, 10, 200), 100);
  t.is(barHeight(10, 10, 200), 200);
  t.is(barHeight(20, 10, 200), 200);
});

test('CDF chart: well-formed, x axis title, marker, steps rise left to right to 1', (t) => {
  const pts = cdfPoints([30, 10, 20, Number.NaN, 40]);
  t.deepEqual(
    pts.map((p) => p.x),
    [10, 20, 30, 40],
  );
  t.deepEqual(
    pts.map((p) => p.p),
    [0.25, 0.5, 0.75, 1],
  );
  const svg = cdfChart({
    title: 'Latency of cam',
    xTitle: 'response (ms)',
    series: [
      { label: 'cotenant', values: [1, 2, 3, 4] },
      { label: 'moca', values: [2, 4, 6, 8] },
    ],
    marker: { x: 5, label: 'deadline' },
  });
  t.is(XMLValidator.validate(svg), true);
  t.true(svg.includes('response (ms)'));
  t.true(svg.includes('fraction of requests'));
  t.true(svg.includes('>deadline</text>'));
  const paths = [...svg.matchAll(/<path class="cdf" d="([^"]+)"/g)].map((m) => m[1]!);
  t.is(paths.length, 2);
  for (const d of paths) {
    const coords = [...d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map(
      (m) => [Number(m[1]), Number(m[2])] as const,
    );
    for (let i = 1; i < coords.length; i++) {
      t.true(coords[i]![0] >= coords[i - 1]![0], 'x never goes back');
      t.true(coords[i]![1] <= coords[i - 1]![1], 'y never goes down (SVG y grows downwards)');
    }
  }
  // The slower series' last step is further right.
  const lastX = paths.map((d) => Number(/L([\d.]+),[\d.]+$/.exec(d)![1]));
  t.true(lastX[1]! > lastX[0]!);
});

test('the eval gacer report embeds the charts and a table per mix', (t) => {
  const row = (throughput: number, speedup: number): GacerPolicyResult => ({
    throughput,
    speedup,
    stp: speedup,
    fairness: 1,
    arrayUtilization: 0.9,
    dramUtilization: 0.8,
    windowCycles: 1e6,
    totalCycles: 2e6,
    perTenant: [{ model: 'kws', requests: 2, completed: 2, throughput }],
  });
  const mixes: GacerMixResult[] = [
    { name: 'kws+kws', models: ['kws', 'kws'], policies: { sequential: row(10, 1), cotenant: row(15, 1.5) } },
  ];
  const html = gacerReport(mixes, 'moca-8t', 2);
  t.is((html.match(/<svg /g) ?? []).length, 3);
  t.true(html.includes('<h3>kws+kws</h3>'));
  for (const svg of html.match(/<svg [\s\S]*?<\/svg>/g) ?? []) t.is(XMLValidator.validate(svg), true);
});
