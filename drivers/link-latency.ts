// Round trips over a device's link, measured with the host's monotonic clock: the time from
// sending a register read to having its answer. On a free-running board this is what the
// host→board path adds between a request's arrival at the host and the moment the board can
// act on it. A sample, not a bound: a guarantee needs a bound the link is known to keep.
import type { Device } from './device.ts';

export interface RoundTrips {
  /** Round trips measured. */
  readonly samples: number;
  readonly medianMs: number;
  readonly maxMs: number;
}

/** Times `n` SCRATCH reads, one after another. `now`: monotonic milliseconds. */
export async function measureRoundTrips(
  device: Device,
  n: number,
  now: () => number = () => performance.now(),
): Promise<RoundTrips> {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`round trips: n must be a positive integer, got ${n}`);
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await device.readRegister('SCRATCH');
    ms.push(now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { samples: n, medianMs: ms[Math.floor((n - 1) / 2)]!, maxMs: ms[n - 1]! };
}
