// Step timeouts for the flasher, derived from what a step does. The transport has its own
// per-request timeouts and retransmission; these bound a whole step (a block transfer or a
// slot-sized hash takes far longer than a register write), so a board that stops making
// progress is reported instead of waited on forever. A step's allowance is a fixed base,
// plus the board's own work (erase, program, hash: NOR flash speeds), plus — on a rate-limited
// link — twice the time to clock its bytes over the line, so the same defaults hold at
// 115 200 baud and at 3 Mbaud.
import { TimeoutError } from '../../boards/errors.ts';

export interface FlashTimeouts {
  /** Allowed for any step, whatever its size (round trips, command overhead). */
  readonly baseMs: number;
  /** Added per MiB the board erases, programs or hashes. A serial NOR part erases a 4 KiB
   *  sector in ~45 ms and programs a 256 B page in ~0.7 ms: ~14 s/MiB; twice that. */
  readonly boardMsPerMiB: number;
  /** Bytes a second the link carries (a UART: baud / 10); undefined when the link is not
   *  the bottleneck (in-process, PCIe, an unpaced PTY). */
  readonly linkBytesPerSecond: number | undefined;
}

export const DEFAULT_TIMEOUTS: FlashTimeouts = {
  baseMs: 5_000,
  boardMsPerMiB: 30_000,
  linkBytesPerSecond: undefined,
};

/** Slack on the line time: frame overhead (~1%), replies, and retransmissions. */
const LINK_MARGIN = 2;

/** What a step moves over the link and what the board touches. */
export interface StepSize {
  readonly linkBytes?: number;
  readonly boardBytes?: number;
}

export function stepTimeoutMs(t: FlashTimeouts, size: StepSize): number {
  const board = (t.boardMsPerMiB * (size.boardBytes ?? 0)) / (1024 * 1024);
  const link =
    t.linkBytesPerSecond === undefined
      ? 0
      : (LINK_MARGIN * 1000 * (size.linkBytes ?? 0)) / t.linkBytesPerSecond;
  return Math.ceil(t.baseMs + board + link);
}

/** A flasher step ran past its allowance (the transport's own timeouts did not fire). Not
 *  retried: the step already had its full allowance. */
export class StepTimeoutError extends TimeoutError {
  constructor(
    readonly step: string,
    timeoutMs: number,
  ) {
    super(`${step} took longer than ${timeoutMs} ms`, timeoutMs);
  }
}

/** Rejects with a StepTimeoutError when `p` takes longer than the step's allowance. */
export function withTimeout<T>(p: Promise<T>, t: FlashTimeouts, size: StepSize, what: string): Promise<T> {
  const ms = stepTimeoutMs(t, size);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeoutError(what, ms)), ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/** Write blocks take about this long on the line: long enough to amortise a block's round
 *  trips (erase, program, hash), short enough to resume finely and fail fast. */
const TARGET_BLOCK_SECONDS = 3;
const MAX_BLOCK_BYTES = 256 * 1024;

/**
 * The write block for a link: the largest power-of-two multiple of the sector that the line
 * carries in about TARGET_BLOCK_SECONDS, between one sector and 256 KiB (115 200 baud:
 * 32 KiB; 921 600: 256 KiB). An unlimited link gets 256 KiB.
 */
export function blockBytesFor(linkBytesPerSecond: number | undefined, sectorBytes: number): number {
  const cap = Math.max(sectorBytes, MAX_BLOCK_BYTES);
  if (linkBytesPerSecond === undefined) return cap;
  let block = sectorBytes;
  while (block * 2 <= cap && block * 2 <= linkBytesPerSecond * TARGET_BLOCK_SECONDS) block *= 2;
  return block;
}
