// The HTML report explains itself: the admission table (bound, verdict, slack), metric
// definitions, estimated DRAM traffic against the board's peak and every throttled step,
// labelled axes, and points off the latency scale marked instead of silently pinned.
import test from 'ava';
import { join } from 'node:path';
import { EMU } from '../../boards/definitions.ts';
import { decodeThrottle } from '../../boards/registers.ts';
import { openDevice } from '../../runtime/cli/open-device.ts';
import { zooCompiler, zooLayers } from '../../runtime/executor/compile-adapter.ts';
import { runLoaded, type SessionResult } from '../../runtime/executor/session.ts';
import { ADMISSION_METRICS, RUN_METRICS } from '../../runtime/metrics/definitions.ts';
import type { RequestRecord } from '../../runtime/metrics/metrics.ts';
import { htmlReport, LATENCY_SCALE_MAX, latencyChart } from '../../runtime/report/html.ts';
import { esc, niceTicks } from '../../runtime/report/svg.ts';
import { loadScenarioFile } from '../../runtime/scenario/resolve.ts';
import type { PolicyName } from '../../runtime/scenario/schema.ts';
import { FIXTURES } from './cli-helpers.ts';

const SMALL = join(FIXTURES, 'transports.json');

async function runSmall(policy?: PolicyName): Promise<SessionResult> {
  const device = await openDevice('emu');
  try {
    return await runLoaded(loadScenarioFile(SMALL), {
      device,
      compile: zooCompiler(device.board),
      layersOf: zooLayers,
      ...(policy === undefined ? {} : { policy }),
    });
  } finally {
    await device.close();
  }
}

test('cotenant run: admission table, definitions, DRAM plot with the peak, axis titles', async (t) => {
  const r = await runSmall();
  const html = htmlReport(r, 'small', EMU, 'three tenants <on> emu');
  t.true(html.includes('<p>three tenants &lt;on&gt; emu</p>'), 'the description, escaped');
  for (const th of [
    'bound (k cyc)',
    'worst observed (k cyc)',
    'deadline (k cyc)',
    'slack (k cyc)',
    'verdict',
    'lane',
  ])
    t.true(html.includes(`<th>${th}</th>`), th);
  const a = r.admission!;
  for (const v of a.tenants) {
    const row = new RegExp(`<tr><td>${v.name}</td>.*?<td class="${v.verdict}">${v.verdict}</td></tr>`);
    t.regex(html, row, v.name);
    const bound = Number.isFinite(v.bound) ? (v.bound / 1e3).toFixed(1) : 'unbounded';
    t.true(html.includes(`<td>${bound}</td>`), `${v.name} bound`);
    // Bound vs observed: the worst response of the tenant's requests that ran, beside it.
    const i = a.tenants.indexOf(v);
    const worst = Math.max(
      0,
      ...r.exec.records
        .filter((x) => x.tenant === i && (x.outcome === 'completed' || x.outcome === 'missed'))
        .map((x) => x.end - x.arrival),
    );
    t.true(html.includes(`<td>${bound}</td><td>${(worst / 1e3).toFixed(1)}</td>`), `${v.name} observed`);
  }
  t.true(html.includes('certificate held'), 'no guaranteed request broke its bound');
  t.true(html.includes(`lanes ${a.lanes.map((l) => `[${l.join(',')}]`).join(' ')}`));
  for (const m of [...RUN_METRICS, ...ADMISSION_METRICS])
    t.true(html.includes(`<dt>${esc(m.term)}</dt><dd>${esc(m.meaning)}</dd>`), m.term);
  t.true(html.includes(`board peak ${EMU.dramBytesPerCycle.toFixed(1)} B/cycle`));
  for (const axis of [
    'DRAM bytes/cycle (est.)',
    'board time (ms)',
    'latency / deadline',
    'arrival time (ms)',
  ])
    t.true(html.includes(`>${axis}</text>`), axis);
  t.is(html.match(/<svg /g)!.length, 4, 'timeline, DRAM, throttle, latency');
});

test('every throttled step is drawn on its tile; a policy without admission says so', async (t) => {
  const r = await runSmall('moca');
  t.is(r.admission, undefined);
  let throttled = 0;
  const starts = new Map<string, { tiles: readonly number[]; throttle: readonly number[] }>();
  for (const e of r.exec.trace) {
    if (e.k === 'start') starts.set(`${e.req}:${e.step}`, e);
    if (e.k === 'stepdone') {
      const s = starts.get(`${e.req}:${e.step}`)!;
      throttled += s.throttle.filter((v) => decodeThrottle(v).window !== 0).length;
    }
  }
  t.true(throttled > 0, 'moca throttles co-runners in this scenario');
  const html = htmlReport(r, 'small', EMU);
  t.is(html.match(/throttled to ≤ \d+ read beats per \d+ cycles/g)?.length, throttled);
  t.false(html.includes('no step was throttled'));
  t.true(html.includes('runs without admission control'));
  t.false(html.includes('<th>slack (k cyc)</th>'));
});

test('latency points beyond the scale are marked as clipped, with a count', (t) => {
  const rec = (
    id: number,
    latency: number,
    outcome: RequestRecord['outcome'] = 'completed',
  ): RequestRecord => ({
    id,
    tenant: 0,
    arrival: 1000,
    deadline: 1000 + 100,
    outcome,
    end: 1000 + latency,
  });
  const x = (c: number) => c / 10;
  const svg = latencyChart(
    [rec(1, 50), rec(2, 500, 'missed'), rec(3, 180), rec(4, 0, 'dropped')],
    ['cam'],
    x,
    1,
  );
  t.is(svg.match(/<circle /g)?.length, 2, 'in range: 0.5× and 1.8×');
  t.is(svg.match(/class="clipped"/g)?.length, 1, '5× is beyond the scale');
  t.regex(svg, /cam #2: 5\.00 × deadline \(off the scale\)/);
  t.true(svg.includes(`1 request took longer than ${LATENCY_SCALE_MAX}× the deadline`));
  t.false(latencyChart([rec(1, 50)], ['cam'], x, 1).includes('took longer'));
});

test('nice ticks: 1, 2 or 5 × 10^k, from 0 to at most max', (t) => {
  t.deepEqual(niceTicks(42, 10), [0, 5, 10, 15, 20, 25, 30, 35, 40]);
  t.deepEqual(niceTicks(1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  t.deepEqual(niceTicks(0), [0]);
  t.deepEqual(niceTicks(17.6, 5), [0, 5, 10, 15]);
});
