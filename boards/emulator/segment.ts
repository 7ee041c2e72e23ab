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
  /** Read requests to DRAM and to the L2, and write requests: with at most dmaMaxInflight
   *  requests outstanding per direction, reads take ≥ Σ requests × latency / inflight
   *  cycles (Little's law); the DRAM latency is the loaded one the solver computes. */
  readonly dramRequests: number;
  readonly l2Requests: number;
  /** Gemmini's DMA writer also holds at most dmaMaxInflight writes until DRAM acknowledges
   *  them (one DRAM latency each). */
  readonly writeRequests: number;
}

export const EMPTY_SEGMENT: Segment = {
  dramRead: 0,
  l2Read: 0,
  write: 0,
  compute: 0,
  dramRequests: 0,
  l2Requests: 0,
  writeRequests: 0,
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
  _mem: MemoryTiming,
  dramRead: number,
  l2Read: number,
  write: number,
  compute: number,
  requestBytes: number,
  writeRequestBytes = requestBytes,
): Segment {
  const req = Math.max(1, requestBytes);
  const wreq = Math.max(1, writeRequestBytes);
  return {
    dramRead: Math.max(0, dramRead),
    l2Read: Math.max(0, l2Read),
    write: Math.max(0, write),
    compute: Math.max(0, compute),
    dramRequests: Math.max(0, dramRead) / req,
    l2Requests: Math.max(0, l2Read) / req,
    writeRequests: Math.max(0, write) / wreq,
  };
}
