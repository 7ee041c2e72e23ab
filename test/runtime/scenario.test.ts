import test from 'ava';
import { ConfigError } from '../../boards/errors.ts';
import { parseScenario } from '../../runtime/scenario/schema.ts';
import { generateArrivals, minimumGap, parseTraceText } from '../../runtime/scenario/arrivals.ts';
import { toCycles } from '../../runtime/scenario/duration.ts';
import { createRandom } from '../../runtime/random.ts';

const base = {
  board: 'emu',
  run: { requests: 10 },
  tenants: [
    { name: 'a', model: 'kws', priority: 3, deadline: '2ms', arrival: { kind: 'periodic', period: '1ms' } },
  ],
};

test('a valid scenario gets its defaults', (t) => {
  const s = parseScenario(base);
  t.is(s.policy, 'cotenant');
  t.is(s.seed, 1);
  t.is(s.tenants[0]!.late, 'finish');
  t.false(s.tenants[0]!.guaranteed);
  t.is(toCycles(s.tenants[0]!.deadline, 1e9), 2_000_000);
});

test('every bad field is named by its path', (t) => {
  const bad = {
    ...base,
    policy: 'edf',
    tenants: [
      {
        name: 'a',
        model: 'kws',
        priority: 1.5,
        deadline: '2 parsecs',
        arrival: { kind: 'sporadic', minGap: -3 },
      },
      {
        name: 'a',
        model: 'kws',
        priority: 1,
        deadline: 5,
        arrival: { kind: 'periodic', period: 10 },
        late: 'later',
      },
    ],
  };
  const err = t.throws(() => parseScenario(bad, 'x.json'), { instanceOf: ConfigError })!;
  t.regex(err.message, /^x\.json is not a valid scenario/);
  t.regex(err.message, /policy: /);
  t.regex(err.message, /tenants\[0\]\.priority: must be an integer/);
  t.regex(err.message, /tenants\[0\]\.deadline: .*"2 parsecs" is not a duration/);
  t.regex(err.message, /tenants\[0\]\.arrival\.minGap: -3 is not a duration/);
  t.regex(err.message, /tenants\[1\]\.late/);
  const dup = { ...base, tenants: [base.tenants[0], base.tenants[0]] };
  t.throws(() => parseScenario(dup), {
    instanceOf: ConfigError,
    message: /tenants\[1\]\.name: duplicate tenant name "a" \(also tenants\[0\]\)/,
  });
});

test('periodic arrivals are exact; ties across tenants go by tenant index', (t) => {
  const arr = generateArrivals(
    [
      { kind: 'periodic', period: 10, offset: 0 },
      { kind: 'periodic', period: 15, offset: 0 },
    ],
    { cycles: 31 },
    () => createRandom(1),
  );
  t.deepEqual(
    arr.map((a) => [a.cycle, a.tenant]),
    [
      [0, 0],
      [0, 1],
      [10, 0],
      [15, 1],
      [20, 0],
      [30, 0],
      [30, 1],
    ],
  );
  t.deepEqual(
    arr.map((a) => a.id),
    [0, 1, 2, 3, 4, 5, 6],
  );
});

test('sporadic gaps stay within [minGap, maxGap] and a seed replays', (t) => {
  const p = { kind: 'sporadic' as const, minGap: 100, maxGap: 150, offset: 5 };
  const a = generateArrivals([p], { requests: 200 }, () => createRandom(9));
  const b = generateArrivals([p], { requests: 200 }, () => createRandom(9));
  t.deepEqual(a, b);
  t.is(a[0]!.cycle, 5);
  for (let i = 1; i < a.length; i++) {
    const g = a[i]!.cycle - a[i - 1]!.cycle;
    t.true(g >= 100 && g <= 150, `gap ${g}`);
  }
  t.is(minimumGap(p), 100);
  const c = generateArrivals([p], { requests: 200 }, () => createRandom(10));
  t.notDeepEqual(
    a.map((x) => x.cycle),
    c.map((x) => x.cycle),
  );
});

test('Poisson arrivals have about the requested mean gap and no minimum gap', (t) => {
  const a = generateArrivals([{ kind: 'poisson', meanGap: 1000, offset: 0 }], { requests: 4001 }, () =>
    createRandom(3),
  );
  const mean = a[a.length - 1]!.cycle / (a.length - 1);
  t.true(mean > 900 && mean < 1100, `mean gap ${mean}`);
  t.is(minimumGap({ kind: 'poisson', meanGap: 1000, offset: 0 }), undefined);
});

test('trace files: text or JSON, ordered, with clear errors', (t) => {
  t.deepEqual(parseTraceText('# arrivals\n0\n100\n\n250 # late one\n', 'f'), [0, 100, 250]);
  t.deepEqual(parseTraceText('[5, 7]', 'f'), [5, 7]);
  t.throws(() => parseTraceText('10\n5\n', 'f'), {
    instanceOf: ConfigError,
    message: /entry 2 \(5\) is earlier than entry 1/,
  });
  t.throws(() => parseTraceText('1\nabc\n', 'f'), { instanceOf: ConfigError, message: /entry 2/ });
  t.is(minimumGap({ kind: 'trace', times: [0, 100, 130, 300] }), 30);
});

test('tenant names: letters and digits of any script; other characters get a message that says so', (t) => {
  const named = (name: string) => ({ ...base, tenants: [{ ...base.tenants[0], name }] });
  for (const ok of ['カメラ', 'café', 'e\u0301te\u0301', 'cam_1.v-2', 'Ωmega'])
    t.is(parseScenario(named(ok)).tenants[0]!.name, ok);
  for (const bad of ['cam era', 'cam/1', '', 'a"b']) {
    const err = t.throws(() => parseScenario(named(bad)), { instanceOf: ConfigError });
    t.regex(err.message, /tenants\[0\]\.name: must be one or more letters or digits \(any script\)/, bad);
  }
});

test('run: exactly one of requests / duration, with the expected shape in every message', (t) => {
  const withRun = (run: unknown) => ({ ...base, run });
  t.deepEqual(parseScenario(withRun({ duration: '5ms' })).run, { duration: { seconds: 0.005 } });
  t.deepEqual(parseScenario(withRun({ requests: 3 })).run, { requests: 3 });
  const shape = '{ "requests": N } (the N earliest arrivals) or { "duration": "50ms" }';
  const msg = (run: unknown) =>
    t.throws(() => parseScenario(withRun(run)), { instanceOf: ConfigError }).message;
  t.true(msg({}).includes(`run: give exactly one of "requests" and "duration": ${shape}`));
  t.true(msg({ requests: 2, duration: '1ms' }).includes('give exactly one'));
  t.true(msg('60').includes(`run: must be ${shape}`));
  t.true(msg(undefined).includes(`run: required: ${shape}`));
  t.regex(msg({ requests: 0 }), /run\.requests: must be a positive request count/);
  t.regex(msg({ reqests: 3 }), /run: Unrecognized key: "reqests"/);
  for (const run of [{}, '60', undefined, { requests: 0 }]) t.false(msg(run).includes('Invalid input'));
});

test('instances: default 1; more only for best-effort tenants without inputs, each refusal says why', (t) => {
  const tenant = base.tenants[0]!;
  t.is(parseScenario(base).tenants[0]!.instances, 1);
  t.is(parseScenario({ ...base, tenants: [{ ...tenant, instances: 4 }] }).tenants[0]!.instances, 4);
  const err = t.throws(
    () =>
      parseScenario({
        ...base,
        tenants: [
          { ...tenant, name: 'g', guaranteed: true, instances: 2 },
          { ...tenant, name: 'f', model: './pkg', inputs: './in', instances: 2 },
          { ...tenant, name: 'z', instances: 0 },
        ],
      }),
    { instanceOf: ConfigError },
  )!;
  t.regex(err.message, /tenants\[0\]\.instances: a guaranteed tenant runs one request at a time/);
  t.regex(err.message, /tenants\[1\]\.instances: a tenant with "inputs" computes its tensors in one set/);
  t.regex(err.message, /tenants\[2\]\.instances: /);
});
