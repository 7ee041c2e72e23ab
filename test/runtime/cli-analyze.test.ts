// `cotenant analyze` and `cotenant compare` from the command line.
import test from 'ava';
import { join } from 'node:path';
import { COMPARE_POLICIES, POLICY_NAMES } from '../../runtime/scenario/schema.ts';
import { cli, FIXTURES } from './cli-helpers.ts';

interface AnalyzedTenant {
  name: string;
  verdict: string;
  bound: number | null;
  deadline: number;
  slack: number | null;
  suggestions: string[];
}

test('analyze: an admitted scenario → exit 0, guaranteed tenants bounded within their deadlines', async (t) => {
  const r = await cli('analyze', join(FIXTURES, 'transports.json'), '--json');
  t.is(r.status, 0, r.stderr);
  // stderr is a pipe: the phases still show, so a slow serial board does not look hung
  t.regex(r.stderr, /measuring isolated latencies…\n.*analysing/s);
  const o = JSON.parse(r.stdout) as { feasible: boolean; tenants: AnalyzedTenant[] };
  t.true(o.feasible);
  const cam = o.tenants.find((x) => x.name === 'cam')!;
  t.is(cam.verdict, 'guaranteed');
  t.true(cam.bound! <= cam.deadline);
  t.is(cam.slack, cam.deadline - cam.bound!);
  t.deepEqual(
    o.tenants.filter((x) => x.name !== 'cam').map((x) => x.verdict),
    ['best-effort', 'best-effort'],
  );
});

test('analyze: a rejected tenant → exit 1, bound, deadline, slack and what would make it fit', async (t) => {
  const [text, json] = await Promise.all([
    cli('analyze', join(FIXTURES, 'infeasible.json')),
    cli('analyze', join(FIXTURES, 'infeasible.json'), '--json'),
  ]);
  t.is(json.status, 1, json.stderr);
  const o = JSON.parse(json.stdout) as { feasible: boolean; tenants: AnalyzedTenant[] };
  t.false(o.feasible);
  const kws = o.tenants.find((x) => x.name === 'keyword')!;
  t.is(kws.verdict, 'rejected');
  t.is(kws.deadline, 2_500_000); // 2.5 ms at the emu board's 1 GHz
  t.true(kws.bound! > kws.deadline);
  t.is(kws.slack, kws.deadline - kws.bound!);
  t.true(
    kws.suggestions.includes(`a deadline of at least ${kws.bound} cycles for keyword (now 2500000)`),
    kws.suggestions.join(' | '),
  );
  t.is(text.status, 1);
  t.regex(text.stdout, /REJECTED/);
  t.regex(
    text.stdout,
    /keyword is rejected; it would fit with:\n {2}- a deadline of at least \d+ cycles for keyword/,
  );
});

interface Row {
  policy: string;
  slaRate: number;
  stp: number;
  antt: number;
  fairness: number;
  guaranteedSlaRate: number | null;
  traceDigest: string;
}
interface Ratio {
  ratio: number | null;
  against: string;
}

test('compare: one row per policy on the same arrivals; rows are the runs `run --policy` gives; ratios', async (t) => {
  const file = join(FIXTURES, 'transports.json');
  const [cmp, cot, moca] = await Promise.all([
    cli('compare', file, '--json'),
    cli('run', file, '--json'),
    cli('run', file, '--json', '--policy', 'moca'),
  ]);
  t.is(cmp.status, 0, cmp.stderr);
  for (const [i, p] of COMPARE_POLICIES.entries())
    t.true(cmp.stderr.includes(`running ${p} (${i + 1}/${COMPARE_POLICIES.length})…`), p);
  const o = JSON.parse(cmp.stdout) as {
    rows: Row[];
    vsMoca: Record<string, Ratio>;
    vsBestBaseline: Record<string, Ratio>;
  };
  t.deepEqual(
    o.rows.map((r) => r.policy),
    [...COMPARE_POLICIES],
  );
  const row = (p: string) => o.rows.find((r) => r.policy === p)!;
  t.is(row('cotenant').traceDigest, (JSON.parse(cot.stdout) as Row).traceDigest);
  t.is(row('moca').traceDigest, (JSON.parse(moca.stdout) as Row).traceDigest);
  const c = row('cotenant');
  const m = row('moca');
  t.is(o.vsMoca.stp!.ratio, c.stp / m.stp);
  t.is(o.vsMoca.antt!.ratio, m.antt / c.antt); // lower ANTT is better: other ÷ cotenant
  const others = o.rows.filter((r) => r.policy !== 'cotenant');
  const bestStp = Math.max(...others.map((r) => r.stp));
  t.is(o.vsBestBaseline.stp!.ratio, c.stp / bestStp);
  t.is(row(o.vsBestBaseline.stp!.against).stp, bestStp);
  t.is(o.vsBestBaseline.slaRate!.ratio, c.slaRate / Math.max(...others.map((r) => r.slaRate)));
  t.is(c.guaranteedSlaRate, 1); // cam is admitted: every one of its requests meets its deadline
});

test('compare: --policies subset, and an unknown policy named with the valid ones (exit 2)', async (t) => {
  const file = join(FIXTURES, 'transports.json');
  const [sub, bad] = await Promise.all([
    cli('compare', file, '--policies', 'fcfs,cotenant'),
    cli('compare', file, '--policies', 'cotenant,edf'),
  ]);
  t.is(sub.status, 0, sub.stderr);
  const lines = sub.stdout.split('\n');
  t.truthy(lines.find((l) => l.startsWith('fcfs ')));
  t.truthy(lines.find((l) => l.startsWith('cotenant ')));
  t.falsy(lines.find((l) => l.startsWith('moca ')));
  t.regex(sub.stdout, /cotenant vs best other: SLA ×[\d.]+ \(fcfs\)/);
  t.is(bad.status, 2);
  t.true(bad.stderr.includes(`unknown policy "edf"; valid policies: ${POLICY_NAMES.join(', ')}`), bad.stderr);
});
