// The link term of the analysis on a free-running board (docs/scheduler.md, "The link"):
// how long the host may take to react — from a request's arrival at the host, or from a
// barrier on the board, to the staging write that acts on it having landed — derived from
// the round trips `cotenant hello` measures and the shape of the executor's loop.
import type { RoundTrips } from '../../drivers/link-latency.ts';

/**
 * Link round trips in one reaction of the executor's free-running loop (executor.ts,
 * runFree). One pass is a poll, at most one STARTED_ID read per lane whose step ended, at
 * most one launch per idle lane, and one staging batch: 2 + 2·lanes round trips. Something
 * that happens just after a poll was answered is seen by the next poll and acted on by that
 * pass's write: two passes.
 */
export function reactionRoundTrips(lanes: number): number {
  return 2 * (2 + 2 * lanes);
}

/** J in board cycles: the reaction's round trips at the slowest one measured, at the
 *  board's speed (board cycles per host millisecond = speed × clock / 1000). Lanes are not
 *  known before admission: every tile counts as a lane. */
export function linkJitterCycles(rt: RoundTrips, speed: number, clockHz: number, tiles: number): number {
  return Math.ceil(reactionRoundTrips(tiles) * rt.maxMs * ((speed * clockHz) / 1000));
}
