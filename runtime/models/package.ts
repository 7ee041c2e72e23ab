// A model package: a layer table in the zoo's schema plus the data an imported model brings
// (int8 weights, int32 biases, affine requantization per layer, the quantization of its input
// and output). Written by `cotenant import`, read by `cotenant infer`, scenarios and the
// library API. On disk: a folder with model.json and params.bin (docs/import.md).
import type { LayerQuant } from '../compiler/qparams.ts';
import type { ModelTable } from './types.ts';

/** Quantization of the network input or output, with its ONNX name and shape (NCHW or 2-D). */
export interface TensorQuant {
  readonly name: string;
  readonly shape: readonly number[];
  readonly scale: number;
  /** Zero point in the tensor's own type (0..255 for uint8). */
  readonly zeroPoint: number;
  readonly dtype: 'int8' | 'uint8';
}

export interface LayerParams {
  /** K×J row-major (the ISA's weight operand B), or (k·k)×C for a depthwise conv. */
  readonly weights: Int8Array;
  readonly bias: Int32Array;
}

export interface ModelPackage {
  readonly table: ModelTable;
  /** Per layer name: affine requantization (every layer of an imported model has one). */
  readonly quant: ReadonlyMap<string, LayerQuant>;
  /** Per layer (table order): weights and biases, null for weightless layers. */
  readonly params: readonly (LayerParams | null)[];
  readonly input: TensorQuant;
  readonly output: TensorQuant;
}
