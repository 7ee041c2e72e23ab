// The pair-based baselines with one request per model at a time (the protocol's default)
// against MoCA's way, any request on any free pair (`eval moca --instances 4`): the table
// and summary line docs/evaluation.md ("One request per model at a time") quotes.
import type { PolicyName } from '../scenario/schema.ts';
import type { CellResult } from './moca-cell.ts';
import { cellName } from './moca-protocol.ts';

/** The policies that use a tenant's `instances` (docs/scenario.md). */
export const INSTANCE_POLICIES: readonly PolicyName[] = ['static-partition', 'moca', 'planaria'];

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** One row per cell and policy: SLA, fairness and tile utilization, default → many. */
export function instancesTable(
  one: readonly CellResult[],
  many: readonly CellResult[],
): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  for (const m of many) {
    const o = one.find((c) => cellName(c.cell) === cellName(m.cell));
    if (o === undefined) continue;
    for (const p of INSTANCE_POLICIES) {
      const a = o.policies[p];
      const b = m.policies[p];
      if (a === undefined || b === undefined) continue;
      rows.push({
        cell: cellName(m.cell).replace(/^moca-/, ''),
        policy: p,
        'SLA 1 → 4': `${pct(a.slaRate)} → ${pct(b.slaRate)}`,
        'fairness 1 → 4': `${a.fairness.toFixed(3)} → ${b.fairness.toFixed(3)}`,
        'tiles 1 → 4': `${pct(a.tileUtilization)} → ${pct(b.tileUtilization)}`,
      });
    }
  }
  return rows;
}

/** `instances: moca_sla_lower=… static_sla_lower=… moca_above_static=… (n cells)`. */
export function instancesLine(one: readonly CellResult[], many: readonly CellResult[]): string {
  let mocaLower = 0;
  let staticLower = 0;
  let above = 0;
  let n = 0;
  for (const m of many) {
    const o = one.find((c) => cellName(c.cell) === cellName(m.cell));
    const [om, os, mm, ms] = [
      o?.policies.moca,
      o?.policies['static-partition'],
      m.policies.moca,
      m.policies['static-partition'],
    ];
    if (om === undefined || os === undefined || mm === undefined || ms === undefined) continue;
    n++;
    if (mm.slaRate < om.slaRate) mocaLower++;
    if (ms.slaRate < os.slaRate) staticLower++;
    if (mm.slaRate > ms.slaRate) above++;
  }
  return `instances 4: moca_sla_lower=${mocaLower}/${n} static_sla_lower=${staticLower}/${n} moca_above_static=${above}/${n}`;
}
