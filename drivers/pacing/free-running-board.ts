// A free-running board: wraps a (deterministic, lockstep) EmulatedBoard so that its cycle
// counter follows the host's monotonic clock at `speed` × the board's clock rate, as a
// devkit on its own oscillator would. Only this pacing reads a clock; the model underneath
// stays a pure function of the calls it gets (docs/protocol.md, "Free-running boards").
//
// Catch-up is lazy: before every operation the model is run up to the cycle the wall clock
// says it has reached. Because the model is deterministic and nothing outside it can touch
// it between two operations, this is indistinguishable, to anyone on the link, from a model
// that ran continuously — every event keeps the board cycle the model gave it, and every
// register access lands at the board's current time.
import type { AdvanceResult, BoardEvent, BoardInfo } from '../../boards/events.ts';
import type { EmulatedBoard } from '../../boards/emulator/api.ts';
import { ConfigError } from '../../boards/errors.ts';

export interface FreeRunningOptions {
  /** Board cycles per host second = speed × clock rate (1 = real time). Default 1. */
  readonly speed?: number;
  /** Monotonic host clock in milliseconds (default performance.now); injectable for tests. */
  readonly now?: () => number;
}

/** Checks a `--speed` value: a finite number in (0, 1000]. */
export function checkSpeed(speed: number, what = '--speed'): number {
  if (!Number.isFinite(speed) || speed <= 0 || speed > 1000)
    throw new ConfigError(
      `${what} must be a number above 0 and at most 1000 (board cycles per host second, as a fraction of the board's clock rate); got ${speed}`,
    );
  return speed;
}

export class FreeRunningBoard implements EmulatedBoard {
  readonly speed: number;
  private readonly clock: () => number;
  private readonly cyclesPerMs: number;
  private readonly t0: number;
  private readonly c0: number;
  /** Events the model raised during catch-up, not yet returned by advance(). */
  private buffered: BoardEvent[] = [];

  constructor(
    private readonly inner: EmulatedBoard,
    opts: FreeRunningOptions = {},
  ) {
    this.speed = checkSpeed(opts.speed ?? 1);
    this.clock = opts.now ?? (() => performance.now());
    this.cyclesPerMs = (this.speed * inner.def.clockHz) / 1000;
    this.t0 = this.clock();
    this.c0 = inner.cycle;
  }

  get def(): EmulatedBoard['def'] {
    return this.inner.def;
  }

  /** The board's cycle counter now (catches up first). */
  get cycle(): number {
    this.catchUp();
    return this.inner.cycle;
  }

  /** The cycle the host's clock says the board has reached. */
  private target(): number {
    return this.c0 + Math.floor((this.clock() - this.t0) * this.cyclesPerMs);
  }

  /** Runs the model up to the wall-clock target. A board that is ahead (a flash command
   *  kept the controller busy) waits for the clock to pass it. */
  private catchUp(): void {
    const target = this.target();
    while (this.inner.cycle < target) {
      const r = this.inner.advance(target);
      for (const e of r.events) this.buffered.push(e);
    }
  }

  info(): BoardInfo {
    const i = this.inner.info();
    return { ...i, capabilities: { ...i.capabilities, lockstep: false }, speed: this.speed };
  }

  readRegister(address: number): number {
    this.catchUp();
    return this.inner.readRegister(address);
  }

  writeRegister(address: number, value: number): void {
    this.catchUp();
    this.inner.writeRegister(address, value);
  }

  /** All writes land at one board time (one catch-up), as one bus transaction would. */
  writeRegisters(writes: readonly { readonly address: number; readonly value: number }[]): void {
    this.catchUp();
    for (const w of writes) this.inner.writeRegister(w.address, w.value);
  }

  readMemory(address: number, length: number): Uint8Array {
    this.catchUp();
    return this.inner.readMemory(address, length);
  }

  writeMemory(address: number, data: Uint8Array): void {
    this.catchUp();
    this.inner.writeMemory(address, data);
  }

  /**
   * Free-running advance: returns at once with every event raised up to the board's
   * current time, in board-time order, and that time. It never moves the clock (the wall
   * clock does), so the returned cycle may be below or above `untilCycle`.
   */
  advance(untilCycle: number): AdvanceResult {
    if (!Number.isFinite(untilCycle))
      throw new RangeError(`advance(${untilCycle}): untilCycle must be a finite cycle number`);
    this.catchUp();
    // events raised outside catch-up (a busy flash command) are still pending in the model
    const late = this.inner.advance(this.inner.cycle).events;
    const events = late.length === 0 ? this.buffered : [...this.buffered, ...late];
    this.buffered = [];
    return { cycle: this.inner.cycle, events };
  }

  reset(): void {
    this.catchUp();
    this.inner.reset();
    this.buffered = [];
  }
}
