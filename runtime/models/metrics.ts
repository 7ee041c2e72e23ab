// Per-layer and per-model arithmetic facts derived from the shapes (never stored).
import type { Layer, ModelTable, ModelTotals, LayerKind } from './types.ts';
import { unreachable } from '../../boards/unreachable.ts';

export function layerMacs(l: Layer): number {
  switch (l.kind) {
    case 'conv':
      return l.out[0] * l.out[1] * l.out[2] * l.kernel * l.kernel * l.in[2];
    case 'dwconv':
      return l.out[0] * l.out[1] * l.out[2] * l.kernel * l.kernel;
    case 'matmul':
      return l.I * l.J * l.K * (l.heads ?? 1);
    case 'pool':
    case 'add':
    case 'global_avgpool':
    case 'softmax':
    case 'layernorm':
      return 0;
    default:
      return unreachable(l, 'layer kind');
  }
}

/** int8 weight bytes: conv k·k·inC·outC, depthwise k·k·C, matmul K·J (I·K when weights are A). */
export function layerWeightBytes(l: Layer): number {
  switch (l.kind) {
    case 'conv':
      return l.kernel * l.kernel * l.in[2] * l.out[2];
    case 'dwconv':
      return l.kernel * l.kernel * l.out[2];
    case 'matmul':
      return l.weights === 'B' ? l.K * l.J : l.weights === 'A' ? l.I * l.K : 0;
    case 'pool':
    case 'add':
    case 'global_avgpool':
    case 'softmax':
    case 'layernorm':
      return 0;
    default:
      return unreachable(l, 'layer kind');
  }
}

/** Output channels that get an int32 bias (0 for weightless layers). */
export function layerBiasCount(l: Layer): number {
  switch (l.kind) {
    case 'conv':
    case 'dwconv':
      return l.out[2];
    case 'matmul':
      return l.weights === 'B' ? l.J : l.weights === 'A' ? l.I : 0;
    case 'pool':
    case 'add':
    case 'global_avgpool':
    case 'softmax':
    case 'layernorm':
      return 0;
    default:
      return unreachable(l, 'layer kind');
  }
}

export function modelTotals(m: ModelTable): ModelTotals {
  const byKind: Partial<Record<LayerKind, number>> = {};
  let macs = 0,
    weightBytes = 0,
    biasBytes = 0;
  for (const l of m.layers) {
    macs += layerMacs(l);
    weightBytes += layerWeightBytes(l);
    biasBytes += 4 * layerBiasCount(l);
    byKind[l.kind] = (byKind[l.kind] ?? 0) + 1;
  }
  return { layers: m.layers.length, macs, weightBytes, biasBytes, byKind };
}
