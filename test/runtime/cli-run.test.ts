// `cotenant run` end to end, from the command line: the --json fields, admission refusal
// and --no-admission, the Chrome trace, the HTML report, and usage errors.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDevice } from '../../runtime/cli/open-device.ts';
import { zooCompiler, zooLayers } from '../../runtime/executor/compile-adapter.ts';
import { runLoaded } from '../../runtime/executor/session.ts';
import { loadScenarioFile } from '../../runtime/scenario/resolve.ts';
import { POLICY_NAMES } from '../../runtime/scenario/schema.ts';
import { cli, FIXTURES, tempDir } from './cli-helpers.ts';

interface TenantJson {
  name: string;
  requests: number;
  completed: number;
  missed: number;
  dropped: number;
  rejected: number;
  slaRate: number;
  p50: number | null;
  p99: number | null;
}
interface RunJson {
  policy: string;
  tenants: TenantJson[];
  overall: Record<string, number>;
  traceDigest: string;
}

const SMALL = join(FIXTURES, 'transports.json');
const INFEASIBLE = join(FIXTURES, 'infeasible.json');

test('--json: tenants[] with counts, SLA and percentiles; overall metrics; the digest of the run', async (t) => {
  const r = await cli('run', SMALL, '--json');
  t.is(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as RunJson;
  t.is(o.policy, 'cotenant');
  t.deepEqual(
    o.tenants.map((x) => x.name),
    ['cam', 'alex', 'res'],
  );
  let completed = 0;
  for (const x of o.tenants) {
    t.true(x.requests > 0, x.name);
    t.is(
      x.completed + x.missed + x.dropped + x.rejected,
      x.requests,
      `${x.name}: every request counted once`,
    );
    t.is(x.slaRate, x.completed / x.requests, x.name);
    t.true(x.p50! > 0 && x.p50! <= x.p99!, `${x.name}: 0 < p50 <= p99`);
    completed += x.completed;
  }
  t.is(
    o.tenants.reduce((s, x) => s + x.requests, 0),
    16,
  ); // run.requests of the scenario
  for (const k of ['slaRate', 'stp', 'antt', 'fairness', 'tileUtilization', 'dramUtilization'])
    t.is(typeof o.overall[k], 'number', k);
  t.is(o.overall.slaRate, completed / 16);
  for (const k of ['tileUtilization', 'dramUtilization', 'fairness'])
    t.true(o.overall[k]! > 0 && o.overall[k]! <= 1, k);
  t.regex(o.traceDigest, /^[0-9a-f]{64}$/);
  // The CLI reports the run the library performs (same device kind, same digest).
  const device = await openDevice('emu');
  try {
    const lib = await runLoaded(loadScenarioFile(SMALL), {
      device,
      compile: zooCompiler(device.board),
      layersOf: zooLayers,
    });
    t.is(o.traceDigest, lib.traceDigest);
  } finally {
    await device.close();
  }
});

test('an infeasible scenario is refused (exit != 0) with what would make it fit', async (t) => {
  const r = await cli('run', INFEASIBLE);
  t.is(r.status, 1);
  t.regex(r.stderr, /admission rejects keyword/);
  t.regex(r.stderr, /a deadline of at least \d+ cycles for keyword \(now 2500000\)/);
  t.regex(r.stderr, /--no-admission/);
  t.is(r.stdout, '');
});

test('--no-admission runs it anyway; --trace writes a Chrome trace, --report a self-contained HTML page', async (t) => {
  const dir = tempDir();
  const tracePath = join(dir, 'trace.json');
  const reportPath = join(dir, 'report.html');
  const r = await cli(
    'run',
    INFEASIBLE,
    '--no-admission',
    '--json',
    '--trace',
    tracePath,
    '--report',
    reportPath,
  );
  t.is(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as RunJson;
  const requests = o.tenants.reduce((s, x) => s + x.requests, 0);
  t.is(requests, 24);
  const late = o.tenants.reduce((s, x) => s + x.missed + x.dropped + x.rejected, 0);
  t.true(late > 0, 'this scenario has late requests to mark');

  const trace = JSON.parse(readFileSync(tracePath, 'utf8')) as {
    traceEvents: { ph: string; name: string; tid?: number; args?: { name?: string } }[];
  };
  const ev = trace.traceEvents;
  // One named track per tile of the emu board (4 tiles), and every granule slice on one of them.
  const tracks = ev.filter(
    (e) => e.ph === 'M' && e.name === 'thread_name' && /^tile \d+$/.test(e.args?.name ?? ''),
  );
  t.deepEqual(
    tracks.map((e) => [e.tid, e.args!.name]),
    [
      [1, 'tile 0'],
      [2, 'tile 1'],
      [3, 'tile 2'],
      [4, 'tile 3'],
    ],
  );
  const slices = ev.filter((e) => e.ph === 'X');
  t.true(slices.length > 0);
  t.true(slices.every((e) => e.tid! >= 1 && e.tid! <= 4));
  // Behind the rejected keyword no granule of classify fits keyword's (negative) blocking
  // tolerance, so the planner keeps layer granules rather than shredding classify into
  // 1-cycle pieces: its requests run, and those that turn hopeless are dropped.
  for (const name of ['camera', 'keyword', 'classify']) {
    t.true(
      slices.some((e) => e.name.startsWith(`${name} #`)),
      `granules of ${name}`,
    );
  }
  const classify = o.tenants.find((x) => x.name === 'classify')!;
  t.true(classify.completed > 0, 'classify completes requests');
  t.is(classify.completed + classify.missed + classify.dropped + classify.rejected, classify.requests);
  // A deadline marker per request, a marker per late request.
  t.is(ev.filter((e) => e.ph === 'i' && e.name.startsWith('deadline ')).length, requests);
  t.is(ev.filter((e) => e.ph === 'i' && /^(missed|dropped|rejected) /.test(e.name)).length, late);
  t.true(
    ev.some((e) => e.ph === 'C' && e.name.startsWith('DRAM')),
    'DRAM bandwidth counter',
  );
  t.true(
    ev.some((e) => e.ph === 'C' && e.name.startsWith('throttle tile')),
    'throttle counters',
  );

  const html = readFileSync(reportPath, 'utf8');
  t.true(html.startsWith('<!doctype html>'));
  t.true(html.trimEnd().endsWith('</html>'));
  t.regex(html, /<svg[^>]*>/);
  t.true(html.includes(o.traceDigest));
  for (const x of o.tenants) t.true(html.includes(`<td>${x.name}</td>`), x.name);
  // Self-contained: no external scripts, stylesheets, images or fetches.
  t.notRegex(html, /<script[^>]*\ssrc=|<link\s|<img\s|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
});

test('a bad scenario: exit 2 naming the bad field', async (t) => {
  const r = await cli('run', join(FIXTURES, 'bad-field.json'));
  t.is(r.status, 2);
  t.regex(r.stderr, /tenants\[1\]\.arrival\.minGap: "soon" is not a duration/);
});

test('unknown --policy: exit 2 listing the valid policies', async (t) => {
  const r = await cli('run', SMALL, '--policy', 'edf');
  t.is(r.status, 2);
  t.true(r.stderr.includes(`unknown policy "edf"; valid policies: ${POLICY_NAMES.join(', ')}`), r.stderr);
});
