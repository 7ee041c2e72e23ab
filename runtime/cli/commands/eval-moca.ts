// `cotenant eval moca`: MoCA's evaluation protocol (workload sets × QoS levels, optionally
// with guaranteed cameras) under every policy, cells in parallel on worker threads; a
// table per cell and the summary against the targets, or --json, or an HTML --report.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Command } from 'commander';
import { ConfigError } from '../../../boards/errors.ts';
import type { CellResult } from '../../eval/moca-cell.ts';
import { evalJson, summarize, summaryLine, type MocaCellJob } from '../../eval/moca-eval.ts';
import {
  cellName,
  mocaCells,
  MOCA_QOS,
  MOCA_REQUESTS,
  MOCA_SEED,
  MOCA_SETS,
  type MocaQos,
  type MocaSet,
} from '../../eval/moca-protocol.ts';
import { mocaReportHtml } from '../../eval/moca-report.ts';
import { runPool } from '../../eval/pool.ts';
import { COMPARE_POLICIES } from '../../scenario/schema.ts';
import { printTable } from '../output.ts';
import { ensureParentDir, writeOutputFile } from '../output-file.ts';
import { parsePolicyList } from './compare.ts';

interface EvalMocaOpts {
  sets?: string;
  qos?: string;
  policies?: string;
  requests?: string;
  seed?: string;
  instances?: string;
  guaranteed?: boolean;
  json?: boolean;
  report?: string;
  workers?: string;
}

function parseList<T extends string>(text: string | undefined, valid: readonly T[], what: string): T[] {
  if (text === undefined) return [...valid];
  const items = text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  const bad = items.filter((s) => !(valid as readonly string[]).includes(s));
  if (items.length === 0 || bad.length > 0)
    throw new ConfigError(
      `${what}: ${bad.length > 0 ? `unknown ${bad.map((b) => `"${b}"`).join(', ')}; ` : ''}give a comma-separated list of ${valid.join(', ')}`,
    );
  return [...new Set(items)] as T[];
}

function parseCount(text: string | undefined, what: string, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError(`${what}: must be an integer ≥ ${min}, got "${text}"`);
  return n;
}

/** The worker entry: the .ts source under tsx, the bundled .mjs beside dist/cotenant.mjs. */
export function spawnWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./eval-moca-worker.mjs', import.meta.url));
  // Under tsx a worker does not inherit the TypeScript loader: load the entry through tsImport.
  const url = new URL('../eval-moca-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((m) => m.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`,
    { eval: true },
  );
}

export function registerEvalMoca(ev: Command): void {
  ev.command('moca')
    .description(
      "MoCA's protocol (sets A/B/C × QoS H/M/L at MoCA's load, 4 request streams) under every policy; --guaranteed adds each cell with two guaranteed cameras",
    )
    .option('--sets <list>', `workload sets (default ${MOCA_SETS.join(',')})`)
    .option('--qos <list>', `QoS levels (default ${MOCA_QOS.join(',')})`)
    .option('--policies <list>', `comma-separated policies (default: all of ${COMPARE_POLICIES.join(',')})`)
    .option('--requests <n>', `requests per cell (default ${MOCA_REQUESTS})`)
    .option('--seed <n>', `arrival seed (default ${MOCA_SEED})`)
    .option(
      '--instances <n>',
      "requests of one model that may run at once on different tile pairs (default 1; MoCA's runtime: any free pair, 4)",
    )
    .option(
      '--guaranteed',
      'also run every cell with two guaranteed periodic cameras (YOLO-lite, 120 and 60 fps)',
    )
    .option('--json', 'print one JSON object: {"cells":[{set,qos,guaranteed,policies:{…}}],"wallSeconds"}')
    .option('--report <file>', 'write a self-contained HTML report (tables, SVG charts)')
    .option('--workers <n>', 'worker threads (default: the machine’s cores, at most the cell count)')
    .action(async (opts: EvalMocaOpts) => {
      const sets = parseList<MocaSet>(opts.sets, MOCA_SETS, '--sets');
      const qos = parseList<MocaQos>(opts.qos, MOCA_QOS, '--qos');
      const policies = opts.policies === undefined ? [...COMPARE_POLICIES] : parsePolicyList(opts.policies);
      const requests = parseCount(opts.requests, '--requests', MOCA_REQUESTS, 1);
      const seed = parseCount(opts.seed, '--seed', MOCA_SEED, 0);
      const instances = parseCount(opts.instances, '--instances', 1, 1);
      if (instances > 64) throw new ConfigError(`--instances: at most 64, got ${instances}`);
      const workers = parseCount(opts.workers, '--workers', availableParallelism(), 1);
      if (opts.report !== undefined) ensureParentDir(opts.report, '--report');
      const cells = mocaCells(sets, qos, opts.guaranteed === true ? [false, true] : [false]);
      const jobs: MocaCellJob[] = cells.map((cell) => ({
        cell,
        options: { policies, requests, seed, instances },
      }));
      const t0 = performance.now();
      const results = await runPool<MocaCellJob, CellResult>(jobs, workers, spawnWorker, (i) => {
        if (opts.json !== true) process.stderr.write(`${cellName(cells[i]!)} done\n`);
      });
      const wall = (performance.now() - t0) / 1000;
      if (opts.report !== undefined)
        writeOutputFile(
          opts.report,
          mocaReportHtml(results, { requests, seed, wallSeconds: wall }),
          '--report',
        );
      if (opts.json === true) {
        process.stdout.write(JSON.stringify(evalJson(results, wall)) + '\n');
        return;
      }
      printResults(results);
      const s = summarize(results);
      process.stdout.write(`\n${summaryLine(s)} wall=${wall.toFixed(1)}s\n`);
    });
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');

function printResults(results: readonly CellResult[]): void {
  const rows: Record<string, string | number>[] = [];
  for (const c of results)
    for (const [p, f] of Object.entries(c.policies))
      rows.push({
        cell: cellName(c.cell),
        policy: p,
        SLA: pct(f.slaRate),
        'SLA high': pct(f.slaHigh),
        STP: f3(f.stp),
        ANTT: f3(f.antt),
        fairness: f3(f.fairness),
        tiles: pct(f.tileUtilization),
        'g. misses': c.cell.guaranteed ? f.guaranteedMisses : '-',
      });
  printTable(rows);
}
