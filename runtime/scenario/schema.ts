// The scenario file: which board, which tenants, how requests arrive, how long to run.
// Validated with zod; every problem is reported with the path of the bad field
// (e.g. `tenants[1].arrival.minGap`) so a person can fix the file without reading code.
import { z } from 'zod';
import { ConfigError } from '../../boards/errors.ts';
import { durationSchema, type Duration } from './duration.ts';

export const POLICY_NAMES = [
  'cotenant',
  'fcfs',
  'prema',
  'static-partition',
  'planaria',
  'moca',
  'naive',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];
/** What `cotenant compare` runs by default: the deadline-aware comparison of docs/scheduler.md
 *  (naive concurrency is a throughput baseline: `cotenant eval gacer`). */
export const COMPARE_POLICIES: readonly PolicyName[] = POLICY_NAMES.filter((p) => p !== 'naive');

const arrivalSchema = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('periodic'), period: durationSchema, offset: durationSchema.optional() })
    .strict(),
  z
    .object({
      kind: z.literal('sporadic'),
      minGap: durationSchema,
      maxGap: durationSchema.optional(),
      offset: durationSchema.optional(),
    })
    .strict(),
  z
    .object({ kind: z.literal('poisson'), meanGap: durationSchema, offset: durationSchema.optional() })
    .strict(),
  z
    .object({ kind: z.literal('trace'), file: z.string().min(1, 'must name a file of arrival times') })
    .strict(),
  // One of the scenario's shared request streams (top-level `streams`) picks this tenant's
  // model with this draw weight (MoCA's protocol: runtime/scenario/streams.ts).
  z
    .object({ kind: z.literal('stream'), weight: z.number().positive('must be a positive draw weight') })
    .strict(),
]);

/** Shared request streams: each stream's next request draws a `stream` tenant by weight and
 *  comes one isolated latency of the previous request's model × loadFactor later, minus a
 *  uniform random jitter in [0, jitter] (never earlier than the previous one). */
const streamsSchema = z
  .object({
    count: z.number().int().positive('must be a positive stream count').default(4),
    loadFactor: z.number().positive('must be a positive factor of the isolated latency'),
    jitter: durationSchema.optional(),
  })
  .strict();

const granuleSchema = z.union([
  z.literal('layer'),
  z.string().regex(/^block:[1-9][0-9]*$/, 'must be "layer", "block:N" or a positive cycle count'),
  z.number().int().positive(),
]);

const tenantSchema = z
  .object({
    // Letters and digits of any script (\p{M}: combining accents, as in decomposed "é").
    name: z
      .string()
      .regex(
        /^[\p{L}\p{M}\p{N}_.-]+$/u,
        'must be one or more letters or digits (any script), "_", "." or "-": no spaces or other symbols',
      ),
    model: z.string().min(1),
    priority: z.number().int('must be an integer (larger = more important)').min(0).max(1000),
    deadline: durationSchema,
    arrival: arrivalSchema,
    guaranteed: z.boolean().default(false),
    late: z.enum(['finish', 'drop']).default('finish'),
    /** Requests waiting beyond this are rejected at arrival (and counted). */
    queueLimit: z.number().int().positive().default(64),
    /** Most requests of this tenant on the board at once (its oldest, on different tiles);
     *  used by the tile-partitioning baselines (static-partition, moca, planaria). */
    instances: z.number().int('must be a whole number of requests').min(1).max(64).default(1),
    /** Optional overrides of what the cotenant policy would choose. */
    tiles: z.number().int().positive().optional(),
    granule: granuleSchema.optional(),
    /** Folder of input tensors (.npy / .bin) for a model package: the run computes real
     *  outputs, request k using file k mod n (sorted by name). docs/import.md. */
    inputs: z.string().min(1).optional(),
  })
  .strict();

const RUN_SHAPE = '{ "requests": N } (the N earliest arrivals) or { "duration": "50ms" }';

/** Exactly one of requests / duration. One object schema rather than a union, so a wrong
 *  field gets its own message instead of zod's bare "Invalid input". */
const runSchema = z
  .object(
    {
      requests: z.number().int().positive('must be a positive request count').optional(),
      duration: durationSchema.optional(),
    },
    {
      error: (iss) =>
        iss.code !== 'invalid_type'
          ? undefined // e.g. an unknown key: zod's own message names it
          : iss.input === undefined
            ? `required: ${RUN_SHAPE}`
            : `must be ${RUN_SHAPE}`,
    },
  )
  .strict()
  .refine((r) => (r.requests === undefined) !== (r.duration === undefined), {
    error: `give exactly one of "requests" and "duration": ${RUN_SHAPE}`,
  })
  .transform((r): { readonly requests: number } | { readonly duration: Duration } =>
    r.requests !== undefined ? { requests: r.requests } : { duration: r.duration! },
  );

export const scenarioSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    board: z.string().default('emu'),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    policy: z.enum(POLICY_NAMES).default('cotenant'),
    run: runSchema,
    streams: streamsSchema.optional(),
    tenants: z.array(tenantSchema).min(1, 'needs at least one tenant').max(64),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Map<string, number>();
    s.tenants.forEach((t, i) => {
      const prev = seen.get(t.name);
      if (prev !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', i, 'name'],
          message: `duplicate tenant name "${t.name}" (also tenants[${prev}])`,
        });
      seen.set(t.name, i);
      if (t.instances > 1 && t.guaranteed)
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', i, 'instances'],
          message:
            'a guaranteed tenant runs one request at a time (the analysis treats it as one sequential task): remove "instances" or set it to 1',
        });
      if (t.instances > 1 && t.inputs !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', i, 'instances'],
          message:
            'a tenant with "inputs" computes its tensors in one set of buffers, so it runs one request at a time: remove "instances" or set it to 1',
        });
      if (t.arrival.kind === 'stream' && s.streams === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', i, 'arrival'],
          message:
            'a "stream" arrival needs the top-level "streams": {"count": 4, "loadFactor": 1.2, "jitter": "0.85ms"}',
        });
    });
    if (s.streams !== undefined && s.tenants.every((t) => t.arrival.kind !== 'stream'))
      ctx.addIssue({
        code: 'custom',
        path: ['streams'],
        message:
          'no tenant draws from the streams: give some tenants "arrival": {"kind": "stream", "weight": W}',
      });
  });

export type Scenario = z.output<typeof scenarioSchema>;
export type TenantSpec = Scenario['tenants'][number];
export type ArrivalSpec = TenantSpec['arrival'];
export type StreamsSpec = NonNullable<Scenario['streams']>;

/** `tenants[1].arrival.minGap` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** Validates parsed JSON; throws ConfigError listing every bad field with its path. */
export function parseScenario(json: unknown, source = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(json);
  if (r.success) return r.data;
  const lines = r.error.issues.map((iss) => `  ${formatPath(iss.path)}: ${iss.message}`);
  throw new ConfigError(`${source} is not a valid scenario:\n${lines.join('\n')}`);
}
