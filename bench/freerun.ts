// Free-running benchmark (npm run bench:freerun): one admitted scenario — two guaranteed
// tenants and two memory-heavy best-effort AlexNets — run by `cotenant emu --pty` in a child
// process over a real PTY, first in lockstep, then free-running at F = 0.02 (board cycles
// at 2% of the 1 GHz clock) with steps staged on the board, then free-running with the host
// launching every step after seeing its barrier (--no-staging, the behaviour before staging).
// Costs are measured on the board each run talks to. Both free-running runs count the same
// link term J (default 200 000 cycles = 10 ms of host time at F = 0.02, as `--link-jitter`),
// so both run the same plan; the J that 16 round trips measured over this PTY would give
// (runtime/executor/link-jitter.ts) is printed next to it — on a loaded machine it can exceed
// the deadlines, and admission then refuses the scenario (`cotenant run` without
// --link-jitter does exactly that). The guaranteed tenants use layer granules, so there are
// many boundaries to measure.
//
// Per run: admission verdict and J, guaranteed misses, and the tile idle time at granule
// boundaries where the next step was already waiting (board cycles; median, max; staged:
// upper bounds, host launches: lower bounds), against the median granule length.
// Last line (the staged free-running run):
//   `freerun: boundary_idle_cycles_p50=<> max=<> misses=<>`.
// Usage: npm run bench:freerun [-- --speed F --requests N --link-jitter CYCLES]
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { openDevice } from '../runtime/cli/open-device.ts';
import { zooCompiler, zooLayers } from '../runtime/executor/compile-adapter.ts';
import { linkTerm, runLoaded, type SessionResult } from '../runtime/executor/session.ts';
import { loadScenario } from '../runtime/scenario/resolve.ts';
import { startEmu } from './emu-child.ts';

const { values } = parseArgs({
  options: {
    speed: { type: 'string', default: '0.02' },
    requests: { type: 'string', default: '24' },
    'link-jitter': { type: 'string', default: '200000' },
  },
});
const JITTER = Number(values['link-jitter']);
const SPEED = Number(values.speed);
const REQUESTS = Number(values.requests);

const SCENARIO = {
  name: 'freerun-bench',
  board: 'emu',
  seed: 11,
  run: { requests: REQUESTS },
  tenants: [
    {
      name: 'cam',
      model: 'yololite',
      priority: 9,
      guaranteed: true,
      granule: 'layer',
      deadline: '40ms',
      arrival: { kind: 'periodic', period: '40ms' },
    },
    {
      name: 'cls',
      model: 'squeezenet',
      priority: 5,
      guaranteed: true,
      granule: 'layer',
      deadline: '60ms',
      arrival: { kind: 'sporadic', minGap: '60ms', maxGap: '70ms' },
    },
    {
      name: 'hog1',
      model: 'alexnet',
      priority: 2,
      deadline: { xIsolated: 3 },
      arrival: { kind: 'sporadic', minGap: '5ms' },
    },
    {
      name: 'hog2',
      model: 'alexnet',
      priority: 1,
      deadline: { xIsolated: 4 },
      arrival: { kind: 'poisson', meanGap: '8ms' },
    },
  ],
};

/** What the round trips measured over the free-running PTY would make J. */
let measured: { jitter: number; maxMs: number; medianMs: number } | undefined;

async function runOver(emuArgs: readonly string[], staging: boolean): Promise<SessionResult> {
  const { path, child } = await startEmu(emuArgs);
  try {
    const device = await openDevice(`serial:${path}`);
    try {
      const free = emuArgs.includes('--free-running');
      if (free && measured === undefined) {
        const l = await linkTerm(device);
        measured = { jitter: l.jitter, maxMs: l.roundTrips!.maxMs, medianMs: l.roundTrips!.medianMs };
      }
      return await runLoaded(loadScenario(SCENARIO, 'freerun-bench', '.'), {
        device,
        compile: zooCompiler(device.board),
        layersOf: zooLayers,
        staging,
        ...(free ? { linkJitter: JITTER } : {}),
      });
    } finally {
      await device.close();
    }
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor((s.length - 1) / 2)]!;
};

function summary(label: string, r: SessionResult): { p50: number; max: number; misses: number } {
  const granules = r.exec.trace.flatMap((x) => (x.k === 'stepdone' ? [x.t - x.started] : []));
  const idle = r.exec.boundaryIdle;
  const misses = r.perTenant.reduce(
    (s, m, i) => s + (r.tenants[i]!.guaranteed ? m.missed + m.dropped + m.rejected : 0),
    0,
  );
  const p50 = median(idle);
  const max = idle.length === 0 ? 0 : Math.max(...idle);
  const g50 = median(granules);
  const bounds = r.admission!.tenants.filter((t) => t.guaranteed).map((t) => `${t.name} ${t.bound}`);
  process.stdout.write(
    `${label}: mode ${r.exec.mode}, J ${r.link.jitter} cycles, admission ${r.admission!.feasible ? 'feasible' : 'INFEASIBLE'} (bounds: ${bounds.join(', ')})\n` +
      `  requests ${r.exec.records.length}/${r.arrivals.length}, guaranteed misses ${misses}, certificate violations ${r.exec.violations.length}\n` +
      `  granule median ${g50} cycles; boundary idle ${idle.length === 0 ? 'none (the board waits for the host)' : `over ${idle.length} boundaries: median ${p50}, max ${max} cycles (median ${((100 * p50) / Math.max(1, g50)).toFixed(2)}% of the median granule)`}\n`,
  );
  return { p50, max, misses };
}

const lock = await runOver([], true);
summary('lockstep', lock);
const staged = await runOver(['--free-running', '--speed', String(SPEED)], true);
const s = summary(`free-running F=${SPEED}, staged`, staged);
const host = await runOver(['--free-running', '--speed', String(SPEED)], false);
summary(`free-running F=${SPEED}, host launches`, host);
process.stdout.write(
  `link: 16 round trips over the free-running PTY: median ${measured!.medianMs.toFixed(3)} ms, max ${measured!.maxMs.toFixed(3)} ms; the J they give: ${measured!.jitter} cycles (the runs counted J = ${JITTER})\n`,
);
process.stdout.write(`freerun: boundary_idle_cycles_p50=${s.p50} max=${s.max} misses=${s.misses}\n`);
