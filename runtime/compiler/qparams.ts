// Imported (quantized ONNX) layers: their affine requantization parameters, where the
// float32 scale table sits in the layer's parameter block, and the CFG_QPARAM word.
import { FLAG_PER_CHANNEL, instr, type Instruction } from '../../boards/isa/index.ts';
import { qparamFields } from '../../boards/emulator/affine.ts';
import type { QParams } from './types.ts';

/** Per layer of an imported model: what CFG_QPARAM carries, with the scale table's values. */
export interface LayerQuant {
  readonly zA: number;
  readonly zB: number;
  readonly zC: number;
  readonly lo: number;
  readonly hi: number;
  /** float32 values: per output channel, one (per-tensor), or sA, sB, sC for an add. */
  readonly scales: readonly number[];
  readonly perChannel: boolean;
}

/** Parameter block of a layer: int8 weights at 0, int32 biases at biasOffset, float32 scales
 *  at scaleOffset (each 16-byte aligned); `bytes` in all. */
export function blockLayout(
  weightBytes: number,
  biasCount: number,
  scaleCount: number,
): { biasOffset: number; scaleOffset: number; bytes: number } {
  const biasOffset = Math.ceil(weightBytes / 16) * 16;
  const scaleOffset = Math.ceil((biasOffset + 4 * biasCount) / 16) * 16;
  return {
    biasOffset,
    scaleOffset,
    bytes: scaleCount > 0 ? scaleOffset + 4 * scaleCount : biasOffset + 4 * biasCount,
  };
}

export function qparamWord(qp: QParams<number>): Instruction {
  return instr('CFG_QPARAM', {
    flags: qp.perChannel ? FLAG_PER_CHANNEL : 0,
    scale: qp.scale,
    ...qparamFields(qp),
  });
}
