// The MoCA throttle engine, advanced by hand. Expected values are derived in the comments
// from the rules in docs/emulator.md, "The MoCA throttle engine" (window/target_load,
// outer += inner − target at each window end, bubble when 2·outer > target, bubble table),
// not from the code.
import test from 'ava';
import { ThrottleEngine } from '../../boards/emulator/index.ts';

/** Steps the engine event by event up to `cycles`, as the board does; returns stall cycles. */
function run(e: ThrottleEngine, rate: number, cycles: number): { stall: number; starts: number[] } {
  let t = 0;
  let stall = 0;
  const starts: number[] = [];
  while (t < cycles) {
    const dt = Math.min(e.untilNextChange(rate), cycles - t);
    const wasBubble = e.inBubble;
    if (wasBubble) stall += dt;
    e.advance(dt, wasBubble ? 0 : rate);
    t += dt;
    if (!wasBubble && e.inBubble) starts.push(t);
  }
  return { stall, starts };
}

test('0.75 beats/cycle against window 100 / target 50: bubble at 200 for 100 cycles', (t) => {
  // Each window adds 75 − 50 = 25 to outer. End of window 1 (cycle 100): outer 25, 2·25 = 50
  // is not > 50. End of window 2 (cycle 200): outer 50 → bubble; 50 ≥ target → bubble of a
  // whole window (100 cycles), outer −= 50 → 0.
  const e = new ThrottleEngine();
  e.configure(100, 50);
  t.is(e.untilNextChange(0.75), 200);
  e.advance(150, 0.75);
  t.false(e.inBubble);
  t.is(e.state().outer, 25);
  t.is(e.state().inner, 37.5);
  t.is(e.untilNextChange(0.75), 50);
  e.advance(50, 0.75);
  t.true(e.inBubble);
  t.is(e.state().bubbleLeft, 100);
  t.is(e.state().outer, 0);
  t.is(e.untilNextChange(0), 100);
  e.advance(100, 0);
  t.false(e.inBubble);
  // Monitoring resumes with a fresh window: the same pattern again.
  t.is(e.untilNextChange(0.75), 200);
});

test('sustained rate converges to target_load per window; stall cycles add up', (t) => {
  // Period: 200 open + 100 bubble = 300 cycles. In 3000 cycles: 10 bubbles, 1000 stalled,
  // 2000 open cycles × 0.75 = 1500 beats = 0.5 beats/cycle = target/window.
  const e = new ThrottleEngine();
  e.configure(100, 50);
  const { stall, starts } = run(e, 0.75, 3000);
  t.is(stall, 1000);
  t.deepEqual(starts, [200, 500, 800, 1100, 1400, 1700, 2000, 2300, 2600, 2900]);
});

test('one long advance equals stepping event by event (closed form skips windows)', (t) => {
  const a = new ThrottleEngine();
  const b = new ThrottleEngine();
  a.configure(1000, 700);
  b.configure(1000, 700);
  // Under budget (0.4·1000 = 400 < 700): never throttles, credit accumulates.
  t.is(a.untilNextChange(0.4), Number.POSITIVE_INFINITY);
  a.advance(1_000_000, 0.4);
  for (let i = 0; i < 1000; i++) b.advance(1000, 0.4);
  t.deepEqual(a.state(), b.state());
  t.is(a.state().outer, -300 * 1000);
});

test('bubble table: overshoot ≥ target repeats whole-window bubbles until repaid', (t) => {
  // 2 beats/cycle: window 1 ends with outer 200 − 50 = 150 ≥ 50 → bubble 100, outer 100;
  // at its end 2·100 > 50 → bubble 100, outer 50; then 2·50 > 50 → bubble 100, outer 0.
  const e = new ThrottleEngine();
  e.configure(100, 50);
  e.advance(100, 2);
  t.deepEqual([e.inBubble, e.state().outer, e.state().bubbleLeft], [true, 100, 100]);
  e.advance(100, 0);
  t.deepEqual([e.inBubble, e.state().outer, e.state().bubbleLeft], [true, 50, 100]);
  e.advance(100, 0);
  t.deepEqual([e.inBubble, e.state().outer, e.state().bubbleLeft], [true, 0, 100]);
  e.advance(100, 0);
  t.false(e.inBubble);
});

test('bubble table: the 0.75, 0.625 and 0.5 rows', (t) => {
  // target 50: 0.75·T = 25+12 = 37, 0.625·T = 25+6 = 31; window 100 → bubbles 75, 62, 50.
  const cases: [number, number, number][] = [
    // rate, bubble, outer after (outer at window end − subtracted)
    [0.9, 75, 40 - 37],
    [0.83, 62, 33 - 31],
    [0.78, 50, 28 - 25],
  ];
  for (const [rate, bubble, outerAfter] of cases) {
    const e = new ThrottleEngine();
    e.configure(100, 50);
    t.is(e.untilNextChange(rate), 100, `rate ${rate}`);
    e.advance(100, rate);
    t.true(e.inBubble);
    t.is(e.state().bubbleLeft, bubble, `rate ${rate}`);
    t.true(Math.abs(e.state().outer - outerAfter) < 1e-9, `rate ${rate}: outer ${e.state().outer}`);
  }
});

test('0/0 disables the engine; a register write resets it', (t) => {
  const off = new ThrottleEngine();
  off.configure(0, 0);
  t.false(off.enabled);
  t.is(off.untilNextChange(10), Number.POSITIVE_INFINITY);
  off.advance(1e6, 10);
  t.false(off.inBubble);
  const e = new ThrottleEngine();
  e.configure(100, 50);
  e.advance(200, 0.75);
  t.true(e.inBubble);
  e.configure(100, 50);
  t.false(e.inBubble);
  t.deepEqual(e.state(), { window: 100, targetLoad: 50, outer: 0, inner: 0, elapsed: 0, bubbleLeft: 0 });
});
