// Example application for the cotenant library API (docs/api.md).
// Two tenants share one board: "camera" gets a frame every 50 µs and must answer within
// 50 µs (guaranteed); "keyword" sends bursts of 4 requests now and then (best effort).
// A third tenant joins while the camera streams and leaves again. Prints each tenant's
// latency. Run: npm run build && npx tsx examples/app/app.ts [board]
// where board is any --board spec: emu (default), shm:emu, serial:/dev/pts/N, …
import { openBoard, loadModel, Runtime, type InferResult } from 'cotenant';

const spec = process.argv[2] ?? 'emu';
const models = new URL('./models/', import.meta.url);

const board = await openBoard(spec);
const runtime = new Runtime(board);
const us = (x: number) => Math.round(x * 1e-6 * board.board.clockHz); // microseconds → board cycles

const keywordModel = await loadModel(new URL('keyword.onnx', models).pathname);
try {
  const camera = await runtime.addTenant({
    name: 'camera',
    model: await loadModel(new URL('camera.onnx', models).pathname),
    priority: 10,
    guaranteed: true,
    deadline: '50us',
    minGap: '50us',
  });
  const keyword = await runtime.addTenant({
    name: 'keyword',
    model: keywordModel,
    priority: 1,
    deadline: '100us',
  });
  for (const v of [camera, keyword])
    console.log(
      v.admitted
        ? `admitted ${v.tenant.name}: ${v.verdict}, bound ${v.bound} cycles, deadline ${v.deadline} cycles, ${v.tiles} tile(s)`
        : `refused: ${v.reason}; ${v.suggestions.join('; ')}`,
    );
  if (!camera.admitted || !keyword.admitted) process.exit(1);

  // 20 frames, 50 µs apart: a moving gradient, like a camera panning.
  const frame = (k: number) =>
    Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin((i % 32) / 5 + k / 3 + Math.floor(i / 1024)));
  const start = (await runtime.infer(camera.tenant, frame(0))).end; // warm-up frame sets the clock
  const frames: Promise<InferResult>[] = [];
  for (let k = 1; k <= 20; k++)
    frames.push(runtime.infer(camera.tenant, frame(k), { arrival: start + k * us(50) }));
  // bursts of 4 keyword requests at 120 µs, 330 µs and 710 µs
  const bursts: Promise<InferResult>[] = [];
  for (const at of [120, 330, 710])
    for (let j = 0; j < 4; j++)
      bursts.push(
        runtime.infer(keyword.tenant, Float32Array.from({ length: 8 * 16 * 16 }, (_, i) => Math.cos(i / 7 + at + j)), {
          arrival: start + us(at),
        }),
      );
  const report = (name: string, rs: InferResult[]) => {
    const lat = rs.map((r) => r.latencyCycles);
    const mean = lat.reduce((a, b) => a + b, 0) / lat.length;
    const toUs = (c: number) => ((c / board.board.clockHz) * 1e6).toFixed(1);
    const bound = rs[rs.length - 1]!.bound; // a guaranteed tenant's bound under the current tenant set
    console.log(
      `${name}: ${rs.length} requests, latency mean ${toUs(mean)} µs, max ${toUs(Math.max(...lat))} µs, deadline misses ${rs.filter((r) => !r.deadlineMet).length}${bound === undefined ? '' : `, bound ${toUs(bound)} µs`}`,
    );
  };
  // While the stream runs, a second keyword tenant (a model already measured on this board,
  // so it joins the running stream) sends one burst and leaves again.
  const extra = await runtime.addTenant({
    name: 'keyword-2',
    model: keywordModel,
    priority: 2,
    deadline: '100us',
  });
  if (!extra.admitted) throw new Error(`keyword-2 refused: ${extra.reason}`);
  const extraBurst = await Promise.all(
    [0, 1, 2, 3].map((j) => runtime.infer(extra.tenant, Float32Array.from({ length: 8 * 16 * 16 }, (_, i) => Math.sin(i / 3 + j)))),
  );
  await runtime.removeTenant(extra.tenant);
  const cam = await Promise.all(frames);
  const kw = await Promise.all(bursts);
  report('camera', cam);
  report('keyword', kw);
  report('keyword-2', extraBurst);
  const stats = runtime.stats();
  console.log(
    `tenants added while others ran: ${stats.addsWhileRunning}; certificate violations: ${stats.violations}`,
  );
} finally {
  await runtime.close();
}
