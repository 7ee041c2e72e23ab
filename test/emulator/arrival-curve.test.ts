// The arrival curve memory budgets rely on (runtime/admission/budget.ts): with no banked
// credit (THROTTLE_CREDIT = 0), a throttled read DMA reads at most T·t/W + σ beats in ANY
// interval of t cycles, whatever its demand pattern. Checked against the engine with
// adversarial patterns (idle then burst, on/off at the window period, random), and shown to
// fail for MoCA's engine with unlimited credit (why the cap is needed).
import test from 'ava';
import fc from 'fast-check';
import { ThrottleEngine } from '../../boards/emulator/index.ts';
import { burstAllowanceBeats } from '../../runtime/admission/budget.ts';

const BUS_BEATS = 2; // two 16-byte ports (loads and, counted too, stores): two beats per cycle at most

/** Drives the engine through phases of (cycles, demanded rate); the DMA reads the demand
 *  outside bubbles. Returns the cumulative-reads curve at every breakpoint. */
function drive(e: ThrottleEngine, phases: readonly { cycles: number; rate: number }[]) {
  const pts: { t: number; a: number }[] = [{ t: 0, a: 0 }];
  let t = 0;
  let a = 0;
  for (const ph of phases) {
    let left = ph.cycles;
    while (left > 0) {
      const rate = e.inBubble ? 0 : ph.rate;
      const dt = Math.min(left, e.untilNextChange(ph.rate));
      e.advance(dt, rate);
      t += dt;
      a += rate * dt;
      left -= dt;
      pts.push({ t, a });
    }
  }
  return pts;
}

/** Largest excess of reads over T·t/W across all intervals between breakpoints (the curve is
 *  piecewise linear, so extremes are at breakpoints). */
function worstExcess(pts: readonly { t: number; a: number }[], rate: number): number {
  let worst = 0;
  let minBefore = Number.POSITIVE_INFINITY; // min over s ≤ t of (a(s) − rate·s)
  for (const p of pts) {
    const v = p.a - rate * p.t;
    minBefore = Math.min(minBefore, v);
    worst = Math.max(worst, v - minBefore);
  }
  return worst;
}

const phase = fc.record({
  cycles: fc.integer({ min: 1, max: 5000 }),
  rate: fc.oneof(fc.constant(0), fc.constant(BUS_BEATS), fc.double({ min: 0, max: BUS_BEATS, noNaN: true })),
});

test('property: with no credit, reads in any interval stay within T·t/W + σ', (t) => {
  let checked = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 64, max: 2048 }),
      fc.integer({ min: 1, max: 512 }),
      fc.array(phase, { minLength: 1, maxLength: 40 }),
      (window, target, phases) => {
        const tl = Math.min(target, window); // a budget below the bus rate
        const e = new ThrottleEngine();
        e.configure(window, tl);
        e.setCreditCap(0);
        const pts = drive(e, phases);
        checked++;
        const sigma = burstAllowanceBeats({ window, targetLoad: tl, value: 1 }, 16);
        return worstExcess(pts, tl / window) <= sigma + 1e-6;
      },
    ),
    { seed: 77, numRuns: 400 },
  );
  t.is(checked, 400);
});

test('idle then burst: the bound holds with the cap, and breaks without it (MoCA banks credit)', (t) => {
  const window = 1024;
  const target = 64;
  const phases = [
    { cycles: 600_000, rate: 0 },
    { cycles: 100_000, rate: BUS_BEATS },
  ];
  const sigma = burstAllowanceBeats({ window, targetLoad: target, value: 1 }, 16);
  const capped = new ThrottleEngine();
  capped.configure(window, target);
  capped.setCreditCap(0);
  t.true(worstExcess(drive(capped, phases), target / window) <= sigma);
  const moca = new ThrottleEngine();
  moca.configure(window, target);
  // 600k idle cycles bank ~37,500 beats of credit, read back at the full bus rate.
  t.true(worstExcess(drive(moca, phases), target / window) > 3 * sigma);
});
