// The compiler: model table → tile programs split into granules (docs/compiler.md).
export type * from './types.ts';
export { compileModel } from './compile.ts';
export { makeWeights, dataImage, type ModelData } from './weights.ts';
export { opCost, chooseTiles, combine, tileBandwidth, type OpCost, type Tiles } from './cost.ts';
export { parseGranule } from './granule.ts';
