// A LinkClock the test drives: virtual time jumps straight to the next timer, with real I/O
// (the in-memory pipe's setImmediate hops) run in between, so timeouts and retransmission
// schedules are exercised in microseconds of real time and without timing races.
import type { LinkClock } from '../../drivers/serial/channel.ts';

const IO_TURNS = 8;

export class ManualClock implements LinkClock {
  private t = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  fired = 0;

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /**
   * Lets `p` settle: runs pending I/O, then fires timers in time order (I/O again after
   * each), until it has. Throws when nothing is left to fire or `limitMs` of virtual time
   * has passed — a hang, in the clock's terms.
   */
  async runUntil<T>(p: Promise<T>, limitMs = 600_000): Promise<T> {
    let settled = false;
    const watched = p.finally(() => {
      settled = true;
    });
    watched.catch(() => undefined);
    const end = this.t + limitMs;
    for (;;) {
      for (let i = 0; i < IO_TURNS && !settled; i++) await new Promise((r) => setImmediate(r));
      if (settled) return watched;
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (next === undefined || e[1].at < next[1].at) next = e;
      if (next === undefined)
        throw new Error(`nothing left to fire at t=${this.t} ms: the promise would hang`);
      if (next[1].at > end) throw new Error(`still pending after ${limitMs} ms of clock time`);
      this.timers.delete(next[0]);
      this.t = next[1].at;
      this.fired++;
      next[1].fn();
    }
  }
}
