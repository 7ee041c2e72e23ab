// The tile ISA's opcode table: one 16-byte little-endian word per instruction,
//   byte 0 op (u8) | byte 1 flags (u8) | bytes 2-3 a (u16) | 4-7 b (u32) | 8-11 c (u32) | 12-15 d (u32)
// Each entry says which fields the opcode uses and which flag bits are defined; every
// other field and bit must be zero, so a stray or corrupted word is caught at decode.
// Semantics: docs/isa.md.

export const WORD_BYTES = 16;

export type Field = 'a' | 'b' | 'c' | 'd';

export interface OpSpec {
  readonly code: number;
  readonly fields: readonly Field[];
  /** Defined flag bits. */
  readonly flagMask: number;
}

export const OPS = {
  CFG_GEMM: { code: 0x01, fields: ['b', 'c', 'd'], flagMask: 0 }, //         b=I c=J d=K
  CFG_TILE: { code: 0x02, fields: ['b', 'c', 'd'], flagMask: 0 }, //         b=tileI c=tileJ d=tileK
  CFG_ADDR_IN: { code: 0x03, fields: ['b', 'c', 'd'], flagMask: 0 }, //      b=A/input c=B/weights d=bias (0: none)
  CFG_ADDR_OUT: { code: 0x04, fields: ['b'], flagMask: 0 }, //               b=C/output
  CFG_STRIDE: { code: 0x05, fields: ['b', 'c', 'd'], flagMask: 0 }, //       b=strideA c=strideB d=strideC (bytes)
  CFG_QUANT: { code: 0x06, fields: ['b', 'c'], flagMask: 0x1 }, //           flags.0=relu b=multiplier c=shift
  CFG_CONV_IN: { code: 0x07, fields: ['b', 'c', 'd'], flagMask: 0 }, //      b=inH c=inW d=inC
  CFG_CONV_OUT: { code: 0x08, fields: ['b', 'c', 'd'], flagMask: 0 }, //     b=outH c=outW d=outC
  CFG_CONV_KERNEL: { code: 0x09, fields: ['a', 'b', 'c', 'd'], flagMask: 0 }, // a=kernel b=stride c=padding d=first row of a row slice
  CFG_POOL: { code: 0x0a, fields: ['a', 'b', 'c', 'd'], flagMask: 0 }, //    a=size b=stride c=padding d=outH<<16|outW
  CFG_LOAD: { code: 0x0b, fields: ['b'], flagMask: 0 }, //                   b=DRAM row stride of MVIN
  CFG_STORE: { code: 0x0c, fields: ['b'], flagMask: 0 }, //                  b=DRAM row stride of MVOUT
  // Affine (zero point + float scale) requantization for imported models: docs/isa.md.
  CFG_QPARAM: { code: 0x0d, fields: ['b', 'c', 'd'], flagMask: 0x1 }, //     flags.0=per-channel scales b=scale table c=zA|zB<<8|zC<<16 d=lo|hi<<8
  LOOP_MATMUL: { code: 0x10, fields: [], flagMask: 0x1 }, //                 flags.0=bias
  LOOP_CONV: { code: 0x11, fields: [], flagMask: 0x7 }, //                   flags.0=bias .1=depthwise .2=fused max-pool
  LOOP_RESADD: { code: 0x12, fields: [], flagMask: 0 },
  LOOP_POOL: { code: 0x13, fields: [], flagMask: 0x1 }, //                   flags.0=global average (else max)
  LOOP_VEC: { code: 0x14, fields: [], flagMask: 0x1 }, //                    flags.0: 0=softmax 1=layernorm (timing only)
  MVIN: { code: 0x20, fields: ['a', 'b', 'c', 'd'], flagMask: 0x1 }, //      flags.0=to accumulator; a=rows b=DRAM c=local row d=cols
  MVOUT: { code: 0x21, fields: ['a', 'b', 'c', 'd'], flagMask: 0 }, //       a=rows b=DRAM c=acc row d=cols
  PRELOAD: { code: 0x22, fields: ['b', 'c'], flagMask: 0 }, //               b=scratchpad row of weights c=acc row of output
  COMPUTE: { code: 0x23, fields: ['a', 'b'], flagMask: 0x1 }, //             flags.0=accumulate; a=rows b=scratchpad row of A
  FENCE: { code: 0x30, fields: [], flagMask: 0 },
  GRANULE_END: { code: 0x31, fields: ['b'], flagMask: 0 }, //                b=tag
  END: { code: 0x3f, fields: [], flagMask: 0 },
} as const satisfies Record<string, OpSpec>;

export type OpName = keyof typeof OPS;

export const FLAG_RELU = 0x1;
export const FLAG_BIAS = 0x1;
export const FLAG_DEPTHWISE = 0x2;
export const FLAG_FUSED_POOL = 0x4;
export const FLAG_GLOBAL_AVG = 0x1;
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
