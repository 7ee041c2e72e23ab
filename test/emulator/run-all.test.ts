// The test helper runAll() must fail when a program outlives its cycle cap instead of
// returning the partial event list as if the board had gone idle.
import test from 'ava';
import { DRAM, MiB, board, busyTiles, doneCycle, launch, matmulProgram, runAll } from './helpers.ts';

const spec = {
  I: 64,
  J: 64,
  K: 64,
  tileI: 64,
  tileJ: 64,
  tileK: 64,
  a: DRAM + MiB,
  b: DRAM + 2 * MiB,
  c: DRAM + 3 * MiB,
};

test('runAll throws when a tile is still busy at the cap', (t) => {
  const b = board();
  launch(b, 0, DRAM, matmulProgram(spec));
  const err = t.throws(() => runAll(b, 10));
  t.regex(err.message, /tiles 0 still busy at the cycle cap 10/);
  t.deepEqual(busyTiles(b), [0]);
});

test('runAll returns every event once the board is idle', (t) => {
  const b = board();
  launch(b, 0, DRAM, matmulProgram(spec));
  const events = runAll(b);
  t.true(doneCycle(events, 0) > 10);
  t.deepEqual(busyTiles(b), []);
});
