// The moca baseline against static-partition on the nine examples/moca-*.json scenarios
// (docs/scheduler.md, "The faithful moca baseline against static-partition"): SLA of both,
// and what moca's runtime did — steps started, steps throttled, throttled steps held at the
// 25% floor, partner requests started by co-location. The allowed utilization of a
// throttled step is read back from its THROTTLE value: per-tile load rate target_load × 16 /
// window, × tiles, × traffic / loads of the step (the compiler's l2ReadBytes / readBytes).
// Last line: `moca: above_static=<n>/9 equal=<n> below=<n> throttled=<share> at_floor=<share>`.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeThrottle } from '../boards/registers.ts';
import { openDevice } from '../runtime/cli/open-device.ts';
import { formatTable } from '../runtime/cli/output.ts';
import { zooCompiler, zooLayers } from '../runtime/executor/compile-adapter.ts';
import { runLoaded } from '../runtime/executor/session.ts';
import { MOCA_FLOOR_UTIL } from '../runtime/regulator/moca.ts';
import { loadScenarioFile } from '../runtime/scenario/resolve.ts';

const dir = fileURLToPath(new URL('../examples/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => /^moca-[A-C]-[HML]\.json$/.test(f))
  .sort();
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const rows: Record<string, string | number>[] = [];
const tally = { above: 0, equal: 0, below: 0, steps: 0, throttled: 0, floor: 0 };
for (const f of files) {
  const loaded = loadScenarioFile(dir + f);
  const name = f.replace(/\.json$/, '');
  process.stderr.write(`${name}…\n`);
  const run = async (policy: 'static-partition' | 'moca') => {
    const device = await openDevice(loaded.scenario.board);
    try {
      return await runLoaded(loaded, {
        device,
        compile: zooCompiler(device.board),
        layersOf: zooLayers,
        policy,
        admission: false,
      });
    } finally {
      await device.close();
    }
  };
  const st = await run('static-partition');
  const mo = await run('moca');
  const probe = await openDevice(loaded.scenario.board);
  const board = probe.board;
  await probe.close();
  const compile = zooCompiler(board);
  // traffic / loads per (tenant, variant, step), compiled once.
  const ratio = new Map<string, number[]>();
  const ratioOf = (tenant: number, variant: string, step: number): number => {
    const key = `${tenant}/${variant}`;
    let r = ratio.get(key);
    if (r === undefined) {
      const tiles = Number(/^t(\d+)\//.exec(variant)![1]);
      const c = compile(loaded.scenario.tenants[tenant]!.model, tiles, { kind: 'layer' }, board.dram.base);
      r = c.steps.map((s) => (s.readBytes > 0 ? (s.l2ReadBytes ?? s.readBytes) / s.readBytes : 1));
      ratio.set(key, r);
    }
    return r[step]!;
  };
  let steps = 0;
  let throttled = 0;
  let floor = 0;
  let partners = 0;
  for (const e of mo.exec.trace) {
    if (e.k !== 'start') continue;
    steps++;
    if (e.variant.startsWith('t1/') && e.step === 0) partners++;
    const th = decodeThrottle(e.throttle[0] ?? 0);
    if (th.window === 0) continue;
    throttled++;
    const util =
      (100 * ((th.targetLoad * 16) / th.window) * e.tiles.length * ratioOf(e.tenant, e.variant, e.step)) /
      board.dramBytesPerCycle;
    // within the rounding of the 16-bit fields
    if (Math.abs(util - MOCA_FLOOR_UTIL) < 0.5) floor++;
  }
  const s = st.overall.slaRate;
  const m = mo.overall.slaRate;
  if (m > s) tally.above++;
  else if (m === s) tally.equal++;
  else tally.below++;
  tally.steps += steps;
  tally.throttled += throttled;
  tally.floor += floor;
  rows.push({
    scenario: name,
    'SLA static': pct(s),
    'SLA moca': pct(m),
    steps,
    throttled,
    'at 25% floor': floor,
    'co-located partners': partners,
  });
}
process.stdout.write(formatTable(rows));
process.stdout.write(
  `moca: above_static=${tally.above}/${files.length} equal=${tally.equal} below=${tally.below} throttled=${(tally.throttled / tally.steps).toFixed(3)} at_floor=${(tally.floor / Math.max(1, tally.throttled)).toFixed(3)}\n`,
);
