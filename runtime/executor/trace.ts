// The canonical event trace of a run: every decision and outcome with its board cycle
// (relative to the run's start). Its sha256 is the run's traceDigest: the same scenario
// and seed must give the same digest over every transport, so only board-derived facts
// go in (no host times, no transport names).
import { createHash } from 'node:crypto';
import type { Outcome } from '../metrics/metrics.ts';

export type TraceRecord =
  | {
      readonly t: number;
      readonly k: 'arrive';
      readonly req: number;
      readonly tenant: number;
      readonly deadline: number;
    }
  | {
      readonly t: number;
      readonly k: 'start';
      readonly req: number;
      readonly tenant: number;
      readonly step: number;
      readonly variant: string;
      readonly tiles: readonly number[];
      readonly throttle: readonly number[];
    }
  | {
      readonly t: number;
      readonly k: 'stepdone';
      readonly req: number;
      readonly tenant: number;
      readonly step: number;
      readonly started: number;
      readonly tiles: readonly number[];
      readonly readBytes: number;
      readonly writeBytes: number;
    }
  | {
      readonly t: number;
      readonly k: 'end';
      readonly req: number;
      readonly tenant: number;
      readonly outcome: Outcome;
    }
  | {
      /** A guaranteed request broke its admission certificate: it ended other than
       *  completed, or its response exceeded the admitted bound. */
      readonly t: number;
      readonly k: 'violation';
      readonly req: number;
      readonly tenant: number;
      readonly outcome: Outcome;
      readonly response: number;
      readonly bound: number;
    };

export function traceDigest(records: readonly TraceRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(JSON.stringify(r) + '\n');
  return h.digest('hex');
}
