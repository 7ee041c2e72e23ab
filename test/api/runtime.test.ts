// The library API end to end: admission on add, real inferences equal to ONNX Runtime's,
// the same outputs and latencies on the in-process, PTY serial and shared-memory transports,
// including a tenant added and removed while another streams.
import test from 'ava';
import ort from 'onnxruntime-node';
import { BOARDS } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { PtyBoardServer } from '../../drivers/serial/pty-server.ts';
import { importOnnx } from '../../runtime/import/onnx.ts';
import { openBoard, Runtime, type InferResult } from '../../runtime/api/index.ts';
import { QdqBuilder, type QTensor } from '../import/qdq-builder.ts';

interface Net {
  bytes: Uint8Array;
  y: QTensor;
  inputs: Float32Array[];
  dims: number[];
}

function net(seed: number, unsigned: boolean, withPool: boolean): Net {
  const b = new QdqBuilder(seed, unsigned);
  const x = b.input([1, 3, 16, 16]);
  let h = b.conv(x, 16, 3, 1, 1, { act: 'relu', perChannel: true });
  if (withPool) h = b.maxPool(h, 2, 2);
  h = b.conv(h, 16, 3, 1, 1, { depthwise: true, perChannel: true });
  const y = b.matmul(b.flatten(b.globalAvgPool(h)), 10, { gemm: true });
  return {
    bytes: b.build(y),
    y,
    inputs: [b.sampleInput(), b.sampleInput(), b.sampleInput()],
    dims: b.inputDims(),
  };
}

async function reference(n: Net, x: Float32Array): Promise<number[]> {
  const s = await ort.InferenceSession.create(n.bytes);
  const r = await s.run({ input: new ort.Tensor('float32', x, n.dims) });
  await s.release();
  return Array.from(r[n.y.name]!.data as Int8Array | Uint8Array);
}

const camera = net(41, true, true);
const burst = net(42, false, false);

/** A short session: a periodic tenant and a bursty one; returns every result in order. */
async function session(spec: string): Promise<{ results: InferResult[]; rejected: boolean }> {
  const board = await openBoard(spec);
  const rt = new Runtime(board);
  try {
    const cam = await rt.addTenant({
      name: 'camera',
      model: importOnnx(camera.bytes, 'camera.onnx'),
      priority: 10,
      guaranteed: true,
      deadline: 400_000,
      minGap: 400_000,
    });
    const bur = await rt.addTenant({
      name: 'burst',
      model: importOnnx(burst.bytes, 'burst.onnx'),
      priority: 1,
      deadline: 2_000_000,
    });
    const greedy = await rt.addTenant({
      name: 'greedy',
      model: importOnnx(camera.bytes, 'camera.onnx'),
      priority: 20,
      guaranteed: true,
      deadline: 50,
      minGap: 50,
    });
    if (!cam.admitted || !bur.admitted) throw new Error('admission refused the test tenants');
    const t0 = (await Promise.all([rt.infer(cam.tenant, camera.inputs[0]!)]))[0]!;
    const batch = await Promise.all([
      rt.infer(cam.tenant, camera.inputs[1]!, { arrival: t0.end + 1000 }),
      rt.infer(bur.tenant, burst.inputs[0]!, { arrival: t0.end + 1000 }),
      rt.infer(bur.tenant, burst.inputs[1]!, { arrival: t0.end + 1000 }),
      rt.infer(bur.tenant, burst.inputs[2]!, { arrival: t0.end + 1000 }),
      rt.infer(cam.tenant, camera.inputs[2]!, { arrival: t0.end + 401_000 }),
    ]);
    // a stream of the camera with a tenant added (same model as burst: already measured,
    // so it joins the running run) and removed while it runs
    const start = batch[4]!.end;
    const frames = [0, 1, 2, 0].map((k, i) =>
      rt.infer(cam.tenant, camera.inputs[k]!, { arrival: start + (i + 1) * 400_000 }),
    );
    const late = await rt.addTenant({
      name: 'late',
      model: importOnnx(burst.bytes, 'burst.onnx'),
      priority: 2,
      deadline: 2_000_000,
    });
    if (!late.admitted) throw new Error('admission refused the late tenant');
    const lateResults = await Promise.all([rt.infer(late.tenant, burst.inputs[2]!)]);
    await rt.removeTenant(late.tenant);
    const stream = await Promise.all(frames);
    if (rt.stats().addsWhileRunning !== 1) throw new Error('the late tenant did not join the running stream');
    return { results: [t0, ...batch, ...stream, ...lateResults], rejected: !greedy.admitted };
  } finally {
    await rt.close();
  }
}

function signature(r: { results: InferResult[] }): unknown {
  return r.results.map((x) => ({
    out: Array.from(x.output.quantized),
    lat: x.latencyCycles,
    met: x.deadlineMet,
    bound: x.bound,
    violated: x.certificateViolated,
  }));
}

test('API on the in-process, PTY serial and shm transports: ONNX Runtime outputs, same latencies everywhere', async (t) => {
  const inproc = await session('emu');
  t.true(inproc.rejected, 'a 50-cycle guaranteed deadline must be refused');
  const want0 = [0, 1, 2].map((k) => reference(camera, camera.inputs[k]!));
  const want = [
    await reference(camera, camera.inputs[0]!),
    await reference(camera, camera.inputs[1]!),
    await reference(burst, burst.inputs[0]!),
    await reference(burst, burst.inputs[1]!),
    await reference(burst, burst.inputs[2]!),
    await reference(camera, camera.inputs[2]!),
    ...(await Promise.all([0, 1, 2, 0].map((k) => want0[k]!))),
    await reference(burst, burst.inputs[2]!),
  ];
  t.deepEqual(
    inproc.results.map((r) => Array.from(r.output.quantized)),
    want,
  );
  for (const r of inproc.results) t.true(r.latencyCycles > 0);
  t.log(inproc.results.map((r) => `${r.latencyCycles}${r.deadlineMet ? '' : ' (late)'}`).join(', '));
  t.true(inproc.results[0]!.deadlineMet && inproc.results[1]!.deadlineMet && inproc.results[5]!.deadlineMet);
  // the camera's stream, with a tenant added and removed during it: every frame within its bound
  for (const r of inproc.results.slice(6, 10)) t.true(r.deadlineMet && !r.certificateViolated);

  const server = new PtyBoardServer(createEmulatedBoard(BOARDS.emu, { mode: 'functional' }));
  t.teardown(() => server.close());
  const serial = await session(`serial:${server.path}`);
  const shm = await session('shm:emu');
  t.deepEqual(signature(serial), signature(inproc));
  t.deepEqual(signature(shm), signature(inproc));
});

test('tenants added and removed while others run: running requests unharmed, refusals say what would fit', async (t) => {
  const rt = new Runtime(await openBoard('emu'));
  t.teardown(() => rt.close());
  const cam = await rt.addTenant({
    name: 'camera',
    model: importOnnx(camera.bytes, 'camera.onnx'),
    priority: 10,
    guaranteed: true,
    deadline: 400_000,
    minGap: 400_000,
  });
  if (!cam.admitted) return t.fail('camera refused');
  t.is(cam.verdict, 'guaranteed');
  t.true(cam.bound > 0 && cam.bound <= 400_000);
  // requests in flight while a tenant is added (refused) and another added (accepted)
  const running = [rt.infer(cam.tenant, camera.inputs[0]!), rt.infer(cam.tenant, camera.inputs[1]!)];
  const refused = rt.addTenant({
    name: 'hog',
    model: importOnnx(burst.bytes, 'burst.onnx'),
    priority: 50,
    guaranteed: true,
    deadline: 100,
    minGap: 100,
  });
  const extra = rt.addTenant({
    name: 'extra',
    model: importOnnx(burst.bytes, 'burst.onnx'),
    priority: 1,
    deadline: '1ms',
  });
  const [r0, r1] = await Promise.all(running);
  t.deepEqual(Array.from(r0!.output.quantized), await reference(camera, camera.inputs[0]!));
  t.deepEqual(Array.from(r1!.output.quantized), await reference(camera, camera.inputs[1]!));
  const no = await refused;
  t.false(no.admitted);
  if (!no.admitted) {
    t.regex(no.reason, /hog: bound .* > deadline 100 cycles/);
    t.true(no.suggestions.length > 0);
  }
  const yes = await extra;
  if (!yes.admitted) return t.fail('extra refused');
  t.is(yes.verdict, 'best-effort');
  const r2 = await rt.infer(yes.tenant, burst.inputs[0]!);
  t.deepEqual(Array.from(r2.output.quantized), await reference(burst, burst.inputs[0]!));
  await rt.removeTenant(yes.tenant);
  await t.throwsAsync(rt.infer(yes.tenant, burst.inputs[0]!), { message: /not admitted/ });
  // the camera is still served after the changes
  const r3 = await rt.infer(cam.tenant, camera.inputs[2]!);
  t.deepEqual(Array.from(r3.output.quantized), await reference(camera, camera.inputs[2]!));
  t.true(r3.deadlineMet);
});
