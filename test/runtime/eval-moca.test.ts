// `cotenant eval moca`: the protocol's scenarios, the examples generated from them, the
// --json shape, the summary against the targets, and one small run through the CLI.
import test from 'ava';
import { readFileSync } from 'node:fs';
import type { CellResult, PolicyFigures } from '../../runtime/eval/moca-cell.ts';
import { evalJson, summarize } from '../../runtime/eval/moca-eval.ts';
import { cellName, mocaCells, mocaScenario } from '../../runtime/eval/moca-protocol.ts';
import { mocaFigures, mocaReportHtml } from '../../runtime/eval/moca-report.ts';
import { loadScenario } from '../../runtime/scenario/resolve.ts';
import { cli, ROOT, tempDir } from './cli-helpers.ts';

test('examples/moca-*.json are the protocol’s scenarios (run `npm run eval:docs` after changing it)', (t) => {
  for (const cell of mocaCells()) {
    const file = `${ROOT}examples/${cellName(cell)}.json`;
    t.deepEqual(JSON.parse(readFileSync(file, 'utf8')), mocaScenario(cell), file);
  }
});

test('every protocol scenario is valid; the guaranteed variant adds two guaranteed periodic cameras', (t) => {
  for (const cell of mocaCells()) {
    const l = loadScenario(mocaScenario(cell), cellName(cell), '.');
    const g = l.scenario.tenants.filter((x) => x.guaranteed);
    t.is(g.length, cell.guaranteed ? 2 : 0);
    for (const x of g) t.is(x.arrival.kind, 'periodic');
    t.is(l.scenario.streams?.count, 4);
  }
});

test('--instances 4: the model tenants may run four requests at once; the cameras stay at one', (t) => {
  for (const cell of mocaCells(['C'], ['M'])) {
    const one = loadScenario(mocaScenario(cell), cellName(cell), '.').scenario;
    const four = loadScenario(mocaScenario(cell, { instances: 4 }), cellName(cell), '.').scenario;
    t.true(one.tenants.every((x) => x.instances === 1));
    for (const x of four.tenants) t.is(x.instances, x.guaranteed ? 1 : 4, x.name);
  }
});

const fig = (sla: number, stp: number, fairness: number, gm = 0): PolicyFigures => ({
  slaRate: sla,
  slaHigh: Number.NaN,
  stp,
  antt: 2,
  fairness,
  guaranteedMisses: gm,
  requests: 100,
  tileUtilization: 1,
  dramUtilization: 0.5,
});

const cells: CellResult[] = [
  {
    cell: { set: 'A', qos: 'H', guaranteed: false },
    policies: {
      cotenant: fig(0.5, 2, 0.2),
      prema: fig(0.51, 2.5, 0.1),
      moca: fig(0.3, 1, 0.1),
      'static-partition': fig(0.28, 1, 0.1),
    },
    guaranteedLatencies: {},
  },
  {
    cell: { set: 'B', qos: 'M', guaranteed: true },
    policies: {
      cotenant: fig(0.6, 3, 0.3, 0),
      prema: fig(0.65, 1.5, 0.1, 2),
      moca: fig(0.4, 1, 0.15, 3),
      'static-partition': fig(0.5, 1, 0.1, 1),
    },
    guaranteedLatencies: { cotenant: [0.5, 0.9], prema: [0.5, 1.2] },
  },
];

test('--json has exactly the documented shape; NaN becomes null', (t) => {
  const j = JSON.parse(JSON.stringify(evalJson(cells, 12.34))) as {
    cells: {
      set: string;
      qos: string;
      guaranteed: boolean;
      policies: Record<string, Record<string, unknown>>;
    }[];
    wallSeconds: number;
  };
  t.deepEqual(Object.keys(j), ['cells', 'wallSeconds']);
  t.is(j.wallSeconds, 12.3);
  t.deepEqual(Object.keys(j.cells[0]!), ['set', 'qos', 'guaranteed', 'policies']);
  t.deepEqual(Object.keys(j.cells[0]!.policies.cotenant!), [
    'slaRate',
    'slaHigh',
    'stp',
    'antt',
    'fairness',
    'guaranteedMisses',
  ]);
  t.is(j.cells[0]!.policies.cotenant!.slaHigh, null);
  t.is(j.cells[1]!.guaranteed, true);
});

test('the summary compares cotenant with the best other policy per cell, moca with static-partition', (t) => {
  const s = summarize(cells);
  // A-H: prema is 1 request ahead (within one); B-M: prema 5 ahead.
  t.is(s.verdicts[0]!.slaLeadRequests, -1);
  t.is(s.verdicts[0]!.bestSlaOther, 'prema');
  t.is(s.verdicts[1]!.slaLeadRequests, -5);
  t.is(s.slaWithinOne, 1);
  // STP ÷ best other: 2 / 2.5 and 3 / 1.5 → mean 1.4.
  t.is(Math.round(s.meanStpRatio * 1000), 1400);
  // fairness ÷ moca: 2 and 2 → geomean 2.
  t.is(Math.round(s.fairnessVsMoca * 1000), 2000);
  // moca vs static only in plain cells: A-H, 2 requests above.
  t.is(s.mocaStaticCells, 1);
  t.is(s.mocaAboveStatic, 1);
  t.is(s.verdicts[0]!.mocaOverStaticRequests, 2);
  t.is(s.cotenantGuaranteedMisses, 0);
  t.is(s.guaranteedCells, 1);
});

test('the report draws bars per variant and a latency CDF per set with guaranteed cells', (t) => {
  const figs = mocaFigures(cells);
  t.deepEqual(
    figs.map((f) => f.file),
    [
      'sla.svg',
      'stp.svg',
      'fairness.svg',
      'sla-guaranteed.svg',
      'stp-guaranteed.svg',
      'fairness-guaranteed.svg',
      'cdf-cameras-B.svg',
    ],
  );
  for (const f of figs) t.regex(f.svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  // deterministic bytes
  t.deepEqual(
    mocaFigures(cells).map((f) => f.svg),
    figs.map((f) => f.svg),
  );
  const html = mocaReportHtml(cells, { requests: 100, seed: 1 });
  t.regex(html, /<h2>Cells with guaranteed cameras<\/h2>/);
  t.is(html.match(/<svg /g)?.length, figs.length);
});

test('cotenant eval moca: one small cell on a worker thread, --json and --report', async (t) => {
  const dir = tempDir();
  const r = await cli(
    'eval',
    'moca',
    '--sets',
    'a',
    '--qos',
    'M',
    '--policies',
    'cotenant,prema',
    '--requests',
    '12',
    '--workers',
    '1',
    '--json',
    '--report',
    `${dir}/r.html`,
  );
  t.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    cells: { set: string; policies: Record<string, { slaRate: number }> }[];
  };
  t.is(j.cells.length, 1);
  t.is(j.cells[0]!.set, 'A');
  t.deepEqual(Object.keys(j.cells[0]!.policies), ['cotenant', 'prema']);
  t.true(j.cells[0]!.policies.cotenant!.slaRate >= 0 && j.cells[0]!.policies.cotenant!.slaRate <= 1);
  t.regex(readFileSync(`${dir}/r.html`, 'utf8'), /<svg /);
});

test('cotenant eval moca: a bad set or count is a clear error', async (t) => {
  const r = await cli('eval', 'moca', '--sets', 'A,D');
  t.not(r.status, 0);
  t.regex(r.stderr, /--sets: unknown "D"; give a comma-separated list of A, B, C/);
  const n = await cli('eval', 'moca', '--requests', '0');
  t.not(n.status, 0);
  t.regex(n.stderr, /--requests: must be an integer ≥ 1/);
  const i = await cli('eval', 'moca', '--instances', '65');
  t.not(i.status, 0);
  t.regex(i.stderr, /--instances: at most 64, got 65/);
});
