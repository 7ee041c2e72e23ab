// Found by the guarantee campaign (docs/scheduler.md, "The guarantee campaign"): through the
// library API the application chooses when requests arrive, and admission counts every
// tenant's declared minGap. A best-effort tenant above a guaranteed one that submitted a
// burst faster than its minGap took the lane for 12 requests in a row, and the guaranteed
// request waited 88 374 cycles against a bound of 13 596 (a certificate violation). The
// runtime now releases such requests minGap apart, so nothing a co-runner submits breaks
// the guaranteed tenant's bound.
import test from 'ava';
import { importOnnx } from '../../runtime/import/onnx.ts';
import { openBoard, Runtime } from '../../runtime/api/index.ts';
import { QdqBuilder } from '../import/qdq-builder.ts';

function net(seed: number) {
  const b = new QdqBuilder(seed, false);
  const x = b.input([1, 3, 16, 16]);
  const h = b.conv(b.conv(x, 16, 3, 1, 1, { act: 'relu', perChannel: true }), 16, 3, 1, 1, {
    depthwise: true,
    perChannel: true,
  });
  const y = b.matmul(b.flatten(b.globalAvgPool(h)), 10, { gemm: true });
  return { bytes: b.build(y), input: b.sampleInput() };
}

test('a co-runner submitting faster than its minGap is released minGap apart; the guaranteed tenant keeps its bound', async (t) => {
  const n = net(7);
  const gap = 5_000_000;
  const rt = new Runtime(await openBoard('emu'));
  try {
    // One lane: the best-effort tenant above the guaranteed one interferes with it.
    const hi = await rt.addTenant({
      name: 'hi',
      model: importOnnx(n.bytes, 'hi.onnx'),
      priority: 10,
      deadline: 2 * gap,
      minGap: gap,
      tiles: 4,
    });
    const g = await rt.addTenant({
      name: 'g',
      model: importOnnx(n.bytes, 'g.onnx'),
      priority: 1,
      guaranteed: true,
      deadline: gap,
      minGap: gap,
      tiles: 4,
    });
    if (!hi.admitted || !g.admitted) throw new Error('admission refused the test tenants');
    t.is(g.verdict, 'guaranteed');
    // 12 requests of the co-runner at once (declared: one per 5 M cycles), and one of g.
    const at = 1_000_000;
    const results = await Promise.all([
      ...Array.from({ length: 12 }, () => rt.infer(hi.tenant, n.input, { arrival: at })),
      rt.infer(g.tenant, n.input, { arrival: at }),
    ]);
    const mine = results.at(-1)!;
    t.is(mine.arrival, at);
    t.false(mine.certificateViolated, `latency ${mine.latencyCycles}, bound ${mine.bound}`);
    t.true(mine.latencyCycles <= g.bound);
    const releases = results.slice(0, -1).map((r) => r.arrival);
    t.deepEqual(
      releases,
      releases.map((_, k) => at + k * gap),
      'the burst is released one request per minGap',
    );
    t.is(rt.stats().violations, 0);
  } finally {
    await rt.close();
  }
});
