// Size-scaled step timeouts for the flasher. The transport has its own per-request timeouts
// and retransmission; these bound a whole step (a 1 MiB transfer or a slot-sized hash takes
// far longer than a register write), so a board that stops making progress is reported
// instead of waited on forever.
import { TimeoutError } from '../../boards/errors.ts';

export interface FlashTimeouts {
  /** Allowed for any step, whatever its size. */
  readonly baseMs: number;
  /** Added per MiB the step moves or touches (transfer, erase, hash). ~30 s/MiB ≈ 35 KB/s minimum. */
  readonly msPerMiB: number;
}

export const DEFAULT_TIMEOUTS: FlashTimeouts = { baseMs: 5_000, msPerMiB: 30_000 };

export function stepTimeoutMs(t: FlashTimeouts, bytes: number): number {
  return Math.ceil(t.baseMs + (t.msPerMiB * bytes) / (1024 * 1024));
}

/** Rejects with a TimeoutError (marked `flasher: true`, not retried) when `p` takes too long. */
export function withTimeout<T>(p: Promise<T>, t: FlashTimeouts, bytes: number, what: string): Promise<T> {
  const ms = stepTimeoutMs(t, bytes);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(Object.assign(new TimeoutError(`${what} took longer than ${ms} ms`, ms), { flasher: true })),
      ms,
    );
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}
