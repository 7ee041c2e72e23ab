import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from './cli-helpers.ts';

interface PolicyJson {
  throughput: number;
  speedup: number;
  stp: number;
  fairness: number;
  arrayUtilization: number;
  dramUtilization: number;
  perTenant: { model: string; requests: number; completed: number; throughput: number }[];
  plan?: { mode: string; lanes: number[] };
}

test('eval gacer --json on a tiny mix: the documented shape, throughput = Σ per tenant, speed-ups against sequential; --report writes the charts', async (t) => {
  const dir = tempDir();
  const report = join(dir, 'sub', 'gacer.html');
  const r = await cli(
    'eval',
    'gacer',
    '--mixes',
    'yololite+kws',
    '--requests',
    '2',
    '--json',
    '--report',
    report,
  );
  t.is(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as {
    mixes: { name: string; models: string[]; policies: Record<string, PolicyJson> }[];
    wallSeconds: number;
  };
  t.is(typeof o.wallSeconds, 'number');
  t.is(o.mixes.length, 1);
  const m = o.mixes[0]!;
  t.is(m.name, 'yololite+kws');
  t.deepEqual(Object.keys(m.policies), ['sequential', 'naive', 'static-partition', 'cotenant']);
  const seq = m.policies['sequential']!;
  for (const [name, p] of Object.entries(m.policies)) {
    t.true(p.throughput > 0, name);
    const sum = p.perTenant.reduce((a, x) => a + x.throughput, 0);
    t.true(Math.abs(sum - p.throughput) < 1e-6 * p.throughput, `${name}: Σ per tenant`);
    t.true(Math.abs(p.speedup - p.throughput / seq.throughput) < 1e-9, `${name}: speed-up`);
    t.true(p.arrayUtilization > 0 && p.arrayUtilization <= 1, name);
    t.true(p.dramUtilization > 0 && p.dramUtilization <= 1, name);
    t.true(p.fairness > 0 && p.fairness <= 1, name);
    t.deepEqual(
      p.perTenant.map((x) => x.model),
      ['yololite', 'kws'],
    );
  }
  t.is(seq.speedup, 1);
  t.true(Math.abs(seq.stp - 1) < 1e-9, 'sequential round robin: STP 1');
  // Same work per tenant: kws (the heavier) makes 2 requests, yololite proportionally more.
  t.is(seq.perTenant[1]!.requests, 2);
  t.true(seq.perTenant[0]!.requests > 2);
  t.is(m.policies['cotenant']!.plan?.mode, 'throughput');
  t.is(
    m.policies['cotenant']!.plan!.lanes.reduce((a, b) => a + b, 0),
    8,
  );
  t.true(existsSync(report));
  const html = readFileSync(report, 'utf8');
  t.is((html.match(/<svg /g) ?? []).length, 3);
  t.true(html.includes('yololite+kws'));
});

test('eval gacer: unknown models and bad counts are usage errors that say what to give', async (t) => {
  const bad = await cli('eval', 'gacer', '--mixes', 'resnet50+nosuchnet');
  t.is(bad.status, 2);
  t.true(bad.stderr.includes('unknown model nosuchnet'), bad.stderr);
  const zero = await cli('eval', 'gacer', '--requests', '0');
  t.is(zero.status, 2);
  t.true(zero.stderr.includes('--requests'), zero.stderr);
});
