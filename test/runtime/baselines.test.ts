// The planaria and prema baselines' rules against hand-computed cases.
import test from 'ava';
import { planariaGrants } from '../../runtime/scheduler/planaria.ts';
import { premaPick, premaWeight } from '../../runtime/scheduler/prema.ts';

const ALL = [1, 2, 4, 8];

test('planaria: each request gets the fewest tiles that meet its target, the rest is shared by score', (t) => {
  // Best-scored first: needs ≥ 2 tiles, then one that needs ≥ 4. Phase 1: 2 + 4 of 8;
  // the 2 left go to the best-scored request (2 → 4).
  t.deepEqual(
    planariaGrants(
      [
        { sizes: ALL, meets: [2, 4, 8] },
        { sizes: ALL, meets: [4, 8] },
      ],
      8,
    ),
    [4, 4],
  );
});

test('planaria: a request that cannot meet its target takes no tiles ahead of one that can', (t) => {
  // The hopeless request scores higher but gets nothing: the 4 free tiles are exactly what
  // the second needs (the old greedy rule gave the hopeless one all 4).
  t.deepEqual(
    planariaGrants(
      [
        { sizes: ALL, meets: [] },
        { sizes: ALL, meets: [4, 8] },
      ],
      4,
    ),
    [0, 4],
  );
  // With tiles to spare it gets its smallest size, then grows with what is left:
  // phase 1 gives the second 2 of 4; the first gets 1, then doubles to 2 with the last tile.
  t.deepEqual(
    planariaGrants(
      [
        { sizes: ALL, meets: [] },
        { sizes: ALL, meets: [2, 4, 8] },
      ],
      4,
    ),
    [2, 2],
  );
});

test('planaria: a size is taken only where the request can switch to it (layer boundary)', (t) => {
  // The first request can only continue on 2 tiles; the second meets with 1.
  t.deepEqual(
    planariaGrants(
      [
        { sizes: [2], meets: [2] },
        { sizes: ALL, meets: [1, 2, 4, 8] },
      ],
      3,
    ),
    [2, 1],
  );
});

test('prema: every priority earns tokens (weight priority + 1)', (t) => {
  t.is(premaWeight(0), 1);
  t.is(premaWeight(11), 12);
});

test('prema: the threshold is the highest level ≤ the largest token; shortest remaining among those at or above it', (t) => {
  const heads = [
    { id: 1, tok: 10, rem: 100 },
    { id: 2, tok: 2, rem: 10 },
    { id: 3, tok: 5, rem: 50 },
  ];
  const pick = (hs: typeof heads) =>
    premaPick(
      hs,
      (j) => j.tok,
      (j) => j.rem,
    )?.id;
  // max 10 → threshold 9: only request 1 qualifies, although it is the longest.
  t.is(pick(heads), 1);
  // max 5 → threshold 3: requests 3 (tok 5) and 4 (tok 3.5); the shorter, 4, runs.
  t.is(pick([heads[1]!, heads[2]!, { id: 4, tok: 3.5, rem: 20 }]), 4);
  // max 2 → threshold 1: all qualify; the shortest, 2.
  t.is(pick([heads[1]!, { id: 5, tok: 1.5, rem: 30 }]), 2);
  // equal remaining: the lower request id.
  t.is(
    pick([
      { id: 7, tok: 1, rem: 5 },
      { id: 6, tok: 1, rem: 5 },
    ]),
    6,
  );
  t.is(pick([]), undefined);
});
