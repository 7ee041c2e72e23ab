// Why the faithful moca baseline does or does not beat static-partition under MoCA's
// protocol (docs/evaluation.md, "moca against static-partition"): best-effort cells under
// static-partition, moca, moca without co-location (regulator only) and moca without the
// regulator (co-location only), same arrivals. Per cell: SLA of each, and what moca's
// runtime did — steps started, steps throttled, throttled steps at the 25% floor (read
// back from the THROTTLE value: per-tile load rate target_load × 16 / window × tiles ×
// traffic / loads of the step), partner requests started by co-location, and tile / DRAM
// utilization.
import { decodeThrottle } from '../../boards/registers.ts';
import type { Device } from '../../drivers/device.ts';
import { runLoaded, type SessionOptions, type SessionResult } from '../executor/session.ts';
import { MOCA_FLOOR_UTIL } from '../regulator/moca.ts';
import { partitionPolicy, type MocaParts } from '../scheduler/partition.ts';
import { loadScenario } from '../scenario/resolve.ts';
import { cellName, mocaScenario, type MocaCell } from './moca-protocol.ts';

export interface AblationRow {
  readonly cell: MocaCell;
  readonly slaStatic: number;
  readonly slaMoca: number;
  readonly slaRegulatorOnly: number;
  readonly slaColocationOnly: number;
  readonly steps: number;
  readonly throttled: number;
  readonly atFloor: number;
  readonly partners: number;
  readonly tilesStatic: number;
  readonly tilesMoca: number;
  readonly dramStatic: number;
}

export interface AblationOptions {
  readonly open: (board: string) => Promise<Device>;
  readonly compileFor: (device: Device) => SessionOptions['compile'];
  readonly layersOf: SessionOptions['layersOf'];
  readonly onCell?: (cell: MocaCell) => void;
}

export async function mocaAblation(
  cells: readonly MocaCell[],
  opts: AblationOptions,
): Promise<AblationRow[]> {
  const out: AblationRow[] = [];
  for (const cell of cells) {
    opts.onCell?.(cell);
    const loaded = loadScenario(mocaScenario(cell), cellName(cell), '.');
    const run = async (
      policy: 'static-partition' | 'moca',
      parts: MocaParts = {},
    ): Promise<SessionResult> => {
      const device = await opts.open(loaded.scenario.board);
      try {
        return await runLoaded(loaded, {
          device,
          compile: opts.compileFor(device),
          layersOf: opts.layersOf,
          policy,
          makePolicy: (def) => partitionPolicy(policy, def.dim, parts),
        });
      } finally {
        await device.close();
      }
    };
    const st = await run('static-partition');
    const mo = await run('moca');
    const reg = await run('moca', { colocation: false });
    const col = await run('moca', { regulation: false });
    const probe = await opts.open(loaded.scenario.board);
    const board = probe.board;
    const compile = opts.compileFor(probe);
    await probe.close();
    const ratio = new Map<string, number[]>();
    const ratioOf = (tenant: number, variant: string, step: number): number => {
      const key = `${tenant}/${variant}`;
      let r = ratio.get(key);
      if (r === undefined) {
        const tiles = Number(/^t(\d+)\//.exec(variant)![1]);
        const c = compile(loaded.models[tenant]!, tiles, { kind: 'layer' }, board.dram.base);
        r = c.steps.map((s) => (s.readBytes > 0 ? (s.l2ReadBytes ?? s.readBytes) / s.readBytes : 1));
        ratio.set(key, r);
      }
      return r[step]!;
    };
    let steps = 0;
    let throttled = 0;
    let atFloor = 0;
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
      if (Math.abs(util - MOCA_FLOOR_UTIL) < 0.5) atFloor++;
    }
    out.push({
      cell,
      slaStatic: st.overall.slaRate,
      slaMoca: mo.overall.slaRate,
      slaRegulatorOnly: reg.overall.slaRate,
      slaColocationOnly: col.overall.slaRate,
      steps,
      throttled,
      atFloor,
      partners,
      tilesStatic: st.overall.tileUtilization,
      tilesMoca: mo.overall.tileUtilization,
      dramStatic: st.overall.dramUtilization,
    });
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Table rows (column → text). */
export function ablationTable(rows: readonly AblationRow[]): Record<string, string>[] {
  return rows.map((r) => ({
    cell: `${r.cell.set}-${r.cell.qos}`,
    'SLA static': pct(r.slaStatic),
    'SLA moca': pct(r.slaMoca),
    'regulator only': pct(r.slaRegulatorOnly),
    'co-location only': pct(r.slaColocationOnly),
    steps: String(r.steps),
    throttled: String(r.throttled),
    'at 25% floor': String(r.atFloor),
    partners: String(r.partners),
    'tiles static / moca': `${pct(r.tilesStatic)} / ${pct(r.tilesMoca)}`,
    'DRAM static': pct(r.dramStatic),
  }));
}

/** `moca-ablation: above_static=… regulator_only=… colocation_only=… throttled=… at_floor=…`. */
export function ablationLine(rows: readonly AblationRow[]): string {
  const n = rows.length;
  const above = (f: (r: AblationRow) => number) => rows.filter((r) => f(r) > r.slaStatic).length;
  const steps = rows.reduce((s, r) => s + r.steps, 0);
  const thr = rows.reduce((s, r) => s + r.throttled, 0);
  const floor = rows.reduce((s, r) => s + r.atFloor, 0);
  return (
    `moca-ablation: above_static=${above((r) => r.slaMoca)}/${n} regulator_only=${above((r) => r.slaRegulatorOnly)}/${n} ` +
    `colocation_only=${above((r) => r.slaColocationOnly)}/${n} throttled=${(thr / Math.max(1, steps)).toFixed(3)} ` +
    `at_floor=${(floor / Math.max(1, thr)).toFixed(3)}`
  );
}
