// The MoCA throttle engine on a tile's read DMA (docs/emulator.md, "The MoCA throttle
// engine"), in closed form.
//
// Rules: every read request adds its size in 16-byte beats to `inner`; a window counter
// counts cycles modulo `window`; at each window end `outer += inner − target_load` and
// `inner` clears (unused budget is credit, overshoot is debt). When `2·outer > target_load`
// the DMA accepts no new load requests for a bubble sized by the overshoot (table below),
// that amount is subtracted from `outer`, then monitoring resumes with a fresh window.
// While a bubble lasts the window counter is stopped ("monitoring resumes" after it).
// The table's fractions are computed with shifts, as the hardware would:
//   outer ≥ T          → bubble W,            subtract T
//   outer ≥ T/2+T/4    → bubble W/2+W/4,      subtract T/2+T/4
//   outer ≥ T/2+T/8    → bubble W/2+W/8,      subtract T/2+T/8
//   otherwise          → bubble W/2,          subtract T/2
// window = 0 or target_load = 0 disables the engine (a zero budget would stall forever).
//
// The emulator drives it with a read rate that is constant between board events (beats
// per cycle, possibly fractional: the DMA model is a fluid one). `untilNextChange(rate)`
// says when the next bubble starts or ends at that rate, in O(1) — whole runs of windows
// that cannot trigger are skipped arithmetically, never ticked one by one — and
// `advance(dt, rate)` moves the state by dt cycles using the same arithmetic, so a
// predicted transition is always the one that happens.

export interface ThrottleState {
  readonly window: number;
  readonly targetLoad: number;
  readonly outer: number;
  readonly inner: number;
  /** Cycles into the current window (0 while in a bubble). */
  readonly elapsed: number;
  readonly bubbleLeft: number;
}

export class ThrottleEngine {
  private window = 0;
  private target = 0;
  private outer = 0;
  private inner = 0;
  private elapsed = 0;
  private bubbleLeft = 0;
  /** Most credit (−outer) the engine banks; Infinity = MoCA's engine (THROTTLE_CREDIT). */
  private creditCap = Number.POSITIVE_INFINITY;
  /** Bubbles started since the last configure(), for observability. */
  bubbles = 0;

  get enabled(): boolean {
    return this.window > 0 && this.target > 0;
  }

  get inBubble(): boolean {
    return this.bubbleLeft > 0;
  }

  state(): ThrottleState {
    return {
      window: this.window,
      targetLoad: this.target,
      outer: this.outer,
      inner: this.inner,
      elapsed: this.elapsed,
      bubbleLeft: this.bubbleLeft,
    };
  }

  /** A THROTTLE register write: new settings, counters and any bubble cleared. */
  configure(window: number, targetLoad: number): void {
    this.window = window;
    this.target = targetLoad;
    this.outer = 0;
    this.inner = 0;
    this.elapsed = 0;
    this.bubbleLeft = 0;
    this.bubbles = 0;
  }

  /** THROTTLE_CREDIT write: caps the banked credit from the next window end on. Unlike a
   *  THROTTLE write it keeps the counters, so it never forgives debt. */
  setCreditCap(beats: number): void {
    this.creditCap = beats;
    if (this.outer < -beats) this.outer = -beats;
  }

  /** Cycles from now until the engine next enters or leaves a bubble if the DMA keeps
   *  issuing `rate` beats per cycle outside bubbles; Infinity when that never happens. */
  untilNextChange(rate: number): number {
    if (!this.enabled) return Number.POSITIVE_INFINITY;
    if (this.bubbleLeft > 0) return this.bubbleLeft;
    const toEnd = this.window - this.elapsed;
    const o1 = this.windowEndOuter(rate, toEnd);
    if (this.triggers(o1)) return toEnd;
    const j = this.windowsToTrigger(o1, rate * this.window - this.target);
    return j === Number.POSITIVE_INFINITY ? j : toEnd + j * this.window;
  }

  /** Moves the engine `dt` cycles forward at `rate` beats per cycle outside bubbles. */
  advance(dt: number, rate: number): void {
    if (!this.enabled) return;
    while (dt > 0) {
      if (this.bubbleLeft > 0) {
        const s = Math.min(dt, this.bubbleLeft);
        this.bubbleLeft -= s;
        dt -= s;
        if (this.bubbleLeft === 0 && this.triggers(this.outer)) this.startBubble();
        continue;
      }
      const toEnd = this.window - this.elapsed;
      if (dt < toEnd) {
        this.inner += rate * dt;
        this.elapsed += dt;
        return;
      }
      this.outer = this.windowEndOuter(rate, toEnd);
      this.inner = 0;
      this.elapsed = 0;
      dt -= toEnd;
      if (this.triggers(this.outer)) {
        this.startBubble();
        continue;
      }
      const d = rate * this.window - this.target;
      const full = Math.floor(dt / this.window);
      const j = this.windowsToTrigger(this.outer, d);
      if (j <= full) {
        this.outer += j * d;
        dt -= j * this.window;
        this.startBubble();
        continue;
      }
      this.outer = Math.max(-this.creditCap, this.outer + full * d);
      dt -= full * this.window;
      this.inner = rate * dt;
      this.elapsed = dt;
      return;
    }
  }

  private windowEndOuter(rate: number, toEnd: number): number {
    return Math.max(-this.creditCap, this.outer + (this.inner + rate * toEnd) - this.target);
  }

  private triggers(outer: number): boolean {
    return 2 * outer > this.target;
  }

  /** Smallest j ≥ 1 full windows (each adding d to outer) after which the engine
   *  triggers, starting from `outer` that did not trigger. */
  private windowsToTrigger(outer: number, d: number): number {
    if (!(d > 0)) return Number.POSITIVE_INFINITY;
    let j = Math.max(1, Math.floor((this.target / 2 - outer) / d) + 1);
    while (!this.triggers(outer + j * d)) j++;
    while (j > 1 && this.triggers(outer + (j - 1) * d)) j--;
    return j;
  }

  private startBubble(): void {
    const w = this.window;
    const t = this.target;
    let bubble: number;
    let sub: number;
    if (this.outer >= t) {
      bubble = w;
      sub = t;
    } else if (this.outer >= (t >> 1) + (t >> 2)) {
      bubble = (w >> 1) + (w >> 2);
      sub = (t >> 1) + (t >> 2);
    } else if (this.outer >= (t >> 1) + (t >> 3)) {
      bubble = (w >> 1) + (w >> 3);
      sub = (t >> 1) + (t >> 3);
    } else {
      bubble = w >> 1;
      sub = t >> 1;
    }
    this.outer -= sub;
    // A window of 1 cycle gives a 0-cycle half bubble; keep at least one cycle so the
    // engine always makes progress.
    this.bubbleLeft = Math.max(1, bubble);
    this.bubbles++;
  }
}
