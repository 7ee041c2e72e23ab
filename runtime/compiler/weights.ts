// Functional-mode data: seeded int8 weights, int32 biases and input (the seeded generator in
// boards/prng.ts), and the byte images a runner writes to the device.
import type { ModelTable } from '../models/types.ts';
import { layerBiasCount, layerWeightBytes } from '../models/metrics.ts';
import type { CompiledModel } from './types.ts';
import { mulberry32 } from '../../boards/prng.ts';

export interface ModelData {
  readonly seed: number;
  /** Network input, NHWC int8. */
  readonly input: Int8Array;
  /** Per layer: weights (row-major K×J, or I×K when the weights are operand A) and biases. */
  readonly layers: readonly ({ readonly weights: Int8Array; readonly bias: Int32Array } | null)[];
}

/** Weights uniform in [−32, 31], biases in [−512, 511], input over the full int8 range. */
export function makeWeights(model: ModelTable, seed: number): ModelData {
  const next = mulberry32(seed);
  const input = new Int8Array(model.input.h * model.input.w * model.input.c);
  for (let i = 0; i < input.length; i++) input[i] = (next() & 0xff) - 128;
  const layers = model.layers.map((l) => {
    const wBytes = layerWeightBytes(l);
    if (wBytes === 0) return null;
    const weights = new Int8Array(wBytes);
    for (let i = 0; i < wBytes; i++) weights[i] = (next() & 63) - 32;
    // operand-A weights get no bias (the ISA's bias is per output column)
    const nBias = l.kind === 'matmul' && l.weights === 'A' ? 0 : layerBiasCount(l);
    const bias = new Int32Array(nBias);
    for (let i = 0; i < nBias; i++) bias[i] = (next() & 1023) - 512;
    return { weights, bias };
  });
  return { seed, input, layers };
}

/** What to write before running in functional mode: input and every weight block. */
export function dataImage(
  compiled: CompiledModel,
  data: ModelData,
): { address: number; bytes: Uint8Array }[] {
  const out = [
    {
      address: compiled.layout.input.address,
      bytes: new Uint8Array(data.input.buffer, data.input.byteOffset, data.input.byteLength),
    },
  ];
  compiled.layout.weights.forEach((w, i) => {
    const d = data.layers[i];
    if (w.bytes === 0 || !d) return;
    const block = new Uint8Array(w.bytes);
    block.set(new Uint8Array(d.weights.buffer, d.weights.byteOffset, d.weights.byteLength), 0);
    const biasOffset = Math.ceil(d.weights.length / 16) * 16;
    const view = new DataView(block.buffer);
    d.bias.forEach((v, j) => view.setInt32(biasOffset + 4 * j, v, true));
    out.push({ address: w.address, bytes: block });
  });
  return out;
}
