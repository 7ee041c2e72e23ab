// The tile ISA's opcode table: one 16-byte little-endian word per instruction,
//   byte 0 op (u8) | byte 1 flags (u8) | bytes 2-3 a (u16) | 4-7 b (u32) | 8-11 c (u32) | 12-15 d (u32)
// Each entry names the opcode's operands and the slot each is encoded in, and says which
// flag bits are defined; every other slot and bit must be zero, so a stray or corrupted
// word is caught at decode. Code reads operands by name (ins.rows, ins.dram), never by slot.
// Semantics: docs/isa.md.

export const WORD_BYTES = 16;

/** A word's operand slots: `a` is u16, `b`, `c`, `d` are u32. */
export type Slot = 'a' | 'b' | 'c' | 'd';

/** Where an opcode executes: configuration registers, a whole-tile loop macro-op, one of the
 *  three decoupled queues (fine-grained), or program control. */
export type Unit = 'config' | 'loop' | 'fine' | 'control';

export interface OpSpec {
  readonly code: number;
  readonly unit: Unit;
  /** The opcode's named operands and the slot each is encoded in; unnamed slots are reserved (0). */
  readonly operands: Readonly<Record<string, Slot>>;
  /** Defined flag bits. */
  readonly flagMask: number;
}

export const OPS = {
  CFG_GEMM: { code: 0x01, unit: 'config', operands: { I: 'b', J: 'c', K: 'd' }, flagMask: 0 },
  CFG_TILE: { code: 0x02, unit: 'config', operands: { tileI: 'b', tileJ: 'c', tileK: 'd' }, flagMask: 0 },
  // addrA: A / input; addrB: B / weights / second input; addrBias: int32 biases (0: none).
  CFG_ADDR_IN: {
    code: 0x03,
    unit: 'config',
    operands: { addrA: 'b', addrB: 'c', addrBias: 'd' },
    flagMask: 0,
  },
  CFG_ADDR_OUT: { code: 0x04, unit: 'config', operands: { addrC: 'b' }, flagMask: 0 },
  // Bytes between consecutive rows (matrices) or pixels (NHWC tensors).
  CFG_STRIDE: {
    code: 0x05,
    unit: 'config',
    operands: { strideA: 'b', strideB: 'c', strideC: 'd' },
    flagMask: 0,
  },
  CFG_QUANT: { code: 0x06, unit: 'config', operands: { multiplier: 'b', shift: 'c' }, flagMask: 0x1 }, // flags.0=relu
  CFG_CONV_IN: { code: 0x07, unit: 'config', operands: { inH: 'b', inW: 'c', inC: 'd' }, flagMask: 0 },
  CFG_CONV_OUT: { code: 0x08, unit: 'config', operands: { outH: 'b', outW: 'c', outC: 'd' }, flagMask: 0 },
  // firstRow: first output row of a row slice (0: the whole layer).
  CFG_CONV_KERNEL: {
    code: 0x09,
    unit: 'config',
    operands: { kernel: 'a', stride: 'b', padding: 'c', firstRow: 'd' },
    flagMask: 0,
  },
  // pooledHW: pooled H << 16 | pooled W (packPooled()).
  CFG_POOL: {
    code: 0x0a,
    unit: 'config',
    operands: { size: 'a', stride: 'b', padding: 'c', pooledHW: 'd' },
    flagMask: 0,
  },
  CFG_LOAD: { code: 0x0b, unit: 'config', operands: { stride: 'b' }, flagMask: 0 }, //      DRAM row stride of MVIN
  CFG_STORE: { code: 0x0c, unit: 'config', operands: { stride: 'b' }, flagMask: 0 }, //     DRAM row stride of MVOUT
  // Affine requantization for imported models (docs/isa.md): flags.0=per-channel scales;
  // scale: float32 table address; zeroPoints: zA | zB << 8 | zC << 16; clamp: lo | hi << 8 (int8 bytes).
  CFG_QPARAM: {
    code: 0x0d,
    unit: 'config',
    operands: { scale: 'b', zeroPoints: 'c', clamp: 'd' },
    flagMask: 0x1,
  },
  LOOP_MATMUL: { code: 0x10, unit: 'loop', operands: {}, flagMask: 0x1 }, //              flags.0=bias
  LOOP_CONV: { code: 0x11, unit: 'loop', operands: {}, flagMask: 0x7 }, //                flags.0=bias .1=depthwise .2=fused max-pool
  LOOP_RESADD: { code: 0x12, unit: 'loop', operands: {}, flagMask: 0 },
  LOOP_POOL: { code: 0x13, unit: 'loop', operands: {}, flagMask: 0x7 }, //                flags.0=global average .1=windowed average (else max) .2=count includes padding
  LOOP_VEC: { code: 0x14, unit: 'loop', operands: {}, flagMask: 0x1 }, //                 flags.0: 0=softmax 1=layernorm (timing only)
  // flags.0=to accumulator; rows of cols elements from DRAM address dram to local row localRow.
  MVIN: {
    code: 0x20,
    unit: 'fine',
    operands: { rows: 'a', dram: 'b', localRow: 'c', cols: 'd' },
    flagMask: 0x1,
  },
  MVOUT: {
    code: 0x21,
    unit: 'fine',
    operands: { rows: 'a', dram: 'b', accRow: 'c', cols: 'd' },
    flagMask: 0,
  },
  // spadRow: scratchpad row of the weights; accRow: accumulator row of the output.
  PRELOAD: { code: 0x22, unit: 'fine', operands: { spadRow: 'b', accRow: 'c' }, flagMask: 0 },
  // flags.0=accumulate; spadRow: scratchpad row of A.
  COMPUTE: { code: 0x23, unit: 'fine', operands: { rows: 'a', spadRow: 'b' }, flagMask: 0x1 },
  FENCE: { code: 0x30, unit: 'control', operands: {}, flagMask: 0 },
  GRANULE_END: { code: 0x31, unit: 'control', operands: { tag: 'b' }, flagMask: 0 },
  END: { code: 0x3f, unit: 'control', operands: {}, flagMask: 0 },
} as const satisfies Record<string, OpSpec>;

export type OpName = keyof typeof OPS;

/** The opcodes of one unit, e.g. OpsOf<'fine'> = 'MVIN' | 'MVOUT' | 'PRELOAD' | 'COMPUTE'. */
export type OpsOf<U extends Unit> = { [O in OpName]: (typeof OPS)[O]['unit'] extends U ? O : never }[OpName];

/** The named operands of one opcode, e.g. `{ rows, dram, localRow, cols }` for MVIN. */
export type Operands<O extends OpName> = {
  readonly [K in keyof (typeof OPS)[O]['operands']]: number;
};

/** Packs CFG_POOL's pooled output size into its `pooledHW` operand. */
export function packPooled(h: number, w: number): number {
  return ((h << 16) | w) >>> 0;
}

export const FLAG_RELU = 0x1;
export const FLAG_BIAS = 0x1;
export const FLAG_DEPTHWISE = 0x2;
export const FLAG_FUSED_POOL = 0x4;
export const FLAG_GLOBAL_AVG = 0x1;
/** LOOP_POOL: average over each window instead of the maximum. */
export const FLAG_WINDOW_AVG = 0x2;
/** LOOP_POOL average: divide by the whole window (padding included), not the taps inside. */
export const FLAG_COUNT_PAD = 0x4;
export const FLAG_LAYERNORM = 0x1;
export const FLAG_TO_ACC = 0x1;
export const FLAG_ACCUMULATE = 0x1;
export const FLAG_PER_CHANNEL = 0x1;

const BY_CODE = new Map<number, OpName>(
  Object.entries(OPS).map(([name, spec]) => [spec.code, name as OpName]),
);

export function opByCode(code: number): OpName | undefined {
  return BY_CODE.get(code);
}
