// The guarantee campaign: many more random scenarios than the property tests run, each trying
// to make an admitted guaranteed tenant miss (docs/scheduler.md, "The guarantee campaign").
//
// Per scenario (seeded: boards/prng.ts through runtime/random.ts): a board (moca-8t or emu);
// the planner's own layout or a forced lane size (every size the planner can choose); 1–3
// guaranteed tenants, periodic or sporadic at exactly their minimum gap, synchronous or
// offset, sometimes with a forced granule; 1–4 best-effort co-runners above, between and
// below them: memory-heavy models, sporadic bursts at their minimum gap, Poisson, periodic,
// `late: drop`, tiny queue limits and tiny deadlines (short granules), forced coarse
// granules. Admission may answer with memory budgets (throttled best-effort lanes) or leave
// best-effort lanes MoCA-regulated. A slice runs over a real PTY and over shared memory
// (lockstep), and a smaller one on a free-running board over shared memory at a low speed
// with a generous --link-jitter, where a miss only counts when the host's measured
// reaction stayed within J (ExecResult.hostReaction ≤ J).
//
// For every admitted scenario: no guaranteed request missed, dropped or rejected; every
// guaranteed response (end − arrival, recomputed from the records) ≤ its admitted bound;
// ExecResult.violations empty; every request ended exactly once. A failing scenario is
// printed as JSON (with the `cotenant run` command line that reruns it) and the campaign goes on.
//
//   npm run bench:guarantee -- [--scenarios N] [--seed S] [--transports F]
// Progress on stderr; the last line on stdout:
//   guarantee: scenarios=<n> admitted=<m> guaranteed_requests=<k> violations=<v>
import { parseArgs } from 'node:util';
import { BOARDS } from '../boards/definitions.ts';
import { createEmulatedBoard } from '../boards/emulator/index.ts';
import type { Device } from '../drivers/device.ts';
import { PtyBoardServer } from '../drivers/serial/pty-server.ts';
import { openDevice } from '../runtime/cli/open-device.ts';
import { zooCompiler, zooLayers } from '../runtime/executor/compile-adapter.ts';
import {
  admissionOptions,
  runLoaded,
  type SessionOptions,
  type SessionResult,
} from '../runtime/executor/session.ts';
import { createRandom, type Random } from '../runtime/random.ts';
import { loadScenario } from '../runtime/scenario/resolve.ts';

const { values: args } = parseArgs({
  options: {
    scenarios: { type: 'string', default: '120' },
    seed: { type: 'string', default: '1' },
    /** Share of scenarios run over a PTY or shared memory instead of in-process. */
    transports: { type: 'string', default: '0.15' },
    /** Run every scenario over this transport (inproc, pty, shm, shm-free, shm-free-host). */
    only: { type: 'string' },
    /** Say on stderr why each rejected scenario was rejected. */
    verbose: { type: 'boolean', default: false },
  },
});
const N = Number(args.scenarios);
const SEED = Number(args.seed);
const TRANSPORT_SHARE = Number(args.transports);
const ONLY = args.only as Transport | undefined;
if (ONLY !== undefined && !['inproc', 'pty', 'shm', 'shm-free', 'shm-free-host'].includes(ONLY))
  throw new Error(`--only ${ONLY}: give inproc, pty, shm, shm-free or shm-free-host`);
if (!(Number.isInteger(N) && N > 0) || !Number.isInteger(SEED) || !(TRANSPORT_SHARE >= 0))
  throw new Error('usage: guarantee-campaign [--scenarios N>0] [--seed S] [--transports 0..1]');

/** Free-running slice: board speed and the J counted (0.5 ms of board time = 25 ms of host
 *  time at this speed: far above the link's round trips; a host descheduled for longer
 *  shows in hostReaction, and such a run is counted apart, not as a failure). */
const FREE_SPEED = 0.02;
const FREE_JITTER = 500_000;

/** shm-free: free-running with staged steps; shm-free-host: the host launches every step. */
type Transport = 'inproc' | 'pty' | 'shm' | 'shm-free' | 'shm-free-host';
const LIGHT = ['yololite', 'squeezenet', 'kws', 'mobilenetv2'];
const HEAVY = ['alexnet', 'resnet50', 'yolov2', 'googlenet', 'mobilenetv2', 'squeezenet'];
const BOARD_IDS = ['moca-8t', 'emu'] as const;

interface Case {
  readonly k: number;
  readonly board: (typeof BOARD_IDS)[number];
  readonly forced: number | undefined;
  readonly transport: Transport;
  /** Align a guaranteed tenant's release with its worst blocking (see critical()). */
  readonly critical: boolean;
  readonly json: Record<string, unknown>;
}

const pick = <T>(r: Random, xs: readonly T[]): T => xs[r.int(0, xs.length - 1)]!;
/** Log-uniform in [lo, hi]. */
const logUniform = (r: Random, lo: number, hi: number) => lo * Math.pow(hi / lo, r.next());

function makeCase(k: number): Case {
  const r = createRandom(SEED).fork(`scenario:${k}`);
  const u = r.next();
  const transport: Transport =
    ONLY !== undefined
      ? ONLY
      : u >= TRANSPORT_SHARE
        ? 'inproc'
        : u < TRANSPORT_SHARE * 0.4
          ? 'shm'
          : u < TRANSPORT_SHARE * 0.7
            ? 'pty'
            : u < TRANSPORT_SHARE * 0.85
              ? 'shm-free'
              : 'shm-free-host';
  // Free-running runs wait for the board's clock: small mixes on wide lanes, which the
  // analysis can admit when every granule counts at least J.
  const free = transport === 'shm-free' || transport === 'shm-free-host';
  // A quarter of the others are memory-bound on both sides (moca-8t, 2- or 4-tile lanes,
  // memory-heavy guaranteed models at tight periods): where plain layouts fail and
  // admission reaches for memory budgets.
  const memory = !free && r.next() < 0.25;
  const board = memory ? 'moca-8t' : pick(r, BOARD_IDS);
  const tiles = BOARDS[board]!.tiles;
  const sizes: number[] = [];
  for (let n = tiles; n >= (free ? tiles / 2 : 1); n = Math.floor(n / 2)) sizes.push(n);
  // A lane size that does not divide the board is planned too (one lane, or lanes that
  // leave tiles unused): now and then. A third leave the layout to the planner.
  if (!free && r.next() < 0.1) sizes.push(3);
  const forced = memory ? pick(r, [2, 4]) : r.next() < 0.34 ? undefined : pick(r, sizes);
  // Fewer tiles per lane: a request takes longer, so periods (in isolated latencies, which
  // are measured on 2 tiles) stretch with 2 / lane size.
  const stretch = 2 / (forced ?? Math.min(2, tiles));
  const tenants: Record<string, unknown>[] = [];
  const nG = r.int(1, memory || free ? 2 : 3);
  const prios = Array.from({ length: nG }, () => r.int(2, 11));
  for (let g = 0; g < nG; g++) {
    const model = memory
      ? pick(r, ['alexnet', 'yolov2', 'resnet50', 'squeezenet', 'yololite'])
      : r.next() < 0.85
        ? pick(r, LIGHT)
        : pick(r, ['googlenet', 'alexnet']);
    // Period in isolated latencies: from nearly saturating the lane to loose.
    // Period in isolated latencies: from nearly saturating the lane to loose. Free-running:
    // in board time, long against the J every granule counts (FREE_JITTER).
    const x = logUniform(r, memory ? 0.4 : 0.5, memory ? 3 : 8) * stretch * nG;
    const ms = logUniform(r, 6, 30) * nG;
    const stretchDeadline = r.next() < 0.6 ? 1 : logUniform(r, 0.6, 2.5);
    const period = free ? `${ms.toFixed(3)}ms` : { xIsolated: Number(x.toFixed(3)) };
    const deadline = free
      ? `${(ms * stretchDeadline).toFixed(3)}ms`
      : { xIsolated: Number((x * stretchDeadline).toFixed(3)) };
    const kind = r.next() < 0.5 ? 'periodic' : 'sporadic';
    const offset = r.next() < 0.7 ? undefined : r.int(1, 2_000_000);
    tenants.push({
      name: `g${g}`,
      model,
      priority: prios[g],
      guaranteed: true,
      deadline,
      ...(r.next() < 0.5 ? { queueLimit: r.int(1, 4) } : {}),
      ...(r.next() < 0.15 ? { granule: pick(r, ['layer', 'block:2', 'block:4', 300_000] as const) } : {}),
      // sporadic without maxGap: every request at exactly the minimum gap (a burst)
      arrival:
        kind === 'periodic'
          ? { kind, period, ...(offset !== undefined ? { offset } : {}) }
          : { kind, minGap: period, ...(offset !== undefined ? { offset } : {}) },
    });
  }
  const nB = r.int(memory ? 2 : 1, free ? 2 : 4);
  for (let b = 0; b < nB; b++) {
    const model = pick(r, HEAVY);
    const a = r.next();
    // Free-running: gaps in board time, long against J (every granule counts at least J).
    const f = logUniform(r, 0.2, 4);
    const fMs = logUniform(r, 10, 60);
    const gap = free ? `${fMs.toFixed(3)}ms` : { xIsolated: Number(f.toFixed(3)) };
    const maxGap = free ? `${(3 * fMs).toFixed(3)}ms` : { xIsolated: Number((3 * f).toFixed(3)) };
    const arrival =
      a < 0.45
        ? { kind: 'sporadic', minGap: gap }
        : a < 0.75
          ? { kind: 'poisson', meanGap: gap }
          : a < 0.9
            ? { kind: 'periodic', period: gap }
            : { kind: 'sporadic', minGap: gap, maxGap };
    const g = r.next();
    tenants.push({
      name: `be${b}`,
      model,
      // above, between and below the guaranteed tenants (ties with them too)
      priority: r.next() < 0.2 ? pick(r, prios) : r.int(0, 12),
      late: r.next() < 0.5 ? 'drop' : 'finish',
      // tiny deadlines make the planner cut the co-runner's granules short
      deadline: { xIsolated: Number(logUniform(r, 0.3, 6).toFixed(3)) },
      ...(r.next() < 0.4 ? { queueLimit: r.int(1, 3) } : {}),
      // several of its requests at once, where a policy runs them so (cotenant: one per lane)
      ...(r.next() < 0.2 ? { instances: r.int(2, 3) } : {}),
      ...(g < 0.12 ? { granule: pick(r, ['block:4', 'block:8', 'layer'] as const) } : {}),
      arrival,
    });
  }
  // The size is forced on every tenant, or only on some (the planner then follows the
  // first one in the file).
  if (forced !== undefined) {
    const all = r.next() < 0.7;
    for (const t of tenants) if (all || r.next() < 0.5) t.tiles = forced;
  }
  // File order decides priority ties: shuffle, so a best-effort tenant can tie above a
  // guaranteed one.
  for (let i = tenants.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [tenants[i], tenants[j]] = [tenants[j]!, tenants[i]!];
  }
  const critical = !free && r.next() < 0.5;
  const requests = transport === 'inproc' ? r.int(30, 70) : free ? r.int(8, 14) : r.int(12, 24);
  return {
    k,
    board,
    forced,
    transport,
    critical,
    json: { name: `campaign-${SEED}-${k}`, board, seed: r.int(1, 1_000_000), run: { requests }, tenants },
  };
}

async function open(c: Case): Promise<{ device: Device; costDevice?: Device; close: () => Promise<void> }> {
  if (c.transport === 'pty') {
    const server = new PtyBoardServer(createEmulatedBoard(BOARDS[c.board]!));
    const device = await openDevice(`serial:${server.path}`);
    return {
      device,
      close: async () => {
        await device.close();
        server.close();
      },
    };
  }
  if (c.transport === 'shm-free' || c.transport === 'shm-free-host') {
    const device = await openDevice(`shm:${c.board}@${FREE_SPEED}`);
    // Costs on the lockstep twin: the same model, measured without waiting for the clock.
    const costDevice = await openDevice(c.board);
    return {
      device,
      costDevice,
      close: async () => {
        await costDevice.close();
        await device.close();
      },
    };
  }
  const device = await openDevice(c.transport === 'shm' ? `shm:${c.board}` : c.board);
  return { device, close: () => device.close() };
}

function rerun(c: Case): string {
  const board =
    c.transport === 'inproc'
      ? ''
      : c.transport === 'pty'
        ? ' --board serial:<pty of `cotenant emu --pty`>'
        : c.transport === 'shm'
          ? ` --board shm:${c.board}`
          : ` --board shm:${c.board}@${FREE_SPEED} --link-jitter ${FREE_JITTER}${c.transport === 'shm-free-host' ? ' --no-staging' : ''}`;
  return `cotenant run scenario.json --strict${board}`;
}

/** Everything wrong with one admitted run (empty: the guarantee held). */
function failures(c: Case, r: SessionResult): string[] {
  const bad: string[] = [];
  const a = r.admission!;
  // Every request ended exactly once.
  const ids = r.exec.records.map((x) => x.id).sort((x, y) => x - y);
  const want = r.arrivals.map((x) => x.id).sort((x, y) => x - y);
  if (ids.length !== want.length || ids.some((id, i) => id !== want[i]))
    bad.push(`requests ended ${ids.length} times for ${want.length} arrivals (or not each once)`);
  // The free-running guarantee assumes the host reacts within J.
  const linkHeld = r.link.lockstep || r.exec.hostReaction <= r.link.jitter;
  if (!linkHeld) return bad;
  r.tenants.forEach((t, i) => {
    if (!t.guaranteed) return;
    const m = r.perTenant[i]!;
    if (m.missed + m.dropped + m.rejected > 0)
      bad.push(`${t.name}: missed ${m.missed}, dropped ${m.dropped}, rejected ${m.rejected}`);
    const bound = a.tenants[i]!.bound;
    for (const x of r.exec.records)
      if (x.tenant === i && x.end - x.arrival > bound)
        bad.push(`${t.name} request ${x.id}: response ${x.end - x.arrival} > bound ${bound}`);
  });
  if (r.exec.violations.length > 0) bad.push(`${r.exec.violations.length} certificate violations`);
  return bad;
}

/** The analysis's premise, checked step by step: in a lane that holds a guaranteed tenant,
 *  no step runs longer than its tenant's largest measured granule, and no guaranteed
 *  request's steps add up to more than its measured cost (wcet). */
function overruns(r: SessionResult, board: (typeof BOARD_IDS)[number]): string[] {
  const a = r.admission!;
  // With budgets, a co-runner's bursts above its budget may lengthen a guaranteed tenant's
  // steps by up to the extra blocking admission added (once per busy period, so once per
  // request too).
  const budget = Math.min(...a.laneBudgets);
  const budgetedTiles = a.laneBudgets.filter((b) => Number.isFinite(b)).length * a.lanes[0]!.length;
  const extra = Number.isFinite(budget)
    ? admissionOptions(BOARDS[board], []).burstCycles!(a.lanes[0]!.length, budgetedTiles, budget)
    : 0;
  const guarded = new Set(a.tenants.filter((t) => t.verdict === 'guaranteed').map((t) => t.lane));
  const out: string[] = [];
  const sum = new Map<number, number>();
  for (const e of r.exec.trace) {
    if (e.k !== 'stepdone') continue;
    const v = a.tenants[e.tenant]!;
    if (!guarded.has(v.lane)) continue;
    const d = e.t - e.started;
    if (d > v.maxGranule + extra)
      out.push(`${v.name} step ${e.step} took ${d} > measured max granule ${v.maxGranule} + ${extra}`);
    if (v.verdict === 'guaranteed') sum.set(e.req, (sum.get(e.req) ?? 0) + d);
  }
  for (const [req, c] of sum) {
    const rec = r.exec.records.find((x) => x.id === req)!;
    const v = a.tenants[rec.tenant]!;
    if (c > v.wcet + extra)
      out.push(`${v.name} request ${req} ran ${c} cycles > measured wcet ${v.wcet} + ${extra}`);
  }
  return out;
}

/** Largest response ÷ bound over the run's guaranteed requests (how close the campaign came). */
function closeness(r: SessionResult): number {
  let worst = 0;
  for (const x of r.exec.records) {
    const v = r.admission!.tenants[x.tenant]!;
    if (v.verdict === 'guaranteed') worst = Math.max(worst, (x.end - x.arrival) / v.bound);
  }
  return worst;
}

interface Row {
  scenarios: number;
  admitted: number;
  requests: number;
  violations: number;
  closest: number;
}
const rows = new Map<string, Row>();
const row = (key: string): Row => {
  let x = rows.get(key);
  if (x === undefined)
    rows.set(key, (x = { scenarios: 0, admitted: 0, requests: 0, violations: 0, closest: 0 }));
  return x;
};

let admitted = 0;
let guaranteedRequests = 0;
let violating = 0;
let budgeted = 0;
let throttled = 0;
let linkBroken = 0;
let overrun = 0;
const t0 = Date.now();
/** Runs `json` as case `c` (admission not enforced: the verdict is read from the result). */
async function runCase(c: Case, json: Record<string, unknown>): Promise<SessionResult> {
  const dev = await open(c);
  try {
    const opts: SessionOptions = {
      device: dev.device,
      ...(dev.costDevice !== undefined ? { costDevice: dev.costDevice } : {}),
      compile: zooCompiler(dev.device.board),
      layersOf: zooLayers,
      admission: false,
      ...(c.transport === 'shm-free' || c.transport === 'shm-free-host' ? { linkJitter: FREE_JITTER } : {}),
      ...(c.transport === 'shm-free-host' ? { staging: false } : {}),
    };
    return await runLoaded(loadScenario(json, json.name as string, '.'), opts);
  } finally {
    await dev.close();
  }
}

type TenantJson = Record<string, unknown> & { arrival: Record<string, unknown> };
/** `json` with the given tenants' first arrivals moved to the given cycles (0: none). */
function withOffsets(json: Record<string, unknown>, offsets: Map<number, number>): Record<string, unknown> {
  return {
    ...json,
    tenants: (json.tenants as TenantJson[]).map((t, i) => {
      const at = offsets.get(i);
      if (at === undefined) return t;
      const { offset: _, ...arrival } = t.arrival;
      return { ...t, arrival: at > 0 ? { ...arrival, offset: at } : arrival };
    }),
  };
}

/** The analysis's critical instant, made to happen on a lockstep board: the guaranteed
 *  tenant with the largest blocking, every other tenant of its lane but the blocker
 *  released together exactly one cycle after the blocker's longest granule started. A
 *  first run with the blocker alone in the lane (the others' releases pushed far out)
 *  finds that cycle; the board is deterministic, so the second run repeats it up to there.
 *  Returns the scenario to run (unchanged when the plan is infeasible). */
async function critical(c: Case, first: SessionResult): Promise<Record<string, unknown>> {
  const a = first.admission!;
  if (!a.feasible) return c.json;
  const target = a.tenants
    .filter((v) => v.verdict === 'guaranteed')
    .sort((x, y) => y.blocking - x.blocking)[0]!;
  const lane = a.tenants.flatMap((v, i) => (v.lane === target.lane ? [i] : []));
  const blocker = a.tenants.findIndex((v) => v.name === target.blocker);
  const sync = (at: number) => new Map(lane.filter((i) => i !== blocker).map((i) => [i, at]));
  if (blocker < 0) return withOffsets(c.json, sync(0));
  const far = 1e12;
  const probe = await runCase(c, withOffsets(c.json, new Map([...sync(far), [blocker, 0]])));
  let start = -1;
  let longest = -1;
  for (const e of probe.exec.trace)
    if (e.k === 'stepdone' && e.tenant === blocker && e.started < far && e.t - e.started > longest) {
      longest = e.t - e.started;
      start = e.started;
    }
  if (start < 0) return c.json;
  return withOffsets(c.json, new Map([...sync(start + 1), [blocker, 0]]));
}

let aligned = 0;
for (let k = 0; k < N; k++) {
  const c = makeCase(k);
  let json = c.json;
  let r: SessionResult;
  try {
    r = await runCase(c, json);
    if (c.critical && r.admission!.feasible) {
      json = await critical(c, r);
      if (json !== c.json) {
        aligned++;
        r = await runCase(c, json);
      }
    }
  } catch (e) {
    // An error is a finding too (a request that never ended, a fault): report and go on.
    violating++;
    console.log(`FAIL scenario ${k} (${c.board}, ${c.transport}): ${(e as Error).message}`);
    console.log(`  rerun: ${rerun(c)} with scenario.json =\n${JSON.stringify(json)}`);
    continue;
  }
  const a = r.admission!;
  const layout = `${c.board} ${a.lanes.length}×${a.lanes[0]!.length}${c.forced === undefined ? '' : ' forced'}`;
  // Each scenario counts in its layout's row, its transport's, and the aligned runs'.
  const rowsOf = [row(layout), row(`transport ${c.transport}`)];
  if (json !== c.json) rowsOf.push(row('aligned to the critical instant'));
  for (const x of rowsOf) x.scenarios++;
  if (!a.feasible && args.verbose)
    for (const v of a.tenants.filter((t) => t.verdict === 'rejected'))
      process.stderr.write(
        `\nscenario ${k}: ${v.name} rejected: bound ${v.bound} > deadline ${v.deadline}; ${v.suggestions.join('; ')}\n  lane ${v.lane}: ${a.tenants
          .filter((x) => x.lane === v.lane)
          .map((x) => `${x.name} p${x.priority} wcet ${x.wcet} in ${x.granules} granules, gap ${x.minGap}`)
          .join('; ')}\n`,
      );
  if (a.feasible) {
    admitted++;
    if (a.laneBudgets.some((b) => Number.isFinite(b))) budgeted++;
    throttled += r.exec.trace.filter((e) => e.k === 'start' && e.throttle.some((v) => v !== 0)).length;
    if (!r.link.lockstep && r.exec.hostReaction > r.link.jitter) linkBroken++;
    const g = r.exec.records.filter((rec) => r.tenants[rec.tenant]!.guaranteed).length;
    guaranteedRequests += g;
    const close = closeness(r);
    // (On a free-running board the host books a step's start when it launches or learns of
    // it, not when it began: step durations are the host's view, so not checked.)
    const over = r.link.lockstep ? overruns(r, c.board) : [];
    if (over.length > 0) {
      overrun++;
      console.log(`OVERRUN scenario ${k} (${layout}, ${c.transport}): ${over.slice(0, 4).join('; ')}`);
      console.log(`  rerun: ${rerun(c)} with scenario.json =\n${JSON.stringify(json)}`);
    }
    const bad = failures(c, r);
    if (bad.length > 0) {
      violating++;
      console.log(`FAIL scenario ${k} (${layout}, ${c.transport}): ${bad.slice(0, 6).join('; ')}`);
      console.log(`  rerun: ${rerun(c)} with scenario.json =\n${JSON.stringify(json)}`);
    }
    for (const x of rowsOf) {
      x.admitted++;
      x.requests += g;
      x.closest = Math.max(x.closest, close);
      if (bad.length > 0) x.violations++;
    }
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  process.stderr.write(
    `\r[${k + 1}/${N}] admitted ${admitted}, guaranteed requests ${guaranteedRequests}, failing ${violating} (${secs} s)   `,
  );
}
process.stderr.write('\n');
console.log(
  'layout / transport                 scenarios  admitted  guaranteed_requests  failing  max response/bound',
);
for (const [key, x] of [...rows].sort(([a], [b]) => a.localeCompare(b)))
  console.log(
    `${key.padEnd(34)} ${String(x.scenarios).padStart(9)} ${String(x.admitted).padStart(9)} ${String(x.requests).padStart(20)} ${String(x.violations).padStart(8)} ${x.closest.toFixed(4).padStart(19)}`,
  );
console.log(`scenarios with a step or request above its measured cost: ${overrun}`);
console.log(
  `runs aligned to the critical instant: ${aligned}; admitted with memory budgets: ${budgeted}; throttled steps: ${throttled}; free-running runs whose host reaction exceeded J: ${linkBroken}`,
);
console.log(
  `guarantee: scenarios=${N} admitted=${admitted} guaranteed_requests=${guaranteedRequests} violations=${violating}`,
);
