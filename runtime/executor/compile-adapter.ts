// The real compiler behind the executor's CompileFn.
import type { BoardDefinition } from '../../boards/types.ts';
import { compileModel } from '../compiler/index.ts';
import { loadModel } from '../models/index.ts';
import type { CompileFn } from './workload.ts';

export function zooCompiler(board: BoardDefinition): CompileFn {
  return (model, tiles, granule, regionBase) =>
    compileModel(loadModel(model), board, { tiles, granule, regionBase });
}

export function zooLayers(model: string): number {
  return loadModel(model).layers.length;
}
