// `hello` over a free-running board says so, with its speed; a bad speed is a config error.
import test from 'ava';
import { join } from 'node:path';
import { cli, FIXTURES } from '../runtime/cli-helpers.ts';

test('hello --json and hello over shm:emu@0.02 report a free-running board and its speed', async (t) => {
  const [json, text, lock] = await Promise.all([
    cli('hello', '--board', 'shm:emu@0.02', '--json'),
    cli('hello', '--board', 'shm:emu@0.02'),
    cli('hello', '--board', 'shm:emu', '--json'),
  ]);
  t.is(json.status, 0, json.stderr);
  const h = JSON.parse(json.stdout) as {
    capabilities: { lockstep: boolean };
    speed?: number;
    link: {
      samples: number;
      medianMs: number;
      maxMs: number;
      maxBoardCycles?: number;
      jitterCycles?: number;
    };
  };
  t.false(h.capabilities.lockstep);
  t.is(h.speed, 0.02);
  t.is(h.link.samples, 16);
  t.true(h.link.medianMs <= h.link.maxMs);
  t.is(
    h.link.maxBoardCycles,
    Math.ceil(h.link.maxMs * 20_000),
    'max round trip in board cycles at 0.02 × 1 GHz',
  );
  t.is(h.link.jitterCycles, Math.ceil(20 * h.link.maxMs * 20_000), 'J: 20 round trips at the max on 4 tiles');
  t.is(text.status, 0, text.stderr);
  t.regex(text.stdout, /clock: +free-running at speed 0\.02 \(20000000 cycles per host second\)/);
  t.regex(
    text.stdout,
    /round trip: median [\d.]+ (µs|ms), max [\d.]+ (µs|ms) over 16 register reads \(the max is \d+ board cycles/,
  );
  t.regex(text.stdout, /link jitter: J = \d+ cycles \(20 round trips at the max/);
  t.is(lock.status, 0, lock.stderr);
  const l = JSON.parse(lock.stdout) as {
    capabilities: { lockstep: boolean };
    speed?: number;
    link: { samples: number; maxBoardCycles?: number };
  };
  t.true(l.capabilities.lockstep);
  t.is(l.speed, undefined);
  t.is(l.link.samples, 16);
  t.is(l.link.maxBoardCycles, undefined, 'a lockstep board loses no board time to the link');
});

test('a speed that is not a positive number is a one-line config error', async (t) => {
  const r = await cli('hello', '--board', 'shm:emu@fast');
  t.is(r.status, 2, r.stderr);
  t.regex(r.stderr, /speed after @ must be a number above 0/);
});

test('compare runs every policy on a free-running board and says the rows depend on host timing', async (t) => {
  const r = await cli(
    'compare',
    join(FIXTURES, 'transports.json'),
    '--board',
    'shm:emu@0.02',
    '--policies',
    'cotenant,fcfs',
    '--link-jitter',
    '100us',
    '--json',
  );
  t.is(r.status, 0, r.stderr);
  const c = JSON.parse(r.stdout) as { lockstep: boolean; rows: { policy: string; requests: number }[] };
  t.false(c.lockstep);
  t.deepEqual(
    c.rows.map((x) => x.policy),
    ['cotenant', 'fcfs'],
  );
  t.true(c.rows.every((x) => x.requests > 0));
  const bad = await cli(
    'compare',
    join(FIXTURES, 'transports.json'),
    '--board',
    'shm:emu@0.02',
    '--link-jitter',
    'soon',
  );
  t.is(bad.status, 2, bad.stderr);
  t.regex(bad.stderr, /--link-jitter soon: give board cycles or a board time/);
});

test('analyze and run take a free-running board: costs measured on it, J counted, steps staged', async (t) => {
  const file = join(FIXTURES, 'free-running.json');
  const a = await cli('analyze', file, '--board', 'shm:emu@0.002', '--link-jitter', '100us', '--json');
  t.is(a.status, 0, a.stderr);
  const an = JSON.parse(a.stdout) as {
    feasible: boolean;
    link: { lockstep: boolean; jitter: number; source: string };
  };
  t.true(an.feasible);
  t.deepEqual(an.link, { lockstep: false, speed: 0.002, jitter: 100_000, source: 'given' });
  const r = await cli('run', file, '--board', 'shm:emu@0.002', '--link-jitter', '100000', '--json');
  t.is(r.status, 0, r.stderr);
  const run = JSON.parse(r.stdout) as {
    mode: string;
    tenants: { name: string; requests: number; missed: number; completed: number }[];
    boundaryIdle: { boundaries: number };
    hostReaction: number;
    link: { jitter: number };
  };
  t.is(run.mode, 'staged');
  t.true(run.boundaryIdle.boundaries > 0);
  t.is(
    run.tenants.reduce((s, x) => s + x.requests, 0),
    6,
  );
  t.is(run.link.jitter, 100_000);
  // a miss is allowed only when the host was measured slower than J (a loaded machine)
  if (run.hostReaction <= run.link.jitter) t.is(run.tenants[0]!.missed, 0);
  else t.log(`host reaction ${run.hostReaction} cycles > J: link assumption broken`);
  const bad = await cli('analyze', file, '--board', 'shm:emu@0.002', '--link-jitter', 'soon');
  t.is(bad.status, 2, bad.stderr);
  t.regex(bad.stderr, /--link-jitter soon: give board cycles or a board time/);
});
