// Runs a QDQ test model with ONNX Runtime and with cotenant (import → compile → functional
// emulator) on the same float input and returns both quantized outputs.
import ort from 'onnxruntime-node';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import { InProcessDevice } from '../../drivers/inprocess.ts';
import type { GranuleSpec } from '../../runtime/compiler/types.ts';
import { importOnnx } from '../../runtime/import/onnx.ts';
import { compilePackage, inferCompiled, outputTensor, quantizeInput } from '../../runtime/infer.ts';
import type { QdqBuilder, QTensor } from './qdq-builder.ts';

export interface Comparison {
  readonly ort: Int8Array | Uint8Array;
  readonly ours: Int8Array | Uint8Array;
  /** Elements that differ, and the largest difference. */
  readonly diffs: number;
  readonly maxDiff: number;
  readonly distinct: number;
}

export async function runBoth(
  b: QdqBuilder,
  y: QTensor,
  board: BoardDefinition,
  tiles = 1,
  granule: GranuleSpec = { kind: 'layer' },
): Promise<Comparison> {
  const bytes = b.build(y);
  const x = b.sampleInput();
  const session = await ort.InferenceSession.create(bytes);
  const res = await session.run({ input: new ort.Tensor('float32', x, b.inputDims()) });
  await session.release();
  const want = res[y.name]!.data as Int8Array | Uint8Array;

  const pkg = importOnnx(bytes, 'test.onnx');
  const compiled = compilePackage(pkg, board, { tiles, granule });
  const device = new InProcessDevice(createEmulatedBoard(board, { mode: 'functional' }));
  const r = await inferCompiled(device, compiled, pkg, quantizeInput(pkg, x));
  const got = outputTensor(pkg, r.raw).quantized;
  let diffs = 0,
    maxDiff = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(want[i]! - got[i]!);
    if (d > 0) diffs++;
    maxDiff = Math.max(maxDiff, d);
  }
  return { ort: want, ours: got, diffs, maxDiff, distinct: new Set(want).size };
}
