// The published entry point: `import { openBoard, loadModel, Runtime } from 'cotenant'`
// resolves through package.json "exports" to the bundle and its .d.ts types (built by
// `npm run build`, which npm test runs first), and the example application runs on it.
import { spawnSync } from 'node:child_process';
import test from 'ava';
import { ROOT } from '../runtime/cli-helpers.ts';

test('the example app type-checks against the published .d.ts and runs on the bundle', (t) => {
  const tsc = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'examples/app/tsconfig.json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  t.is(tsc.status, 0, tsc.stdout + tsc.stderr);
  const run = spawnSync(process.execPath, ['--import=tsx', 'examples/app/app.ts', 'emu'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  t.is(run.status, 0, run.stderr);
  t.regex(run.stdout, /admitted camera: guaranteed, bound \d+ cycles/);
  t.regex(run.stdout, /camera: 20 requests, latency mean [\d.]+ µs, max [\d.]+ µs, deadline misses 0/);
  t.regex(run.stdout, /keyword: 12 requests, latency mean/);
  t.regex(run.stdout, /keyword-2: 4 requests, latency mean/);
  t.regex(run.stdout, /tenants added while others ran: 1; certificate violations: 0/);
});

test('the bundle exports the API', async (t) => {
  const entry = 'cotenant'; // not a literal: typecheck runs before the build that creates the types
  const api = (await import(entry)) as Record<string, unknown>;
  t.is(typeof api.openBoard, 'function');
  t.is(typeof api.loadModel, 'function');
  t.is(typeof api.Runtime, 'function');
});
