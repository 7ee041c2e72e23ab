// MoCA's evaluation protocol as scenarios (docs/evaluation.md, "The protocol"): workload
// sets A/B/C with MoCA's draw weights, one tenant per model with a priority drawn once from
// MoCA's 0–11 weights, four shared request streams at the set's load factor with up to
// 0.85 M cycles of jitter, targets 3 × the isolated latency on a 2-tile group scaled 0.8 /
// 1.0 / 1.2 for QoS H / M / L. The guaranteed variant adds two periodic camera tenants
// (YOLO-lite at 120 and 60 frames per second, deadline one frame, the highest priorities)
// among the best-effort streams. examples/moca-*.json are these scenarios, written by
// `npm run eval:docs` (a test checks they are in step).

export const MOCA_SETS = ['A', 'B', 'C'] as const;
export type MocaSet = (typeof MOCA_SETS)[number];
export const MOCA_QOS = ['H', 'M', 'L'] as const;
export type MocaQos = (typeof MOCA_QOS)[number];

export interface MocaModel {
  readonly model: string;
  /** MoCA's draw weight within the set. */
  readonly weight: number;
  /** Drawn once per set from MoCA's priority weights (see below). */
  readonly priority: number;
}

/**
 * The sets' models and draw weights are MoCA's; the priorities were drawn once per set
 * (Python `random.Random(ord(set))`, `choices` over MoCA's weights {0:15, 1:18, 2:10, 4:15,
 * 6:15, 8:15, 9:10, 11:10}) and are kept fixed so every run and document compares the same
 * mix. MoCA draws a priority per request; a tenant here has one static priority.
 */
export const MOCA_SET_MODELS: Readonly<Record<MocaSet, readonly MocaModel[]>> = {
  A: [
    { model: 'squeezenet', weight: 30, priority: 4 },
    { model: 'kws', weight: 21, priority: 1 },
    { model: 'yololite', weight: 25, priority: 9 },
  ],
  B: [
    { model: 'resnet50', weight: 12, priority: 0 },
    { model: 'alexnet', weight: 18, priority: 4 },
    { model: 'googlenet', weight: 16, priority: 1 },
    { model: 'yolov2', weight: 18, priority: 4 },
  ],
  C: [
    { model: 'resnet50', weight: 12, priority: 0 },
    { model: 'alexnet', weight: 18, priority: 8 },
    { model: 'googlenet', weight: 16, priority: 11 },
    { model: 'squeezenet', weight: 30, priority: 4 },
    { model: 'kws', weight: 21, priority: 11 },
    { model: 'yolov2', weight: 18, priority: 4 },
    { model: 'yololite', weight: 25, priority: 6 },
  ],
};

/** Gap between a stream's requests in isolated latencies of the previous request's model. */
export const MOCA_LOAD_FACTOR: Readonly<Record<MocaSet, number>> = { A: 0.92, B: 1.42, C: 1.22 };
export const MOCA_STREAMS = 4;
/** Largest jitter subtracted from a stream's gap, cycles (at 1 GHz: 0.85 ms). */
export const MOCA_JITTER_CYCLES = 850_000;
/** Targets: this many isolated latencies (2-tile group), × the QoS scale. */
export const MOCA_TARGET_X_ISOLATED = 3;
export const MOCA_QOS_SCALE: Readonly<Record<MocaQos, number>> = { H: 0.8, M: 1.0, L: 1.2 };
export const MOCA_REQUESTS = 250;
export const MOCA_SEED = 42;
export const MOCA_BOARD = 'moca-8t';

/** The guaranteed variant's camera tenants: periodic frames, deadline = one frame period. */
export const MOCA_CAMERAS = [
  { name: 'cam-front', model: 'yololite', fps: 120, priority: 13, offsetUs: 0 },
  { name: 'cam-rear', model: 'yololite', fps: 60, priority: 12, offsetUs: 4000 },
] as const;

export interface MocaCell {
  readonly set: MocaSet;
  readonly qos: MocaQos;
  readonly guaranteed: boolean;
}

export interface MocaScenarioOptions {
  readonly requests?: number;
  readonly seed?: number;
  /** Requests of one model that may run at once, on different tile pairs (the tenants'
   *  `instances`; default 1). MoCA's runtime puts any request on any free pair: 4 on
   *  moca-8t. The default keeps one per model, which scores the baselines higher
   *  (docs/evaluation.md, "One request per model at a time"). */
  readonly instances?: number;
}

export function cellName(c: MocaCell): string {
  return `moca-${c.set}-${c.qos}${c.guaranteed ? '-g' : ''}`;
}

/** The scenario (scenario-file JSON) of one cell of the protocol. */
export function mocaScenario(cell: MocaCell, opts: MocaScenarioOptions = {}): Record<string, unknown> {
  const x = Number((MOCA_TARGET_X_ISOLATED * MOCA_QOS_SCALE[cell.qos]).toFixed(6));
  const lf = MOCA_LOAD_FACTOR[cell.set];
  const cameras = cell.guaranteed
    ? MOCA_CAMERAS.map((c) => {
        const periodUs = Number((1e6 / c.fps).toFixed(3));
        return {
          name: c.name,
          model: c.model,
          priority: c.priority,
          guaranteed: true,
          deadline: `${periodUs}us`,
          arrival: {
            kind: 'periodic',
            period: `${periodUs}us`,
            ...(c.offsetUs > 0 ? { offset: `${c.offsetUs}us` } : {}),
          },
        };
      })
    : [];
  return {
    name: cellName(cell),
    description:
      `MoCA's protocol, workload set ${cell.set}, QoS-${cell.qos}: ${MOCA_STREAMS} request streams at load factor ${lf} ` +
      `(jitter up to ${MOCA_JITTER_CYCLES} cycles), targets ${MOCA_TARGET_X_ISOLATED} x isolated latency x ${MOCA_QOS_SCALE[cell.qos]}` +
      (cell.guaranteed ? '; plus two guaranteed periodic cameras (YOLO-lite at 120 and 60 fps)' : '') +
      '. Generated by `npm run eval:docs` (runtime/eval/moca-protocol.ts, docs/evaluation.md).',
    board: MOCA_BOARD,
    seed: opts.seed ?? MOCA_SEED,
    policy: 'cotenant',
    run: { requests: opts.requests ?? MOCA_REQUESTS },
    streams: { count: MOCA_STREAMS, loadFactor: lf, jitter: `${MOCA_JITTER_CYCLES}cyc` },
    tenants: [
      ...cameras,
      ...MOCA_SET_MODELS[cell.set].map((m) => ({
        name: m.model,
        model: m.model,
        priority: m.priority,
        guaranteed: false,
        deadline: { xIsolated: x },
        arrival: { kind: 'stream', weight: m.weight },
        ...((opts.instances ?? 1) > 1 ? { instances: opts.instances } : {}),
      })),
    ],
  };
}

/** Every cell of the given sets and QoS levels, plain then (if asked) guaranteed. */
export function mocaCells(
  sets: readonly MocaSet[] = MOCA_SETS,
  qos: readonly MocaQos[] = MOCA_QOS,
  guaranteed: readonly boolean[] = [false, true],
): MocaCell[] {
  const out: MocaCell[] = [];
  for (const g of guaranteed)
    for (const s of sets) for (const q of qos) out.push({ set: s, qos: q, guaranteed: g });
  return out;
}
