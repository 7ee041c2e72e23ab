// `cotenant compare <scenario>`: the same scenario and arrivals under several policies on
// the same board, one row per policy, and how cotenant fares against MoCA and against the
// best other baseline (ratios > 1 favour cotenant; ANTT's is inverted since lower is better).
import type { Command } from 'commander';
import { ConfigError } from '../../../boards/errors.ts';
import { scenarioModels } from '../../executor/model-source.ts';
import {
  COMPARED,
  comparePolicies,
  type ComparedMetric,
  type Comparison,
  type Ratios,
} from '../../executor/compare.ts';
import { loadScenarioFile } from '../../scenario/resolve.ts';
import { COMPARE_POLICIES, POLICY_NAMES, type PolicyName } from '../../scenario/schema.ts';
import { LINK_JITTER_HELP, parseLinkJitter } from '../link-option.ts';
import { DEVICE_HELP, openDevice } from '../open-device.ts';
import { printTable } from '../output.ts';

interface CompareOpts {
  board?: string;
  policies?: string;
  json?: boolean;
  linkJitter?: string;
}

export function parsePolicyList(text: string): PolicyName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0)
    throw new ConfigError(`--policies: give a comma-separated list of policies: ${POLICY_NAMES.join(', ')}`);
  const bad = names.filter((n) => !(POLICY_NAMES as readonly string[]).includes(n));
  if (bad.length > 0)
    throw new ConfigError(
      `--policies: unknown polic${bad.length > 1 ? 'ies' : 'y'} ${bad.map((b) => `"${b}"`).join(', ')}; valid policies: ${POLICY_NAMES.join(', ')}`,
    );
  return [...new Set(names)] as PolicyName[];
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'Run one scenario under several policies (same board, same arrivals) and compare SLA, STP, ANTT, fairness, utilization; cotenant vs moca and vs the best other baseline',
    )
    .argument('<scenario>', 'scenario JSON file')
    .option('--policies <list>', `comma-separated policies (default: ${COMPARE_POLICIES.join(',')})`)
    .option('--board <device>', `${DEVICE_HELP}; overrides the scenario board; opened afresh for each policy`)
    .option('--link-jitter <time>', LINK_JITTER_HELP)
    .option('--json', 'print one JSON object (rows[], vsMoca, vsBestBaseline, lockstep)')
    .action(async (file: string, opts: CompareOpts) => {
      const policies = opts.policies === undefined ? [...COMPARE_POLICIES] : parsePolicyList(opts.policies);
      const loaded = loadScenarioFile(file);
      const spec = opts.board ?? loaded.scenario.board;
      const models = await scenarioModels(loaded);
      const c = await comparePolicies(loaded, {
        open: () => openDevice(spec),
        compileFor: (d) => models.compileFor(d.board),
        layersOf: models.layersOf,
        policies,
        // to stderr even without a terminal: a run over a serial link takes a while
        onPolicy: (p, i) => process.stderr.write(`running ${p} (${i + 1}/${policies.length})…\n`),
        linkJitter: (d) => parseLinkJitter(opts.linkJitter, d.board.clockHz),
      });
      if (opts.json === true) process.stdout.write(JSON.stringify(toJson(c), null, 2) + '\n');
      else printComparison(c, loaded.scenario.name ?? file);
    });
}

/** NaN/Infinity are not JSON: undefined ratios and rates become null. */
function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function ratiosJson(r: Ratios | undefined): object | null {
  if (r === undefined) return null;
  return Object.fromEntries(COMPARED.map((m) => [m, { ratio: finite(r.values[m]), against: r.against[m] }]));
}

function toJson(c: Comparison): object {
  return {
    admissionFeasible: c.admissionFeasible ?? null,
    rows: c.rows.map((r) => ({ ...r, guaranteedSlaRate: finite(r.guaranteedSlaRate) })),
    vsMoca: ratiosJson(c.vsMoca),
    vsBestBaseline: ratiosJson(c.vsBestBaseline),
    lockstep: c.lockstep,
  };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const LABEL: Record<ComparedMetric, string> = {
  slaRate: 'SLA',
  guaranteedSlaRate: 'SLA(guaranteed)',
  stp: 'STP',
  antt: 'ANTT',
  fairness: 'fairness',
};

function ratioLine(title: string, r: Ratios, named: boolean): string {
  const parts = COMPARED.map((m) => {
    const v = r.values[m];
    const s = Number.isNaN(v) ? '-' : v === Number.POSITIVE_INFINITY ? '∞' : `×${v.toFixed(3)}`;
    return `${LABEL[m]} ${s}${named && !Number.isNaN(v) ? ` (${r.against[m]})` : ''}`;
  });
  return `${title}: ${parts.join('  ')}\n`;
}

function printComparison(c: Comparison, title: string): void {
  process.stdout.write(
    `${title}: same arrivals under ${c.rows.length} polic${c.rows.length === 1 ? 'y' : 'ies'}${c.admissionFeasible === false ? ' (admission rejects the scenario; cotenant ran it anyway)' : ''}\n`,
  );
  if (!c.lockstep)
    process.stdout.write(
      "free-running board: each row also depends on the host's timing (a rerun gives other digests and slightly other figures)\n",
    );
  printTable(
    c.rows.map((r) => ({
      policy: r.policy,
      SLA: pct(r.slaRate),
      'SLA(g)': pct(r.guaranteedSlaRate),
      STP: f3(r.stp),
      ANTT: f3(r.antt),
      fairness: f3(r.fairness),
      tiles: pct(r.tileUtilization),
      DRAM: pct(r.dramUtilization),
      missed: r.missed,
      dropped: r.dropped,
      rejected: r.rejected,
      'g. misses': r.guaranteedMisses,
    })),
  );
  process.stdout.write('\nratios > 1 favour cotenant (ANTT: other ÷ cotenant)\n');
  if (c.vsMoca !== undefined) process.stdout.write(ratioLine('cotenant vs moca', c.vsMoca, false));
  if (c.vsBestBaseline !== undefined)
    process.stdout.write(ratioLine('cotenant vs best other', c.vsBestBaseline, true));
}
