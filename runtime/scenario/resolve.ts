// From a scenario file to what a run needs, in board cycles: the board, each tenant's
// model, deadline and arrival pattern. Durations given as multiples of the isolated
// latency ({"xIsolated": f}) need that latency, which the caller measures on the board.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { boardIds, findBoard } from '../../boards/definitions.ts';
import { ConfigError, CotenantError } from '../../boards/errors.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { resolveModelName } from '../models/index.ts';
import { createRandom } from '../random.ts';
import { parseTraceText, type ArrivalPattern } from './arrivals.ts';
import { streamArrivals, type StreamTenant } from './streams.ts';
import { toCycles, type Duration } from './duration.ts';
import { parseScenario, type Scenario, type TenantSpec } from './schema.ts';

export interface LoadedScenario {
  readonly scenario: Scenario;
  readonly source: string;
  /** Per tenant: the zoo model's canonical name, or the absolute path of a model package
   *  folder / .onnx file (a `model` naming a path: "./models/net"). */
  readonly models: readonly string[];
  /** Per tenant with `inputs`: the input files (absolute, sorted by name). */
  readonly inputs: readonly (readonly string[] | undefined)[];
  /** Trace-file arrival times per tenant (undefined for generated patterns). */
  readonly traces: readonly (readonly number[] | undefined)[];
}

export function loadScenarioFile(path: string): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read scenario ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`scenario ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return loadScenario(json, path, dirname(path));
}

/** Validates a parsed scenario; trace files are read relative to `baseDir`. */
export function loadScenario(json: unknown, source: string, baseDir: string): LoadedScenario {
  const scenario = parseScenario(json, source);
  if (findBoard(scenario.board) === undefined)
    throw new ConfigError(
      `${source}: board: unknown board "${scenario.board}"; valid boards: ${boardIds().join(', ')}`,
    );
  const models = scenario.tenants.map((t, i) => {
    if (!isModelPath(t.model)) {
      const name = resolveModelName(t.model);
      if (name === undefined)
        throw new ConfigError(
          `${source}: tenants[${i}].model: unknown model "${t.model}" (a zoo name, or a path such as "./models/net" to a package made by cotenant import)`,
        );
      if (t.inputs !== undefined)
        throw new ConfigError(
          `${source}: tenants[${i}].inputs: zoo models have no trained weights; give a model package (cotenant import) to compute real outputs`,
        );
      return name;
    }
    const path = resolvePath(baseDir, t.model);
    const ok = path.toLowerCase().endsWith('.onnx') ? existsSync(path) : existsSync(join(path, 'model.json'));
    if (!ok)
      throw new ConfigError(
        `${source}: tenants[${i}].model: no model package at ${path} (create one with cotenant import model.onnx -o ${t.model})`,
      );
    return path;
  });
  const inputs = scenario.tenants.map((t, i) => {
    if (t.inputs === undefined) return undefined;
    const dir = resolvePath(baseDir, t.inputs);
    let files: string[];
    try {
      files = readdirSync(dir)
        .filter((f) => /\.(npy|bin)$/i.test(f))
        .sort()
        .map((f) => join(dir, f));
    } catch (err) {
      throw new ConfigError(`${source}: tenants[${i}].inputs: cannot read ${dir}: ${(err as Error).message}`);
    }
    if (files.length === 0)
      throw new ConfigError(`${source}: tenants[${i}].inputs: ${dir} holds no .npy or .bin files`);
    return files;
  });
  const traces = scenario.tenants.map((t, i) => {
    if (t.arrival.kind !== 'trace') return undefined;
    const file = resolvePath(baseDir, t.arrival.file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `${source}: tenants[${i}].arrival.file: cannot read ${file}: ${(err as Error).message}`,
      );
    }
    try {
      return parseTraceText(text, file);
    } catch (err) {
      throw new ConfigError(
        `${source}: tenants[${i}].arrival.file: ${err instanceof CotenantError ? err.message : String(err)}`,
      );
    }
  });
  return { scenario, source, models, inputs, traces };
}

/** A tenant's `model` names a file or folder (not a zoo model) when it contains a slash or
 *  ends in .onnx. */
export function isModelPath(model: string): boolean {
  return model.includes('/') || model.includes('\\') || model.toLowerCase().endsWith('.onnx');
}

export function boardOf(s: Scenario, override?: string): BoardDefinition {
  const id = override ?? s.board;
  const def = findBoard(id);
  if (def === undefined)
    throw new ConfigError(`unknown board "${id}"; valid boards: ${boardIds().join(', ')}`);
  return def;
}

/** Checks what only the board can tell: a tenant's `tiles` override must fit on it. */
export function checkFitsBoard(loaded: LoadedScenario, def: BoardDefinition): void {
  loaded.scenario.tenants.forEach((t, i) => {
    if (t.tiles !== undefined && t.tiles > def.tiles)
      throw new ConfigError(
        `${loaded.source}: tenants[${i}].tiles: ${t.tiles} is more than the ${def.tiles} tiles of board ${def.id}; use 1..${def.tiles} or leave it out to let the planner choose`,
      );
  });
}

export interface ResolvedTenant {
  readonly spec: TenantSpec;
  readonly model: string;
  readonly deadline: number;
  readonly arrival: ArrivalPattern;
}

/** Turns every duration into cycles; `isolated[i]` is tenant i's isolated latency. */
export function resolveTenants(
  loaded: LoadedScenario,
  def: BoardDefinition,
  isolated: readonly number[],
): ResolvedTenant[] {
  const streamed = streamTraces(loaded, def, isolated);
  return loaded.scenario.tenants.map((t, i) => {
    const cyc = (d: Duration) => toCycles(d, def.clockHz, isolated[i]);
    const a = t.arrival;
    let arrival: ArrivalPattern;
    switch (a.kind) {
      case 'periodic':
        arrival = {
          kind: 'periodic',
          period: cyc(a.period),
          offset: a.offset === undefined ? 0 : cyc(a.offset),
        };
        break;
      case 'sporadic': {
        const minGap = cyc(a.minGap);
        const maxGap = a.maxGap === undefined ? minGap : cyc(a.maxGap);
        if (maxGap < minGap)
          throw new ConfigError(
            `${loaded.source}: tenants[${i}].arrival.maxGap (${maxGap} cycles) is below minGap (${minGap} cycles)`,
          );
        arrival = { kind: 'sporadic', minGap, maxGap, offset: a.offset === undefined ? 0 : cyc(a.offset) };
        break;
      }
      case 'poisson':
        arrival = {
          kind: 'poisson',
          meanGap: cyc(a.meanGap),
          offset: a.offset === undefined ? 0 : cyc(a.offset),
        };
        break;
      case 'trace':
        arrival = { kind: 'trace', times: loaded.traces[i]! };
        break;
      case 'stream':
        arrival = { kind: 'trace', times: streamed.get(i)! };
        break;
    }
    return { spec: t, model: loaded.models[i]!, deadline: cyc(t.deadline), arrival };
  });
}

/** The arrival traces of `stream` tenants (by tenant index), from the scenario's seed. */
function streamTraces(
  loaded: LoadedScenario,
  def: BoardDefinition,
  isolated: readonly number[],
): Map<number, number[]> {
  const s = loaded.scenario;
  const out = new Map<number, number[]>();
  if (s.streams === undefined) return out;
  const jitter = s.streams.jitter;
  if (jitter !== undefined && 'xIsolated' in jitter)
    throw new ConfigError(
      `${loaded.source}: streams.jitter: give cycles or a time ("0.85ms"); streams have no isolated latency of their own`,
    );
  const tenants: StreamTenant[] = [];
  s.tenants.forEach((t, i) => {
    if (t.arrival.kind === 'stream')
      tenants.push({ tenant: i, weight: t.arrival.weight, isolatedCycles: isolated[i]! });
  });
  const limit =
    'requests' in s.run
      ? { maxPerStream: s.run.requests, endCycle: Number.POSITIVE_INFINITY }
      : { maxPerStream: 10_000_001, endCycle: toCycles(s.run.duration, def.clockHz) };
  const rng = createRandom(s.seed);
  const times = streamArrivals(
    tenants,
    {
      count: s.streams.count,
      loadFactor: s.streams.loadFactor,
      jitter: jitter === undefined ? 0 : toCycles(jitter, def.clockHz),
    },
    limit,
    (k) => rng.fork(`stream:${k}`),
  );
  tenants.forEach((t, k) => out.set(t.tenant, times[k]!));
  return out;
}
