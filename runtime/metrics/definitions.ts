// What the figures of a run and of admission mean, in one place: `cotenant run --explain`
// prints them, the HTML report shows them, and docs/scenario.md says the same in prose
// (test/runtime/explain.test.ts keeps the three in step). Formulas: metrics.ts, admission/.

export interface MetricDefinition {
  /** The label used in tables and summaries. */
  readonly term: string;
  readonly meaning: string;
}

export const RUN_METRICS: readonly MetricDefinition[] = [
  {
    term: 'SLA',
    meaning:
      'share of requests that finished by their deadline (arrival to finish, queueing included); missed, dropped and rejected requests count against it',
  },
  {
    term: 'STP',
    meaning:
      'system throughput: the sum over tenants of isolated latency / latency on the shared board; N tenants each as fast as alone would give N, higher is better',
  },
  {
    term: 'ANTT',
    meaning:
      'average normalized turnaround time: mean over tenants of latency on the shared board / isolated latency; 1 = no slowdown, lower is better',
  },
  {
    term: 'fairness',
    meaning:
      'min / max over tenants of progress (isolated / shared latency) divided by priority share (weight priority + 1); 1 = every tenant slowed in proportion to its priority',
  },
  {
    term: 'p50 / p99',
    meaning: 'median and 99th-percentile latency of the finished requests, in thousands of board cycles',
  },
  {
    term: 'tiles / DRAM',
    meaning: 'share of tile-cycles that were busy; DRAM bytes moved / (peak bandwidth x cycles of the run)',
  },
];

export const ADMISSION_METRICS: readonly MetricDefinition[] = [
  {
    term: 'lanes',
    meaning:
      'the tile groups admission plans: each tenant runs on one lane and is delayed only by the tenants of its lane (and by DRAM contention from the others, which the measured costs include)',
  },
  {
    term: 'bound',
    meaning:
      "worst-case response time admission proves for a tenant (response-time analysis with each granule's worst-case cost measured on the board)",
  },
  {
    term: 'slack',
    meaning: 'deadline - bound: how much later the worst case could be and still meet the deadline',
  },
  {
    term: 'DRAM budget',
    meaning:
      "when no plain layout passes, best-effort lanes' tiles are throttled to a fixed DRAM rate (bytes/cycle per tile) so that guaranteed lanes keep their bound; shown only when the plan uses one",
  },
  {
    term: 'verdict',
    meaning:
      'guaranteed (bound <= deadline, proved), rejected (a guaranteed tenant whose bound exceeds its deadline: the run is refused) or best-effort (served when the guaranteed work leaves room)',
  },
];
