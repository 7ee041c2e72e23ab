// A model as the compiler sees it: an ordered list of layers (execution order) with the
// shapes each layer executes and the data flow between them. Shapes are those AS
// EXECUTED by the source program (see docs/models.md for the quirks this keeps).

/** [height, width, channels] of an NHWC tensor (batch 1). */
export type Shape3 = readonly [number, number, number];

/** The layer writes its output at a channel offset of a buffer shared with other layers
 *  (inception / fire concatenation, FC column halves). */
export interface ConcatTarget {
  readonly buffer: string;
  readonly offset: number;
}

interface LayerBase {
  readonly name: string;
  /** Producer layer names, or "input" for the network input. Several producers that all
   *  write one concat buffer mean "read that buffer". */
  readonly inputs: readonly string[];
}

export interface ConvLayer extends LayerBase {
  readonly kind: 'conv' | 'dwconv';
  readonly in: Shape3;
  /** Conv output before any fused pooling. */
  readonly out: Shape3;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  /** Bottom and right padding when it differs from `padding` (it only sets the output size). */
  readonly paddingEnd?: readonly [number, number];
  /** Fused max-pool; h/w = pooled size written. */
  readonly pool?: {
    readonly size: number;
    readonly stride: number;
    readonly padding: number;
    readonly h: number;
    readonly w: number;
  };
  readonly relu: boolean;
  readonly concat?: ConcatTarget;
}

export interface MatmulLayer extends LayerBase {
  readonly kind: 'matmul';
  /** C[I×J] = A[I×K]·B[K×J]. */
  readonly I: number;
  readonly J: number;
  readonly K: number;
  /** Which operand holds the weights ('none': both are activations, e.g. attention). */
  readonly weights: 'A' | 'B' | 'none';
  readonly relu: boolean;
  /** Batched over attention heads: 'qkt' = Q_h·K_hᵀ (output heads×I rows of J),
   *  'pv' = P_h·V_h (output I rows of heads×J). I/J/K are per head. */
  readonly heads?: number;
  readonly batched?: 'qkt' | 'pv';
  readonly concat?: ConcatTarget;
  readonly split?: { readonly of: string; readonly colOffset: number; readonly fullJ: number };
}

export interface PoolLayer extends LayerBase {
  readonly kind: 'pool';
  readonly in: Shape3;
  /** Pooled output. */
  readonly out: Shape3;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  /** 'max' (default) or a windowed average (imported AveragePool). */
  readonly mode?: 'max' | 'avg';
  /** Average: divide by kernel² (padding counts) instead of the taps inside the input. */
  readonly countIncludePad?: boolean;
}

export interface AddLayer extends LayerBase {
  readonly kind: 'add';
  /** Rows × columns of the elementwise add, as executed. */
  readonly I: number;
  readonly J: number;
  readonly relu: boolean;
}

export interface GlobalAvgPoolLayer extends LayerBase {
  readonly kind: 'global_avgpool';
  readonly in: Shape3;
}

export interface VecLayer extends LayerBase {
  readonly kind: 'softmax' | 'layernorm';
  readonly rows: number;
  readonly cols: number;
}

export type Layer = ConvLayer | MatmulLayer | PoolLayer | AddLayer | GlobalAvgPoolLayer | VecLayer;
export type LayerKind = Layer['kind'];

export interface ModelTable {
  readonly name: string;
  readonly displayName: string;
  /** 'moca-artifact' or 'standard-architecture'. */
  readonly source: string;
  /** Network input; BERT: h = sequence length, w = 1, c = hidden size. */
  readonly input: { readonly h: number; readonly w: number; readonly c: number };
  readonly layers: readonly Layer[];
}

export interface ModelTotals {
  readonly layers: number;
  readonly macs: number;
  /** int8 weight bytes (biases not included, as in the source README). */
  readonly weightBytes: number;
  readonly biasBytes: number;
  readonly byKind: Readonly<Partial<Record<LayerKind, number>>>;
}
