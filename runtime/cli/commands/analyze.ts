// `cotenant analyze <scenario>`: admission control without running — per tenant the
// worst-case response bound, deadline, slack, verdict, and what would make a rejected
// tenant fit. Exit code 1 when a guaranteed tenant is rejected.
import type { Command } from 'commander';
import { scenarioModels } from '../../executor/model-source.ts';
import { analyzeLoaded } from '../../executor/session.ts';
import type { AdmissionResult } from '../../admission/plan.ts';
import { loadScenarioFile } from '../../scenario/resolve.ts';
import { DEVICE_HELP, openDevice } from '../open-device.ts';
import { describeLink, LINK_JITTER_HELP, parseLinkJitter } from '../link-option.ts';
import { printTable } from '../output.ts';

export function admissionRows(a: AdmissionResult): Record<string, string | number>[] {
  // Budget columns only when the plan throttles some lane to a memory budget.
  const budgets = a.laneBudgets.some((b) => Number.isFinite(b));
  return a.tenants.map((t) => {
    const g = t.variant.granule;
    return {
      tenant: t.name,
      prio: t.priority,
      lane: `${t.lane} (${t.variant.tiles}t)`,
      granule: g.kind === 'layer' ? 'layer' : g.kind === 'block' ? `block:${g.layers}` : `≤${g.max}cyc`,
      'wcet kcyc': Math.round(t.wcet / 1000),
      'max granule kcyc': Math.round(t.maxGranule / 1000),
      'bound kcyc': Number.isFinite(t.bound) ? Math.round(t.bound / 1000) : 'unbounded',
      'deadline kcyc': Math.round(t.deadline / 1000),
      'slack kcyc': Number.isFinite(t.slack) ? Math.round(t.slack / 1000) : '-',
      ...(budgets
        ? {
            'DRAM budget B/cyc/tile': Number.isFinite(t.budget) ? t.budget : '-',
            'bound w/o budgets kcyc':
              t.boundWithoutBudgets === undefined
                ? '-'
                : Number.isFinite(t.boundWithoutBudgets)
                  ? Math.round(t.boundWithoutBudgets / 1000)
                  : 'unbounded',
          }
        : {}),
      verdict: t.verdict,
    };
  });
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description(
      'Admission analysis of a scenario: worst-case response bounds, verdicts, and what would make rejected tenants fit',
    )
    .argument('<scenario>', 'scenario JSON file')
    .option('--board <device>', `${DEVICE_HELP}, to measure granule costs on (default: the scenario board)`)
    .option('--json', 'print one JSON object')
    .option('--link-jitter <time>', LINK_JITTER_HELP)
    .action(async (file: string, opts: { board?: string; json?: boolean; linkJitter?: string }) => {
      const loaded = loadScenarioFile(file);
      const models = await scenarioModels(loaded);
      const device = await openDevice(opts.board ?? loaded.scenario.board);
      try {
        const linkJitter = parseLinkJitter(opts.linkJitter, device.board.clockHz);
        const { admission, link } = await analyzeLoaded(loaded, {
          device,
          ...(linkJitter !== undefined ? { linkJitter } : {}),
          compile: models.compileFor(device.board),
          layersOf: models.layersOf,
          // to stderr even without a terminal: measuring over a serial link takes a while
          onPhase: (what) => process.stderr.write(`${what}…\n`),
        });
        if (opts.json === true) {
          process.stdout.write(
            JSON.stringify(
              {
                feasible: admission.feasible,
                ...(admission.mode !== undefined
                  ? {
                      mode: admission.mode,
                      predictedSpeedup: admission.predictedSpeedup,
                      measuredSpeedup: admission.measuredSpeedup ?? null,
                      layoutsTried: admission.layoutsTried ?? null,
                    }
                  : {}),
                link,
                lanes: admission.lanes,
                laneBudgets: admission.laneBudgets.map((b) => (Number.isFinite(b) ? b : null)),
                layouts: admission.layouts,
                tenants: admission.tenants.map((t) => ({
                  ...t,
                  bound: Number.isFinite(t.bound) ? t.bound : null,
                  slack: Number.isFinite(t.slack) ? t.slack : null,
                })),
              },
              null,
              2,
            ) + '\n',
          );
        } else {
          process.stdout.write(
            `board ${device.board.id}: ${admission.feasible ? 'all guaranteed tenants admitted' : 'REJECTED'}; lanes ${admission.lanes.map((l) => `[${l.join(',')}]`).join(' ')}\n`,
          );
          printTable(admissionRows(admission));
          process.stdout.write(describeLink(link));
          if (admission.mode === 'throughput')
            process.stdout.write(
              `throughput plan (no guaranteed tenant, deadlines ≥ 10× the predicted response): speed-up over one request at a time on all tiles ${admission.predictedSpeedup?.toFixed(2)} predicted${admission.measuredSpeedup === undefined ? '' : `, ${admission.measuredSpeedup.toFixed(2)} measured in ${admission.layoutsTried} trial runs`}; the bound column is the predicted time per request at full load\n`,
            );
          else
            process.stdout.write(
              `layouts tried: ${admission.layouts.map((l) => `${l.lanes}×${l.laneTiles} tiles ${l.feasible ? 'feasible' : 'infeasible'} (peak util ${Number.isFinite(l.peakUtilization) ? `${(l.peakUtilization * 100).toFixed(0)}%` : 'unbounded: a tenant without a minimum gap'}${Number.isFinite(l.budget) ? `, best-effort lanes at ${l.budget} B/cycle/tile` : ''})`).join('; ')}\n`,
            );
          for (const t of admission.tenants) {
            if (t.verdict !== 'rejected') continue;
            process.stdout.write(
              `\n${t.name} is rejected; it would fit with:\n${t.suggestions.map((s) => `  - ${s}`).join('\n')}\n`,
            );
          }
        }
        if (!admission.feasible) process.exitCode = 1;
      } finally {
        await device.close();
      }
    });
}
