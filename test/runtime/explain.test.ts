// A first run that explains itself: `run --explain` (what `npm run demo` runs) prints the
// scenario's description, what every figure means and what to try next; phase lines go to
// stderr even when it is not a terminal; output files may name folders that do not exist.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMISSION_METRICS, RUN_METRICS } from '../../runtime/metrics/definitions.ts';
import { cli, FIXTURES, ROOT, tempDir } from './cli-helpers.ts';

const SMALL = join(FIXTURES, 'transports.json');
const TERMS = [...RUN_METRICS, ...ADMISSION_METRICS].map((m) => m.term);

test('run --explain: description, every definition, next commands; phases on a non-TTY stderr; output folders created', async (t) => {
  const dir = tempDir();
  const trace = join(dir, 'new', 'a', 'trace.json');
  const report = join(dir, 'new', 'b', 'report.html');
  const r = await cli('run', SMALL, '--explain', '--trace', trace, '--report', report);
  t.is(r.status, 0, r.stderr);
  const scenario = JSON.parse(readFileSync(SMALL, 'utf8')) as { description: string };
  t.true(
    r.stdout.startsWith(
      `scenario transport-digest (3 tenants, board emu, policy cotenant):\n  ${scenario.description}\n`,
    ),
    r.stdout.slice(0, 300),
  );
  const explained = r.stdout.slice(r.stdout.indexOf('What the numbers mean'));
  for (const m of [...RUN_METRICS, ...ADMISSION_METRICS])
    t.true(explained.includes(`${m.term}`) && explained.includes(m.meaning), m.term);
  t.regex(explained, /Next:\n {2}npx cotenant analyze .*transports\.json/);
  // stderr is a pipe here, not a terminal: the phases still show, in order
  const phases = ['measuring isolated latencies…', 'admission', 'compiling and uploading…', 'running…'];
  const at = phases.map((p) => r.stderr.indexOf(p));
  t.true(
    at.every((i) => i >= 0),
    r.stderr,
  );
  t.deepEqual(
    [...at].sort((a, b) => a - b),
    at,
  );
  t.regex(r.stderr, /running: 16\/16 requests/);
  t.true(existsSync(trace) && existsSync(report));
  t.false(existsSync(`${trace}.tmp`), 'no temporary file left behind');
});

test('without --explain or with --json: no legend; --json keeps stdout pure JSON', async (t) => {
  const r = await cli('run', SMALL, '--json');
  t.is(r.status, 0, r.stderr);
  t.notThrows(() => JSON.parse(r.stdout));
  t.false(r.stdout.includes('What the numbers mean'));
});

test('npm run demo explains itself; docs/scenario.md and the README define the same figures', (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { demo: string } };
  t.regex(pkg.scripts.demo, /run examples\/quickstart\.json --explain$/);
  const doc = readFileSync(join(ROOT, 'docs/scenario.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## What the numbers mean'));
  t.true(section.length > 0 && doc.includes('## What the numbers mean'));
  for (const term of TERMS) t.true(section.includes(`| **${term}** |`), `docs/scenario.md defines ${term}`);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const term of ['SLA', 'STP', 'ANTT', 'fairness', 'lanes', 'bound', 'slack'])
    t.true(readme.includes(`**${term}**`), `README defines ${term}`);
});
