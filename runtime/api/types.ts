// The library API's public types (docs/api.md); the Runtime is in runtime.ts.
import type { OutputTensor } from '../infer.ts';
import type { ModelPackage } from '../models/package.ts';

export interface TenantOptions {
  readonly model: ModelPackage;
  readonly name?: string;
  /** Larger = more important (0–1000). */
  readonly priority: number;
  /** Ask for a guaranteed deadline (admission refuses the tenant if it cannot give one). */
  readonly guaranteed?: boolean;
  /** Relative deadline: board cycles, or a string such as "2ms" / "300us". */
  readonly deadline: number | string;
  /** Minimum gap between this tenant's requests (cycles or "2ms"); needed for a guarantee. */
  readonly minGap?: number | string;
  /** Pin the tile count / granule instead of letting admission choose. */
  readonly tiles?: number;
  /** Requests waiting beyond this are refused at arrival. Default 64. */
  readonly queueLimit?: number;
}

export interface Tenant {
  readonly id: number;
  readonly name: string;
}

export type AdmissionVerdict =
  | {
      readonly admitted: true;
      readonly tenant: Tenant;
      /** 'guaranteed' (bound ≤ deadline) or 'best-effort'. */
      readonly verdict: 'guaranteed' | 'best-effort';
      /** Worst-case response time, cycles (Infinity when unbounded). */
      readonly bound: number;
      readonly deadline: number;
      readonly tiles: number;
    }
  | {
      readonly admitted: false;
      readonly reason: string;
      /** What would fit (from admission), e.g. a longer deadline or gap. */
      readonly suggestions: readonly string[];
    };

export interface InferOptions {
  /** Arrival, absolute board cycle (default: when the runtime next drives the board). */
  readonly arrival?: number;
}

export interface InferResult {
  readonly output: OutputTensor;
  /** Arrival to completion, board cycles. */
  readonly latencyCycles: number;
  readonly deadlineMet: boolean;
  readonly arrival: number;
  readonly end: number;
  /** The admitted worst-case response bound of a guaranteed tenant (undefined: best effort). */
  readonly bound: number | undefined;
  /** The run-time certificate: this guaranteed request ended late or above its bound. */
  readonly certificateViolated: boolean;
}

/** Counters of a runtime's life (runtime.stats()). */
export interface RuntimeStats {
  /** Requests ended (any outcome). */
  readonly requests: number;
  /** Requests of guaranteed tenants that broke their admitted bound (late, or longer than
   *  the bound): the run-time certificate. 0 unless the board broke the analysis' model. */
  readonly violations: number;
  /** Adds that joined a running run without waiting for the board to be idle. */
  readonly addsWhileRunning: number;
  /** Adds that waited for an idle board (to measure, or to re-plan running tenants). */
  readonly addsAfterIdle: number;
  /** DRAM bytes held by compiled variants (aligned regions). */
  readonly dramBytes: number;
}
