// The admission planner's inputs and outputs (runtime/admission/plan.ts builds them).
import type { GranuleSpec, VariantRequest } from '../scheduler/types.ts';
import type { ProfileProvider, TrialProvider } from './throughput.ts';

export interface AdmissionTenant {
  readonly name: string;
  readonly priority: number;
  readonly guaranteed: boolean;
  /** Relative deadline, cycles. */
  readonly deadline: number;
  /** Minimum inter-arrival, cycles (undefined: no bound). */
  readonly minGap: number | undefined;
  /** Number of layers of the model (for block granules). */
  readonly layers: number;
  /** Release jitter, cycles (default 0): how long after its arrival at the host a request
   *  may reach the board (the link's reaction time on a free-running board). */
  readonly jitter?: number;
  /** Scenario overrides. */
  readonly tiles?: number;
  readonly granule?: GranuleSpec;
}

/** What the tiles outside a lane do while it runs: none (one lane), all saturate, or the
 *  last `budgeted` of them are held to `budget` bytes/cycle each and the rest saturate. */
export interface Contention {
  readonly others: number;
  readonly budgeted: number;
  /** Bytes per cycle per budgeted tile (Infinity when budgeted = 0). */
  readonly budget: number;
}

/** Worst-case per-step costs of tenant i's model in a variant on a lane under `contention`. */
export type CostProvider = (
  tenant: number,
  variant: VariantRequest,
  contention: Contention,
) => Promise<readonly number[]>;
/** The compiler's per-step estimates of a variant (cheap: nothing placed on the board). */
export type EstimateProvider = (tenant: number, variant: VariantRequest) => readonly number[];

export interface TenantVerdict {
  readonly name: string;
  readonly priority: number;
  readonly guaranteed: boolean;
  readonly lane: number;
  readonly variant: VariantRequest;
  readonly wcet: number;
  readonly maxGranule: number;
  readonly granules: number;
  readonly minGap: number | undefined;
  readonly deadline: number;
  readonly bound: number;
  readonly slack: number;
  readonly verdict: 'guaranteed' | 'rejected' | 'best-effort';
  readonly blocking: number;
  readonly blocker: string | undefined;
  readonly suggestions: readonly string[];
  /** DRAM budget of this tenant's lane tiles, bytes/cycle per tile (Infinity: none). */
  readonly budget: number;
  /** Guaranteed tenants under budgets: the bound with every other tile saturating instead
   *  (Infinity when that would not be schedulable at all; undefined without budgets). */
  readonly boundWithoutBudgets: number | undefined;
  /** Requests of this tenant that may wait at once in the worst case (⌈bound/minGap⌉). */
  readonly queueNeeded: number;
}

export interface AdmissionResult {
  readonly feasible: boolean;
  readonly lanes: readonly (readonly number[])[];
  /** Per lane: the DRAM budget its tiles are throttled to (bytes/cycle per tile; Infinity: none). */
  readonly laneBudgets: readonly number[];
  readonly tenants: readonly TenantVerdict[];
  /** 'throughput' when no deadline constrains the mix and the plan maximizes throughput
   *  (runtime/admission/throughput.ts); absent: the deadline plan. */
  readonly mode?: 'throughput';
  /** Throughput plans: predicted work rate over one request at a time on all tiles. */
  readonly predictedSpeedup?: number;
  /** Throughput plans chosen by trial runs: the chosen layout's measured speed-up and how
   *  many trial runs it took. */
  readonly measuredSpeedup?: number;
  readonly layoutsTried?: number;
  readonly layouts: readonly {
    readonly laneTiles: number;
    readonly lanes: number;
    readonly feasible: boolean;
    readonly peakUtilization: number;
    readonly budget: number;
  }[];
}

/** Admission inputs beyond the tenants. */
export interface AdmissionOptions {
  /** Try memory budgets on best-effort lanes when a plain layout fails (default true). */
  readonly budgets?: boolean;
  /** Budget ladder, bytes/cycle per tile, loosest first (default: budgetLadder(board)). */
  readonly budgetLadder?: readonly number[];
  /** Extra blocking, in cycles, that the co-runners' bursts above their budget can cause
   *  a lane of `laneTiles` tiles (the throttle engine's arrival curve; session.ts). */
  readonly burstCycles?: (laneTiles: number, budgetedTiles: number, budget: number) => number;
  /** Whether costs under contention can be measured (the board has traffic generators);
   *  without, only the layout of one lane of all tiles is planned (default true). */
  readonly contended?: boolean;
  /** Board queue limit per tenant, to check ⌈R/T⌉ against (default: unchecked). */
  readonly queueLimits?: readonly number[];
  /** Throughput mode (runtime/admission/throughput.ts): profiles of a tenant alone on a lane
   *  and the board's DRAM bandwidth. Absent: deadline plans only. */
  readonly throughput?: {
    readonly profile: ProfileProvider;
    readonly dramBytesPerCycle: number;
    /** Runs a candidate layout on the board (profile-guided choice); absent: the model decides. */
    readonly trial?: TrialProvider;
  };
  /** Free-running board: the host's reaction time, cycles (default 0). A lane's next granule
   *  is staged by the host after the one before it started, so a granule shorter than this
   *  may leave the lane idle until the host catches up: every measured granule cost counts
   *  as at least this long (docs/scheduler.md, "The link"). */
  readonly granuleFloor?: number;
  /** Free-running board whose steps the host launches (no staging: functional runs, boards
   *  without staged programs, `run --no-staging`): after every granule the lane may stand
   *  idle until the host has seen the barrier and launched the next one, so every measured
   *  granule cost counts this much longer (docs/scheduler.md, "The link"). */
  readonly granuleGap?: number;
}

/** Share of a best-effort co-tenant's deadline a best-effort granule may block it for. */
export const BEST_EFFORT_BLOCKING_SHARE = 0.25;

/** A layout with fewer lanes is preferred while its peak lane utilization is at most this
 *  factor above the lowest (see planAdmission). */
export const POOLING_MARGIN = 1.1;
