// The models of a scenario: zoo names compile from the zoo's tables (timing workloads with
// seeded data); paths load a model package (or .onnx) and compile with its affine
// parameters, so its tenants can compute real outputs (functional-run.ts).
import type { BoardDefinition } from '../../boards/types.ts';
import { compileModel } from '../compiler/index.ts';
import { loadModelPath } from '../import/load.ts';
import { compilePackage } from '../infer.ts';
import { loadModel } from '../models/index.ts';
import type { ModelPackage } from '../models/package.ts';
import type { LoadedScenario } from '../scenario/resolve.ts';
import type { CompileFn } from './workload.ts';

export interface ScenarioModels {
  readonly compileFor: (board: BoardDefinition) => CompileFn;
  readonly layersOf: (model: string) => number;
  /** Packages by the absolute path the scenario resolved. */
  readonly packages: ReadonlyMap<string, ModelPackage>;
}

export async function scenarioModels(loaded: LoadedScenario): Promise<ScenarioModels> {
  const packages = new Map<string, ModelPackage>();
  for (const m of loaded.models)
    if (m.includes('/') && !packages.has(m)) packages.set(m, await loadModelPath(m));
  return {
    packages,
    compileFor: (board) => (model, tiles, granule, regionBase) => {
      const pkg = packages.get(model);
      return pkg
        ? compilePackage(pkg, board, { tiles, granule, regionBase })
        : compileModel(loadModel(model), board, { tiles, granule, regionBase });
    },
    layersOf: (model) => (packages.get(model)?.table ?? loadModel(model)).layers.length,
  };
}
