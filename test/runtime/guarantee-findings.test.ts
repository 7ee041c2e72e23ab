// Regression tests for the ways the guarantee was found broken (issue 8), each reproduced
// and now impossible: throttled co-runners inside a guaranteed tenant's lane, Poisson
// tenants marked guaranteed, queueLimit below what the analysis needs, planner exhaustion
// and huge deadlines; plus memory budgets over every transport.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { AdmissionError, DeviceFault } from '../../boards/errors.ts';
import { CAPS_THROTTLE_CREDIT, CAPS_TRAFFIC_GEN } from '../../boards/registers.ts';
import { BOARDS } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { PtyBoardServer } from '../../drivers/serial/pty-server.ts';
import type { Device } from '../../drivers/device.ts';
import { openDevice } from '../../runtime/cli/open-device.ts';
import { zooCompiler, zooLayers } from '../../runtime/executor/compile-adapter.ts';
import { analyzeLoaded, runLoaded, type SessionResult } from '../../runtime/executor/session.ts';
import { loadScenario, loadScenarioFile } from '../../runtime/scenario/resolve.ts';

async function withDevice<T>(spec: string, f: (d: Device) => Promise<T>): Promise<T> {
  const d = await openDevice(spec);
  try {
    return await f(d);
  } finally {
    await d.close();
  }
}

const opts = (device: Device) => ({ device, compile: zooCompiler(device.board), layersOf: zooLayers });

function guaranteedClean(t: { is: (a: unknown, b: unknown, m?: string) => void }, r: SessionResult): void {
  r.tenants.forEach((x, i) => {
    if (!x.guaranteed) return;
    const m = r.perTenant[i]!;
    t.is(m.missed + m.dropped + m.rejected, 0, `${x.name}: every request completed in time`);
  });
  t.is(r.exec.violations.length, 0, 'no response above its admitted bound');
}

test('finding 1: best-effort tenants sharing a guaranteed lane are not throttled (moca-8t, two 4-tile lanes)', async (t) => {
  const json = {
    board: 'moca-8t',
    seed: 1,
    run: { requests: 120 },
    tenants: [
      {
        name: 'bem',
        model: 'alexnet',
        priority: 11,
        tiles: 4,
        deadline: '100ms',
        arrival: { kind: 'sporadic', minGap: '9ms' },
      },
      {
        name: 'beh',
        model: 'alexnet',
        priority: 9,
        deadline: '100ms',
        arrival: { kind: 'periodic', period: '40ms' },
      },
      {
        name: 'g',
        model: 'yololite',
        priority: 5,
        guaranteed: true,
        deadline: '12ms',
        arrival: { kind: 'periodic', period: '40ms' },
      },
    ],
  };
  const r = await withDevice('moca-8t', (d) => runLoaded(loadScenario(json, 'f1', '.'), opts(d)));
  t.true(r.admission!.feasible);
  t.is(r.admission!.lanes.length, 2);
  const g = r.admission!.tenants[2]!;
  const beh = r.admission!.tenants[1]!;
  t.is(g.lane, beh.lane, 'the guaranteed tenant shares its lane with a best-effort tenant');
  // No step of any tenant in the guaranteed lane ran throttled.
  const laneTiles = new Set(r.admission!.lanes[g.lane]);
  const throttledThere = r.exec.trace.filter(
    (e) => e.k === 'start' && e.tiles.some((x) => laneTiles.has(x)) && e.throttle.some((v) => v !== 0),
  );
  t.is(throttledThere.length, 0);
  guaranteedClean(t, r);
});

test('finding 3: a guaranteed Poisson tenant is refused with what to do', async (t) => {
  const q = JSON.parse(readFileSync('examples/quickstart.json', 'utf8')) as { tenants: { name: string }[] };
  const json = {
    ...q,
    tenants: q.tenants.map((x) => (x.name === 'classify' ? { ...x, guaranteed: true } : x)),
  };
  const { admission } = await withDevice('emu', (d) => analyzeLoaded(loadScenario(json, 'f3', '.'), opts(d)));
  const c = admission.tenants.find((x) => x.name === 'classify')!;
  t.is(c.verdict, 'rejected');
  t.true(
    c.suggestions.some((s) => /minimum gap/.test(s)),
    c.suggestions.join('; '),
  );
  await t.throwsAsync(
    withDevice('emu', (d) => runLoaded(loadScenario(json, 'f3', '.'), opts(d))),
    { instanceOf: AdmissionError, message: /classify/ },
  );
});

test('finding 4: queueLimit below ⌈bound / minGap⌉ is refused; enough queue runs without rejections', async (t) => {
  const json = (queueLimit: number, kwPeriod: number | string) => ({
    board: 'emu',
    seed: 2,
    run: { requests: 30 },
    tenants: [
      {
        name: 'cam',
        model: 'yololite',
        priority: 9,
        guaranteed: true,
        deadline: '4ms',
        arrival: { kind: 'periodic', period: '4ms' },
      },
      // Deadline beyond its period: more than one of its requests can wait at once.
      {
        name: 'kw',
        model: 'kws',
        priority: 5,
        guaranteed: true,
        queueLimit,
        deadline: '12ms',
        arrival: { kind: 'periodic', period: kwPeriod },
      },
    ],
  });
  // The period that loads the lane to 96%, from the measured worst-case costs, so the
  // bound exceeds the period whatever the board's cost model.
  const probe = await withDevice('emu', (d) =>
    analyzeLoaded(loadScenario(json(1, '20ms'), 'f4', '.'), opts(d)),
  );
  const [cam, kw0] = probe.admission.tenants;
  const period = Math.ceil(kw0!.wcet / (0.96 - cam!.wcet / cam!.minGap!));
  const { admission } = await withDevice('emu', (d) =>
    analyzeLoaded(loadScenario(json(1, period), 'f4', '.'), opts(d)),
  );
  const kw = admission.tenants[1]!;
  t.true(kw.queueNeeded > 1, `kw needs ${kw.queueNeeded} queued requests`);
  t.is(kw.verdict, 'rejected');
  t.true(
    kw.suggestions.some((s) => s.includes(`queueLimit of at least ${kw.queueNeeded}`)),
    kw.suggestions.join('; '),
  );
  const r = await withDevice('emu', (d) =>
    runLoaded(loadScenario(json(kw.queueNeeded, period), 'f4', '.'), opts(d)),
  );
  t.true(r.admission!.feasible);
  guaranteedClean(t, r);
});

test('finding 5: a deadline of any size is analysed (no endless search), and planning never fills DRAM', async (t) => {
  const huge = {
    board: 'emu',
    seed: 1,
    run: { requests: 4 },
    tenants: [
      {
        name: 'a',
        model: 'yololite',
        priority: 5,
        guaranteed: true,
        deadline: '1e30ms',
        arrival: { kind: 'periodic', period: '5ms' },
      },
      {
        name: 'b',
        model: 'alexnet',
        priority: 1,
        deadline: 1e14,
        arrival: { kind: 'sporadic', minGap: '5ms' },
      },
    ],
  };
  const { admission } = await withDevice('emu', (d) => analyzeLoaded(loadScenario(huge, 'f5', '.'), opts(d)));
  t.is(admission.tenants[0]!.verdict, 'guaranteed');
  // Many big models: planning measures more candidate variants than DRAM holds at once.
  const models = ['alexnet', 'resnet50', 'yolov2', 'googlenet'];
  const many = {
    board: 'emu',
    seed: 1,
    run: { requests: 12 },
    tenants: Array.from({ length: 12 }, (_, i) => ({
      name: `t${i}`,
      model: models[i % 4],
      priority: i,
      guaranteed: i % 4 === 0,
      deadline: '400ms',
      arrival: { kind: 'sporadic', minGap: '400ms' },
    })),
  };
  const r = await withDevice('emu', (d) =>
    runLoaded(loadScenario(many, 'f5b', '.'), { ...opts(d), admission: false }),
  );
  t.is(r.exec.records.length, 12, 'planned, uploaded and ran every request');
});
test('memory budgets: admitted only with budgets, enforced on the board, same run over every transport', async (t) => {
  const loaded = loadScenarioFile(new URL('fixtures/budgets.json', import.meta.url).pathname);
  const inproc = await withDevice('emu', (d) => runLoaded(loaded, opts(d)));
  const a = inproc.admission!;
  t.true(a.feasible);
  t.true(
    a.laneBudgets.some((b) => Number.isFinite(b)),
    'a best-effort lane has a DRAM budget',
  );
  const cam = a.tenants[0]!;
  t.is(cam.boundWithoutBudgets, Number.POSITIVE_INFINITY, 'without budgets the camera has no bound');
  // The budgeted lane's steps carry its THROTTLE setting; the camera's never do.
  const budgetLane = new Set(a.lanes[a.laneBudgets.findIndex((b) => Number.isFinite(b))]);
  const starts = inproc.exec.trace.filter((e) => e.k === 'start');
  t.true(starts.some((e) => e.tiles.some((x) => budgetLane.has(x)) && e.throttle.every((v) => v !== 0)));
  t.true(starts.filter((e) => e.tenant === 0).every((e) => e.throttle.every((v) => v === 0)));
  guaranteedClean(t, inproc);
  const shm = await withDevice('shm:emu', (d) => runLoaded(loaded, opts(d)));
  const server = new PtyBoardServer(createEmulatedBoard(BOARDS.emu));
  let serial: SessionResult;
  try {
    serial = await withDevice(`serial:${server.path}`, (d) => runLoaded(loaded, opts(d)));
  } finally {
    server.close();
  }
  t.is(shm.traceDigest, inproc.traceDigest, 'shm');
  t.is(serial.traceDigest, inproc.traceDigest, 'serial over a PTY');
});

test('a board without traffic generators: admission plans one lane of all tiles, and a forced multi-lane layout is a clear error', async (t) => {
  const device = await openDevice('moca-8t');
  // A devkit whose CAPS lacks the generator and credit-cap bits.
  const plain = new Proxy(device, {
    get(target, prop, receiver) {
      if (prop === 'readRegister')
        return async (name: Parameters<Device['readRegister']>[0], tile?: number) => {
          const v = await target.readRegister(name, tile);
          return name === 'CAPS' ? v & ~(CAPS_TRAFFIC_GEN | CAPS_THROTTLE_CREDIT) : v;
        };
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const json = (tiles?: number) => ({
    board: 'moca-8t',
    seed: 1,
    run: { requests: 8 },
    tenants: [
      {
        name: 'g',
        model: 'yololite',
        priority: 9,
        guaranteed: true,
        ...(tiles === undefined ? {} : { tiles }),
        deadline: '5ms',
        arrival: { kind: 'periodic', period: '5ms' },
      },
      {
        name: 'be',
        model: 'alexnet',
        priority: 1,
        deadline: '50ms',
        arrival: { kind: 'sporadic', minGap: '20ms' },
      },
    ],
  });
  try {
    const { admission } = await analyzeLoaded(loadScenario(json(), 'nogen', '.'), opts(plain));
    t.deepEqual(
      admission.layouts.map((l) => l.lanes),
      [1],
    );
    t.true(admission.feasible);
    await t.throwsAsync(analyzeLoaded(loadScenario(json(4), 'nogen', '.'), opts(plain)), {
      instanceOf: DeviceFault,
      message: /no DRAM traffic generators/,
    });
  } finally {
    await device.close();
  }
});
