// Writes the example application's two QDQ-quantized ONNX models (examples/app/models/),
// built with the same TypeScript builder the ONNX Runtime tests use:
//   npx tsx scripts/gen-example-models.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { QdqBuilder } from '../test/import/qdq-builder.ts';

const dir = new URL('../examples/app/models/', import.meta.url);
mkdirSync(dir, { recursive: true });

// "camera": a small classifier over 3×32×32 frames (uint8 activations, per-channel weights).
{
  const b = new QdqBuilder(2024, true);
  const x = b.input([1, 3, 32, 32], 1 / 120);
  let h = b.conv(x, 16, 3, 1, 1, { act: 'relu', perChannel: true });
  h = b.maxPool(h, 2, 2);
  h = b.conv(h, 16, 3, 1, 1, { depthwise: true, perChannel: true, act: 'clip6' });
  h = b.conv(h, 32, 1, 1, 0, { perChannel: true, act: 'relu' });
  h = b.maxPool(h, 2, 2);
  const y = b.matmul(b.flatten(b.globalAvgPool(h)), 10, { gemm: true, perChannel: true });
  writeFileSync(new URL('camera.onnx', dir), b.build(y, 'camera'));
}
// "keyword": a residual block over a 1×8×16×16 feature map (int8 activations).
{
  const b = new QdqBuilder(2025, false);
  const x = b.input([1, 8, 16, 16]);
  const c1 = b.conv(x, 24, 3, 1, 1, { act: 'relu' });
  const c2 = b.conv(c1, 24, 3, 1, 1, { perChannel: true });
  const s = b.add(c1, c2, 'relu');
  const y = b.matmul(b.flatten(b.globalAvgPool(s)), 12, { gemm: true });
  writeFileSync(new URL('keyword.onnx', dir), b.build(y, 'keyword'));
}
