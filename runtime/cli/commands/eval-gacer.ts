// `cotenant eval gacer`: throughput mixes at full load under sequential, naive concurrency,
// static-partition and cotenant's throughput plan (runtime/eval/gacer.ts,
// docs/evaluation-gacer.md).
import type { Command } from 'commander';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../../../boards/errors.ts';
import { zooCompiler, zooLayers } from '../../executor/compile-adapter.ts';
import { resolveModelName } from '../../models/index.ts';
import {
  GACER_MIXES,
  GACER_POLICIES,
  parseMixes,
  runGacerMix,
  type GacerMixResult,
  type GacerPolicy,
} from '../../eval/gacer.ts';
import { gacerReport, policiesOf } from '../../report/gacer-html.ts';
import { DEVICE_HELP, openLockstepDevice } from '../open-device.ts';
import { writeOutputFile } from '../output-file.ts';
import { printTable } from '../output.ts';

interface EvalGacerOpts {
  mixes?: string;
  requests: string;
  seed: string;
  board: string;
  json?: boolean;
  report?: string;
}

function positiveInt(text: string, what: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${what}: "${text}" is not an integer ≥ ${min}`);
  return n;
}

export function registerEvalGacer(parent: Command): void {
  parent
    .command('gacer')
    .description(
      'Throughput mixes back to back at full load (closed loop): sequential, naive concurrency, static-partition and cotenant; inferences per board second, speed-up over sequential, STP, array and DRAM utilization',
    )
    .option(
      '--mixes <list>',
      `comma-separated mixes: zoo models joined by "+" (e.g. resnet50+mobilenetv2) or the defaults' names (default: ${GACER_MIXES.map((m) => m.name).join(', ')})`,
    )
    .option('--requests <n>', "requests of each mix's heaviest model (the others: the same work)", '4')
    .option(
      '--seed <s>',
      'scenario seed (the closed loop draws no random arrivals; kept for the runs and their digests)',
      '1',
    )
    .option('--board <device>', DEVICE_HELP, 'moca-8t')
    .option('--json', 'print one JSON object: {"mixes":[{"name","policies":{…}}],"wallSeconds"}')
    .option('--report <file>', 'write a self-contained HTML report with the charts')
    .action(async (opts: EvalGacerOpts) => {
      const start = performance.now();
      const requests = positiveInt(opts.requests, '--requests', 1);
      const seed = positiveInt(opts.seed, '--seed', 0);
      const mixes = parseMixes(opts.mixes, (m) => resolveModelName(m) !== undefined);
      const policies: GacerPolicy[] = [...GACER_POLICIES];
      const results: GacerMixResult[] = [];
      for (const [i, mix] of mixes.entries()) {
        results.push(
          await runGacerMix(
            { ...mix, models: mix.models.map((m) => resolveModelName(m) ?? m) },
            {
              board: opts.board,
              open: () => openLockstepDevice(opts.board, 'eval gacer'),
              compileFor: (d) => zooCompiler(d.board),
              layersOf: zooLayers,
              requests,
              seed,
              policies,
              onRun: (name, p) => process.stderr.write(`${name} (${i + 1}/${mixes.length}): ${p}…\n`),
            },
          ),
        );
      }
      const wallSeconds = (performance.now() - start) / 1e3;
      if (opts.report !== undefined)
        writeOutputFile(opts.report, gacerReport(results, opts.board, requests), '--report');
      if (opts.json === true)
        process.stdout.write(JSON.stringify({ mixes: results, wallSeconds }, null, 2) + '\n');
      else printResults(results, wallSeconds);
    });
}

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');

function printResults(mixes: readonly GacerMixResult[], wallSeconds: number): void {
  for (const m of mixes) {
    process.stdout.write(`\n${m.name}\n`);
    printTable(
      policiesOf([m]).map((p) => {
        const r = m.policies[p]!;
        return {
          policy: p,
          'inf/s': f(r.throughput, 1),
          'speed-up': `${f(r.speedup)}×`,
          STP: f(r.stp),
          fairness: f(r.fairness),
          array: pct(r.arrayUtilization),
          DRAM: pct(r.dramUtilization),
          plan:
            r.plan === undefined
              ? ''
              : `${r.plan.mode}: ${r.plan.tenants.map((t, i) => `${m.models[i]} ${t.tiles}t/${t.granule}`).join(', ')}`,
        };
      }),
    );
  }
  process.stdout.write(`\nwall time ${wallSeconds.toFixed(1)} s\n`);
}
