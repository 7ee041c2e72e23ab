// Tenants added and removed while others run (runtime/api/runtime.ts, docs/api.md): the
// running guaranteed tenant keeps its deadlines and its certificate, a refused add changes
// nothing for it, and removed tenants' DRAM is reused.
import test from 'ava';
import ort from 'onnxruntime-node';
import { BOARDS } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { InProcessDevice } from '../../drivers/inprocess.ts';
import { importOnnx } from '../../runtime/import/onnx.ts';
import { openBoard, Runtime, type InferResult, type Tenant } from '../../runtime/api/index.ts';
import type { ModelPackage } from '../../runtime/models/package.ts';
import { QdqBuilder } from '../import/qdq-builder.ts';

function net(seed: number, c: number): { bytes: Uint8Array; pkg: ModelPackage; inputs: Float32Array[] } {
  const b = new QdqBuilder(seed, false);
  const x = b.input([1, 3, 12, 12]);
  const h = b.conv(b.conv(x, c, 3, 1, 1, { act: 'relu', perChannel: true }), c, 3, 1, 1);
  const y = b.matmul(b.flatten(b.globalAvgPool(b.avgPool(h, 3, 1, 1))), 8, { gemm: true });
  const bytes = b.build(y);
  return {
    bytes,
    pkg: importOnnx(bytes, `net${seed}.onnx`),
    inputs: Array.from({ length: 4 }, () => b.sampleInput()),
  };
}

const camera = net(51, 16);
const extra = net(52, 24);
const PERIOD = 60_000;

async function reference(bytes: Uint8Array, x: Float32Array): Promise<number[]> {
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x, [1, 3, 12, 12]) });
  const out = Array.from(r[s.outputNames[0]!]!.data as Int8Array);
  await s.release();
  return out;
}

interface Stream {
  readonly camera: InferResult[];
  readonly extra: InferResult[];
  readonly notes: string[];
  readonly stats: ReturnType<Runtime['stats']>;
}

/** A camera stream of 12 frames (guaranteed); while it runs: `change` happens. */
async function stream(
  rt: Runtime,
  cam: Tenant,
  change: (rt: Runtime, done: () => boolean) => Promise<{ extra: InferResult[]; notes: string[] }>,
): Promise<Stream> {
  const start = (await rt.infer(cam, camera.inputs[0]!)).end;
  let ended = false;
  const frames = Array.from({ length: 12 }, (_, k) =>
    rt.infer(cam, camera.inputs[k % 4]!, { arrival: start + (k + 1) * PERIOD }),
  );
  void Promise.all(frames).then(() => (ended = true));
  const side = await change(rt, () => ended);
  return { camera: await Promise.all(frames), ...side, stats: rt.stats() };
}

async function withCamera(): Promise<{ rt: Runtime; cam: Tenant }> {
  const rt = new Runtime(await openBoard('emu'));
  const v = await rt.addTenant({
    name: 'camera',
    model: camera.pkg,
    priority: 10,
    guaranteed: true,
    deadline: PERIOD,
    minGap: PERIOD,
  });
  if (!v.admitted) throw new Error(`camera refused: ${v.reason}`);
  return { rt, cam: v.tenant };
}

test('a tenant added and removed while a guaranteed one streams: deadlines and certificate kept, add applied mid-stream', async (t) => {
  const { rt, cam } = await withCamera();
  t.teardown(() => rt.close());
  // measured once while the board is idle: a later add of the same model needs no board time
  const first = await rt.addTenant({ name: 'warm', model: extra.pkg, priority: 1, deadline: '1ms' });
  if (!first.admitted) return t.fail('warm-up tenant refused');
  await rt.removeTenant(first.tenant);
  const s = await stream(rt, cam, async (rt, done) => {
    const notes: string[] = [];
    const v = await rt.addTenant({ name: 'extra', model: extra.pkg, priority: 1, deadline: '1ms' });
    if (!v.admitted) throw new Error(`extra refused: ${v.reason}`);
    notes.push(`extra admitted ${done() ? 'after' : 'during'} the stream`);
    const rs = await Promise.all(extra.inputs.map((x) => rt.infer(v.tenant, x)));
    await rt.removeTenant(v.tenant);
    notes.push(`extra removed ${done() ? 'after' : 'during'} the stream`);
    return { extra: rs, notes };
  });
  t.log(s.notes.join('; '), JSON.stringify(s.stats));
  t.deepEqual(s.notes, ['extra admitted during the stream', 'extra removed during the stream']);
  t.is(s.stats.addsWhileRunning, 1);
  for (const r of s.camera) {
    t.true(r.deadlineMet, `frame latency ${r.latencyCycles} > deadline ${PERIOD}`);
    t.false(r.certificateViolated);
    t.true(r.bound !== undefined && r.latencyCycles <= r.bound);
  }
  t.is(s.stats.violations, 0);
  for (const [k, r] of s.camera.entries())
    t.deepEqual(Array.from(r.output.quantized), await reference(camera.bytes, camera.inputs[k % 4]!));
  for (const [k, r] of s.extra.entries())
    t.deepEqual(Array.from(r.output.quantized), await reference(extra.bytes, extra.inputs[k]!));
});

test('an add that needs measuring waits for the board to be idle: the stream is not delayed by it', async (t) => {
  const { rt, cam } = await withCamera();
  t.teardown(() => rt.close());
  const fresh = net(53, 8); // never measured on this board
  const s = await stream(rt, cam, async (rt, done) => {
    const v = await rt.addTenant({ name: 'fresh', model: fresh.pkg, priority: 1, deadline: '1ms' });
    return {
      extra: [],
      notes: [`${v.admitted ? 'admitted' : 'refused'} ${done() ? 'after' : 'during'} the stream`],
    };
  });
  t.deepEqual(s.notes, ['admitted after the stream']);
  t.is(s.stats.addsWhileRunning, 0);
  const quiet = await withCamera();
  const base = await stream(quiet.rt, quiet.cam, async () => ({ extra: [], notes: [] }));
  await quiet.rt.close();
  t.deepEqual(
    s.camera.map((r) => r.latencyCycles),
    base.camera.map((r) => r.latencyCycles),
  );
  t.true(s.camera.every((r) => r.deadlineMet && !r.certificateViolated));
  t.is(s.stats.violations, 0);
});

test('a refused add while a guaranteed tenant streams leaves its every latency and output unchanged', async (t) => {
  const hog = {
    name: 'hog',
    model: camera.pkg,
    priority: 50,
    guaranteed: true,
    deadline: 100,
    minGap: 100,
  } as const;
  const signature = (s: Stream) => s.camera.map((r) => [r.latencyCycles, Array.from(r.output.quantized)]);
  // Both runtimes first try the hog on an idle board (refused; its costs are measured), so
  // both boards have done the same work before the stream.
  const quiet = await withCamera();
  t.false((await quiet.rt.addTenant(hog)).admitted);
  const base = await stream(quiet.rt, quiet.cam, async () => ({ extra: [], notes: [] }));
  await quiet.rt.close();
  const busy = await withCamera();
  t.teardown(() => busy.rt.close());
  t.false((await busy.rt.addTenant(hog)).admitted);
  const s = await stream(busy.rt, busy.cam, async (rt, done) => {
    const v = await rt.addTenant(hog); // costs known: decided while the stream runs
    return {
      extra: [],
      notes: [v.admitted ? 'admitted' : `refused ${done() ? 'after' : 'during'} the stream: ${v.reason}`],
    };
  });
  t.log(s.notes[0]);
  t.regex(s.notes[0]!, /^refused during the stream: .*hog: bound .* > deadline 100 cycles/);
  t.deepEqual(signature(s), signature(base));
  t.true(s.camera.every((r) => r.deadlineMet && !r.certificateViolated));
  t.is(s.stats.addsWhileRunning, 0);
});

test('removing a tenant: requests already handed to the board finish, later ones are refused', async (t) => {
  const { rt, cam } = await withCamera();
  t.teardown(() => rt.close());
  const v = await rt.addTenant({ name: 'extra', model: extra.pkg, priority: 1, deadline: '1ms' });
  if (!v.admitted) return t.fail('extra refused');
  const start = (await rt.infer(cam, camera.inputs[0]!)).end;
  const frames = [1, 2, 3].map((k) => rt.infer(cam, camera.inputs[k]!, { arrival: start + k * PERIOD }));
  // submitted with the frames, so handed to the board with them (arriving later)
  const onBoard = [2, 3].map((k) =>
    rt.infer(v.tenant, extra.inputs[k]!, { arrival: start + k * PERIOD + 1 }),
  );
  await frames[0];
  const removed = rt.removeTenant(v.tenant);
  await t.throwsAsync(rt.infer(v.tenant, extra.inputs[0]!), { message: /not admitted/ });
  const done = await Promise.all(onBoard);
  await removed;
  for (const [i, r] of done.entries())
    t.deepEqual(Array.from(r.output.quantized), await reference(extra.bytes, extra.inputs[i + 2]!));
  t.true((await Promise.all(frames)).every((r) => r.deadlineMet && !r.certificateViolated));
});

test('adding and removing tenants in a loop reuses their DRAM (a board with 8 MiB of DRAM)', async (t) => {
  const small = { ...BOARDS.emu, dram: { ...BOARDS.emu.dram, bytes: 8 * 2 ** 20 } };
  const rt = new Runtime(new InProcessDevice(createEmulatedBoard(small, { mode: 'functional' })));
  t.teardown(() => rt.close());
  const want = await reference(extra.bytes, extra.inputs[0]!);
  const held: number[] = [];
  for (let i = 0; i < 40; i++) {
    const v = await rt.addTenant({ name: `t${i}`, model: extra.pkg, priority: 1, deadline: '1ms' });
    if (!v.admitted) return t.fail(`t${i} refused: ${v.reason}`);
    const r = await rt.infer(v.tenant, extra.inputs[0]!);
    t.deepEqual(Array.from(r.output.quantized), want);
    await rt.removeTenant(v.tenant);
    held.push(rt.stats().dramBytes);
  }
  t.log(`DRAM held after each removal: ${[...new Set(held)].join(', ')} bytes`);
  // every cycle ends where the first did: nothing leaks
  t.true(held.every((h) => h === held[0]));
});
