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
    link: { samples: number; medianMs: number; maxMs: number; maxBoardCycles?: number };
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
  t.is(text.status, 0, text.stderr);
  t.regex(text.stdout, /clock: +free-running at speed 0\.02 \(20000000 cycles per host second\)/);
  t.regex(
    text.stdout,
    /round trip: median [\d.]+ (µs|ms), max [\d.]+ (µs|ms) over 16 register reads \(the max is \d+ board cycles/,
  );
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

test('run refuses a free-running board with a config error (the executor drives lockstep boards)', async (t) => {
  const r = await cli('run', join(FIXTURES, 'transports.json'), '--board', 'shm:emu@0.02');
  t.is(r.status, 2, r.stderr);
  t.regex(r.stderr, /free-running board \(speed 0\.02\).*lockstep boards only/);
});
