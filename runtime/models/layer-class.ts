// Layer classes for per-layer reports (`cotenant profile --layers`, `npm run bench:fidelity`):
// the groups whose costs come from different hardware mechanisms (docs/emulator.md).
import type { Layer } from './types.ts';

export type LayerClass =
  'first conv' | 'k×k conv' | '1×1/matmul' | 'FC' | 'depthwise' | 'resadd' | 'pool' | 'vector';

export function layerClass(layer: Layer): LayerClass {
  switch (layer.kind) {
    case 'conv':
      if (layer.inputs.includes('input')) return 'first conv';
      return layer.kernel > 1 ? 'k×k conv' : '1×1/matmul';
    case 'dwconv':
      return 'depthwise';
    case 'matmul':
      return layer.I === 1 ? 'FC' : '1×1/matmul';
    case 'add':
      return 'resadd';
    case 'pool':
    case 'global_avgpool':
      return 'pool';
    case 'softmax':
    case 'layernorm':
      return 'vector';
    default: {
      const never: never = layer;
      return never;
    }
  }
}
