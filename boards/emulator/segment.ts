// A segment is the unit the timing model advances analytically: a stretch of a tile's work
// during which its demands are in fixed proportion — so many bytes read from DRAM, read
// from the L2, written, and so many array cycles — overlapped as double buffering allows.
// The tile's progress rate through a segment (fraction per cycle) is the minimum the
// constraints allow (see rates.ts); it changes only at board events.

export interface Segment {
  readonly dramRead: number;
  readonly l2Read: number;
  readonly write: number;
  readonly compute: number;
  /** Σ over read requests of their load-to-use latency (request-cycles): with at most
   *  dmaMaxInflight requests outstanding, reads take ≥ readLatency / inflight cycles
   *  (Little's law). */
  readonly readLatency: number;
  /** The same for write requests: Gemmini's DMA writer also holds at most dmaMaxInflight
   *  writes until DRAM acknowledges them (one DRAM latency each). */
  readonly writeLatency: number;
}

export const EMPTY_SEGMENT: Segment = {
  dramRead: 0,
  l2Read: 0,
  write: 0,
  compute: 0,
  readLatency: 0,
  writeLatency: 0,
};

export function isEmpty(s: Segment): boolean {
  return s.dramRead <= 0 && s.l2Read <= 0 && s.write <= 0 && s.compute <= 0;
}

export interface MemoryTiming {
  readonly dramLatency: number;
  readonly l2Latency: number;
}

/** A segment of reads (split DRAM / L2) in requests of `requestBytes`, writes in requests
 *  of `writeRequestBytes` (default: the same), and compute. */
export function segment(
  mem: MemoryTiming,
  dramRead: number,
  l2Read: number,
  write: number,
  compute: number,
  requestBytes: number,
  writeRequestBytes = requestBytes,
): Segment {
  const req = Math.max(1, requestBytes);
  const wreq = Math.max(1, writeRequestBytes);
  const readLatency = (Math.max(0, dramRead) * mem.dramLatency + Math.max(0, l2Read) * mem.l2Latency) / req;
  return {
    dramRead: Math.max(0, dramRead),
    l2Read: Math.max(0, l2Read),
    write: Math.max(0, write),
    compute: Math.max(0, compute),
    readLatency,
    writeLatency: (Math.max(0, write) * mem.dramLatency) / wreq,
  };
}
