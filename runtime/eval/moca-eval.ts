// The MoCA evaluation as a whole: which cells and policies, the --json shape, and the
// summary against the targets docs/evaluation.md states (cotenant against the best other
// baseline per cell, faithful moca against static-partition, guaranteed misses).
import type { PolicyName } from '../scenario/schema.ts';
import type { CellResult, PolicyFigures } from './moca-cell.ts';
import type { MocaCell, MocaScenarioOptions } from './moca-protocol.ts';

export interface MocaCellJob {
  readonly cell: MocaCell;
  readonly options: MocaScenarioOptions & { readonly policies: readonly PolicyName[] };
}

/** NaN and infinities are not JSON. */
function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** `{"cells":[{"set","qos","guaranteed","policies":{"<policy>":{…}}}],"wallSeconds"}`. */
export function evalJson(cells: readonly CellResult[], wallSeconds: number): object {
  return {
    cells: cells.map((c) => ({
      set: c.cell.set,
      qos: c.cell.qos,
      guaranteed: c.cell.guaranteed,
      policies: Object.fromEntries(
        Object.entries(c.policies).map(([p, f]) => [
          p,
          {
            slaRate: finite(f.slaRate),
            slaHigh: finite(f.slaHigh),
            stp: finite(f.stp),
            antt: finite(f.antt),
            fairness: finite(f.fairness),
            guaranteedMisses: f.guaranteedMisses,
          },
        ]),
      ),
    })),
    wallSeconds: Number(wallSeconds.toFixed(1)),
  };
}

export interface CellVerdict {
  readonly cell: MocaCell;
  /** The other policy with the highest SLA (undefined without cotenant or others). */
  readonly bestSlaOther?: PolicyName;
  /** cotenant's SLA minus the best other's, in requests (≥ −1: within one request). */
  readonly slaLeadRequests?: number;
  readonly bestStpOther?: PolicyName;
  /** cotenant STP ÷ the best other STP. */
  readonly stpRatio?: number;
  /** cotenant fairness ÷ moca fairness. */
  readonly fairnessVsMoca?: number;
  /** moca SLA minus static-partition SLA, in requests. */
  readonly mocaOverStaticRequests?: number;
  readonly cotenantGuaranteedMisses?: number;
}

export interface EvalSummary {
  readonly verdicts: readonly CellVerdict[];
  /** Cells (with cotenant and another policy) where cotenant's SLA is within one request of the best other's. */
  readonly slaWithinOne: number;
  readonly slaCells: number;
  /** Mean over cells of cotenant STP ÷ best other STP. */
  readonly meanStpRatio: number;
  /** Geometric mean over cells of cotenant fairness ÷ moca fairness. */
  readonly fairnessVsMoca: number;
  /** Plain cells where moca's SLA is above static-partition's, of those with both. */
  readonly mocaAboveStatic: number;
  readonly mocaStaticCells: number;
  /** Mean over those cells of moca SLA − static-partition SLA. */
  readonly mocaMinusStaticSla: number;
  /** cotenant's guaranteed misses over all guaranteed cells. */
  readonly cotenantGuaranteedMisses: number;
  readonly guaranteedCells: number;
}

function bestOther(
  policies: Readonly<Partial<Record<PolicyName, PolicyFigures>>>,
  metric: 'slaRate' | 'stp',
): [PolicyName, PolicyFigures] | undefined {
  let best: [PolicyName, PolicyFigures] | undefined;
  for (const [p, f] of Object.entries(policies) as [PolicyName, PolicyFigures][]) {
    if (p === 'cotenant') continue;
    if (best === undefined || f[metric] > best[1][metric]) best = [p, f];
  }
  return best;
}

export function summarize(cells: readonly CellResult[]): EvalSummary {
  const verdicts: CellVerdict[] = [];
  let slaWithinOne = 0;
  let slaCells = 0;
  let stpSum = 0;
  let stpCells = 0;
  let fairLog = 0;
  let fairCells = 0;
  let mocaAbove = 0;
  let msCells = 0;
  let msSum = 0;
  let gMiss = 0;
  let gCells = 0;
  for (const c of cells) {
    const p = c.policies;
    const cot = p.cotenant;
    const v: { -readonly [K in keyof CellVerdict]: CellVerdict[K] } = { cell: c.cell };
    const bs = bestOther(p, 'slaRate');
    if (cot !== undefined && bs !== undefined) {
      v.bestSlaOther = bs[0];
      v.slaLeadRequests = Math.round((cot.slaRate - bs[1].slaRate) * cot.requests);
      slaCells++;
      if (v.slaLeadRequests >= -1) slaWithinOne++;
    }
    const bt = bestOther(p, 'stp');
    if (cot !== undefined && bt !== undefined && bt[1].stp > 0) {
      v.bestStpOther = bt[0];
      v.stpRatio = cot.stp / bt[1].stp;
      stpSum += v.stpRatio;
      stpCells++;
    }
    if (cot !== undefined && p.moca !== undefined && p.moca.fairness > 0 && cot.fairness > 0) {
      v.fairnessVsMoca = cot.fairness / p.moca.fairness;
      fairLog += Math.log(v.fairnessVsMoca);
      fairCells++;
    }
    if (!c.cell.guaranteed && p.moca !== undefined && p['static-partition'] !== undefined) {
      const d = p.moca.slaRate - p['static-partition'].slaRate;
      v.mocaOverStaticRequests = Math.round(d * p.moca.requests);
      msCells++;
      msSum += d;
      if (v.mocaOverStaticRequests > 0) mocaAbove++;
    }
    if (c.cell.guaranteed && cot !== undefined) {
      v.cotenantGuaranteedMisses = cot.guaranteedMisses;
      gMiss += cot.guaranteedMisses;
      gCells++;
    }
    verdicts.push(v);
  }
  return {
    verdicts,
    slaWithinOne,
    slaCells,
    meanStpRatio: stpCells === 0 ? Number.NaN : stpSum / stpCells,
    fairnessVsMoca: fairCells === 0 ? Number.NaN : Math.exp(fairLog / fairCells),
    mocaAboveStatic: mocaAbove,
    mocaStaticCells: msCells,
    mocaMinusStaticSla: msCells === 0 ? Number.NaN : msSum / msCells,
    cotenantGuaranteedMisses: gMiss,
    guaranteedCells: gCells,
  };
}

/** One line with every target's figure, for benches and docs. */
export function summaryLine(s: EvalSummary): string {
  const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  return (
    `eval moca: sla_within_one=${s.slaWithinOne}/${s.slaCells} stp_vs_best=${f3(s.meanStpRatio)} ` +
    `fairness_vs_moca=${f3(s.fairnessVsMoca)} moca_above_static=${s.mocaAboveStatic}/${s.mocaStaticCells} ` +
    `guaranteed_misses=${s.cotenantGuaranteedMisses} (${s.guaranteedCells} cells)`
  );
}
