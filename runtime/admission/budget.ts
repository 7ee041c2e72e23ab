// DRAM budgets for best-effort lanes: the throttle setting that enforces a budget, and the
// arrival curve that setting guarantees (docs/scheduler.md, "Memory budgets").
//
// With THROTTLE_CREDIT = 0 the engine banks no credit (outer never goes below 0), and with
// THROTTLE_CTRL's count-stores bit it counts (and stalls) stores as well as loads, so a
// tile throttled to (window W, target_load T) moves, in ANY interval of t cycles,
//   at most  T·t/W + σ  beats,   σ = T + 3·P,   P = W × (2 × bus bytes per cycle / 16)
// (P = the most beats one window can carry on the tile's two ports): one partial window at
// each end of the interval, plus the debt (≤ T/2 + P) the engine may owe at an accounting
// point without having stalled yet, plus T for the trigger threshold. Every bubble of b
// cycles repays exactly T·b/W beats, and every window without a bubble adds its reads − T
// to the debt, so everything else is paid for at rate T/W. test/emulator/arrival-curve.test.ts
// checks the bound against the engine with adversarial read patterns.
import { encodeThrottle } from '../../boards/registers.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { THROTTLE_WINDOW_CYCLES } from '../regulator/regulator.ts';

const BEAT_BYTES = 16;

export interface BudgetThrottle {
  readonly window: number;
  readonly targetLoad: number;
  /** The THROTTLE register value. */
  readonly value: number;
}

/** The throttle setting that holds one tile to at most `bytesPerCycle` on average
 *  (target_load rounded down, so the board never allows more than the budget). */
export function budgetThrottle(bytesPerCycle: number, tileBusBytesPerCycle: number): BudgetThrottle {
  const window = THROTTLE_WINDOW_CYCLES;
  if (!(bytesPerCycle > 0) || bytesPerCycle >= tileBusBytesPerCycle)
    return { window: 0, targetLoad: 0, value: 0 };
  const targetLoad = Math.min(0xffff, Math.floor((bytesPerCycle * window) / BEAT_BYTES));
  if (targetLoad < 1)
    throw new RangeError(
      `a budget of ${bytesPerCycle} bytes/cycle is below one beat per ${window}-cycle window`,
    );
  return { window, targetLoad, value: encodeThrottle(window, targetLoad) };
}

/** σ in beats for a throttle setting with no credit that counts both ports (see above);
 *  Infinity when unthrottled. */
export function burstAllowanceBeats(t: BudgetThrottle, tileBusBytesPerCycle: number): number {
  if (t.value === 0) return Number.POSITIVE_INFINITY;
  const perWindow = Math.ceil((t.window * 2 * tileBusBytesPerCycle) / BEAT_BYTES);
  return t.targetLoad + 3 * perWindow;
}

export function burstAllowanceBytes(t: BudgetThrottle, def: BoardDefinition): number {
  return burstAllowanceBeats(t, def.tileBusBytesPerCycle) * BEAT_BYTES;
}
