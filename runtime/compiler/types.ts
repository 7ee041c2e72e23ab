// The compiler's public contract (others code against these names) and the lowered form
// of a layer: loop ops, each the full configuration of one LOOP_* instruction.
import type { BoardId } from '../../boards/types.ts';
import type { LayerQuant } from './qparams.ts';

export type GranuleSpec =
  { kind: 'layer' } | { kind: 'block'; layers: number } | { kind: 'cycles'; max: number };

export interface CompileOptions {
  tiles: number;
  granule: GranuleSpec;
  /** First byte of the tenant's DRAM region (absolute board address). */
  regionBase: number;
  /** Functional mode: the runner uploads weights and input (see dataImage()). Programs are
   *  the same either way; the flag is recorded so a runner knows what to upload. */
  functional?: boolean;
  /** Imported models: affine requantization per layer name (docs/isa.md, CFG_QPARAM). */
  quant?: ReadonlyMap<string, LayerQuant> | undefined;
}

export interface ProgramRef {
  tile: number /* 0..tiles-1 within the tenant's group */;
  address: number;
  bytes: Uint8Array;
}

export interface CompiledStep {
  index: number;
  tag: number;
  layers: { first: number; last: number };
  programs: ProgramRef[];
  macs: number;
  readBytes: number;
  writeBytes: number;
  estCycles: number;
  /** Loop tiles of the step's busiest tile (Σ loopTileCount over its ops; cost.ts). */
  loopTiles: number;
  /** MoCA's DRAM-traffic estimate: readBytes with re-reads of L2-sized operands dropped (cost.ts). */
  l2ReadBytes: number;
}

export interface CompiledModel {
  model: string;
  board: BoardId;
  tiles: number;
  steps: CompiledStep[];
  layout: {
    regionBase: number;
    regionBytes: number;
    input: { address: number; bytes: number };
    output: { address: number; bytes: number };
    /** Per layer, weights then int32 biases in one block; bytes 0 for weightless layers. */
    weights: { address: number; bytes: number }[];
  };
  totals: { macs: number; readBytes: number; writeBytes: number; estCycles: number };
  /** Extension: the whole-layer loop ops with absolute addresses, in execution order, so the
   *  CPU reference (runtime/reference/) can run the same layers on a memory image. */
  plans: LayerPlan[];
  functional: boolean;
}

/** A DRAM address before layout: a buffer id and a byte offset into it. */
export interface SymAddr {
  readonly buf: number;
  readonly off: number;
}

export interface Quant {
  readonly relu: boolean;
  readonly M: number;
  readonly S: number;
}

/** Affine requantization of an imported (quantized ONNX) layer: CFG_QPARAM, docs/isa.md.
 *  Zero points and clamp bounds are int8; `scale` is the float32 table (one entry, one per
 *  output column/channel, or sA, sB, sC for a residual add). */
export interface QParams<A = SymAddr> {
  readonly perChannel: boolean;
  readonly scale: A;
  readonly zA: number;
  readonly zB: number;
  readonly zC: number;
  readonly lo: number;
  readonly hi: number;
}

export interface MatmulOp<A = SymAddr> {
  readonly kind: 'matmul';
  readonly I: number;
  readonly J: number;
  readonly K: number;
  readonly a: A;
  readonly b: A;
  readonly bias: A | null;
  readonly c: A;
  readonly sA: number;
  readonly sB: number;
  readonly sC: number;
  readonly q: Quant;
  readonly qp?: QParams<A> | undefined;
}

export interface ConvOp<A = SymAddr> {
  readonly kind: 'conv';
  readonly depthwise: boolean;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
  readonly k: number;
  readonly s: number;
  readonly p: number;
  /** Row slice (CFG_CONV_KERNEL.d): index of the first row of the written map (the conv
   *  map, or the pooled map with a fused pool) this op produces; 0 for a whole layer.
   *  inH/a always describe the whole input image. Rows produced: outH without a pool
   *  (outH is then the slice's height), pool.h with one (outH is then the whole conv map). */
  readonly row0: number;
  readonly pool: {
    readonly size: number;
    readonly stride: number;
    readonly padding: number;
    readonly h: number;
    readonly w: number;
  } | null;
  readonly a: A;
  readonly b: A;
  readonly bias: A | null;
  readonly c: A;
  readonly sA: number;
  readonly sB: number;
  readonly sC: number;
  readonly q: Quant;
  readonly qp?: QParams<A> | undefined;
}

export interface ResaddOp<A = SymAddr> {
  readonly kind: 'resadd';
  readonly I: number;
  readonly J: number;
  readonly a: A;
  readonly b: A;
  readonly c: A;
  readonly sA: number;
  readonly sB: number;
  readonly sC: number;
  readonly q: Quant;
  readonly qp?: QParams<A> | undefined;
}

export interface PoolOp<A = SymAddr> {
  readonly kind: 'pool';
  /** true: global average (out[c] = requant(Σ in)); false: max pool, or a windowed average. */
  readonly global: boolean;
  /** Windowed average instead of max (LOOP_POOL flags.1); countPad: divide by size² (flags.2). */
  readonly average?: { readonly countPad: boolean } | undefined;
  readonly inH: number;
  readonly inW: number;
  readonly C: number;
  readonly size: number;
  readonly stride: number;
  readonly padding: number;
  /** Max pool row slice: first pooled row produced (outH rows from there); inH/a are the
   *  whole input. 0 for a whole layer and for global average. */
  readonly row0: number;
  readonly outH: number;
  readonly outW: number;
  readonly a: A;
  readonly c: A;
  readonly sA: number;
  readonly sC: number;
  readonly q: Quant;
  readonly qp?: QParams<A> | undefined;
}

export interface VecOp<A = SymAddr> {
  readonly kind: 'vec';
  readonly layernorm: boolean;
  readonly rows: number;
  readonly cols: number;
  readonly a: A;
  readonly c: A;
  readonly sA: number;
  readonly sC: number;
}

export type LoopOp<A = SymAddr> = MatmulOp<A> | ConvOp<A> | ResaddOp<A> | PoolOp<A> | VecOp<A>;

export interface LayerPlan {
  readonly layer: number;
  readonly name: string;
  readonly ops: readonly LoopOp<number>[];
}
