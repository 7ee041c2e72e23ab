// `cotenant run <scenario>`: the main job — run a multi-tenant scenario on a board.
import { join } from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { ConfigError } from '../../../boards/errors.ts';
import { functionalRun, type TenantOutput } from '../../executor/functional-run.ts';
import { scenarioModels } from '../../executor/model-source.ts';
import { formatNpy } from '../../tensor-file.ts';
import { runLoaded, type SessionResult } from '../../executor/session.ts';
import { chromeTrace } from '../../report/chrome.ts';
import { htmlReport } from '../../report/html.ts';
import { loadScenarioFile } from '../../scenario/resolve.ts';
import { POLICY_NAMES, type PolicyName, type Scenario } from '../../scenario/schema.ts';
import { ADMISSION_METRICS, RUN_METRICS, type MetricDefinition } from '../../metrics/definitions.ts';
import { DEVICE_HELP, openDevice } from '../open-device.ts';
import { describeLink, LINK_JITTER_HELP, parseLinkJitter } from '../link-option.ts';
import { printTable } from '../output.ts';
import { ensureParentDir, writeOutputFile } from '../output-file.ts';
import { admissionRows } from './analyze.ts';

interface RunOpts {
  board?: string;
  policy?: string;
  json?: boolean;
  trace?: string;
  report?: string;
  admission?: boolean;
  outputs?: string;
  explain?: boolean;
  strict?: boolean;
  linkJitter?: string;
  staging?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'Run a multi-tenant scenario (default: examples/quickstart.json) and report SLA, STP, ANTT, fairness, utilization',
    )
    .argument('[scenario]', 'scenario JSON file', 'examples/quickstart.json')
    .option('--board <device>', `${DEVICE_HELP}; overrides the scenario board`)
    .option('--policy <name>', `scheduling policy: ${POLICY_NAMES.join(', ')}`)
    .option('--json', 'print one JSON object (tenants[], overall, traceDigest)')
    .option('--trace <file>', 'write a Chrome/Perfetto trace (JSON)')
    .option('--report <file>', 'write a self-contained HTML report')
    .option('--no-admission', 'run even if admission control rejects the scenario')
    .option('--explain', 'also say what each figure means and which commands to try next')
    .option(
      '--outputs <dir>',
      'tenants with model packages and inputs: write each output as <dir>/<tenant>/<n>.npy',
    )
    .option('--link-jitter <time>', LINK_JITTER_HELP)
    .option(
      '--no-staging',
      'free-running board: launch every step from the host once it has seen the barrier before it, instead of staging it on the board (for comparison; the analysis then counts J of idle time after every granule)',
    )
    .option(
      '--strict',
      'exit with status 3 when a guaranteed request misses, is dropped or rejected, or exceeds its admitted bound',
    )
    .action(async (file: string, opts: RunOpts) => {
      if (opts.policy !== undefined && !(POLICY_NAMES as readonly string[]).includes(opts.policy)) {
        throw new ConfigError(`unknown policy "${opts.policy}"; valid policies: ${POLICY_NAMES.join(', ')}`);
      }
      const loaded = loadScenarioFile(file);
      // a bad output path fails now, not after the run
      if (opts.trace !== undefined) ensureParentDir(opts.trace, '--trace');
      if (opts.report !== undefined) ensureParentDir(opts.report, '--report');
      const models = await scenarioModels(loaded);
      const functional = loaded.inputs.some((f) => f !== undefined);
      const device = await openDevice(
        opts.board ?? loaded.scenario.board,
        functional ? { mode: 'functional' } : {},
      );
      const tty = process.stderr.isTTY === true && opts.json !== true;
      const bar = tty
        ? new cliProgress.SingleBar(
            { format: 'running [{bar}] {value}/{total} requests', hideCursor: true },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      let started = false;
      try {
        const linkJitter = parseLinkJitter(opts.linkJitter, device.board.clockHz);
        const fn = await functionalRun(device, loaded, models.packages);
        const r = await runLoaded(loaded, {
          device,
          ...(linkJitter !== undefined ? { linkJitter } : {}),
          ...(opts.staging === false ? { staging: false } : {}),
          compile: models.compileFor(device.board),
          layersOf: models.layersOf,
          ...(fn ? { data: fn.data } : {}),
          ...(opts.policy !== undefined ? { policy: opts.policy as PolicyName } : {}),
          admission: opts.admission !== false,
          // Phases go to stderr even when it is not a terminal: over a serial link the
          // measurements before the run take tens of seconds, and silence looks like a hang.
          onPhase: (what) => {
            if (!started) process.stderr.write(`${what}…\n`);
          },
          onProgress: (n, total) => {
            if (bar === undefined) {
              if (n === total || Math.floor((4 * n) / total) > Math.floor((4 * (n - 1)) / total))
                process.stderr.write(`running: ${n}/${total} requests\n`);
              return;
            }
            if (!started) {
              bar.start(total, 0);
              started = true;
            }
            bar.update(n);
          },
        });
        bar?.stop();
        if (opts.trace !== undefined)
          writeOutputFile(
            opts.trace,
            JSON.stringify(chromeTrace(r.exec.trace, r.tenants, device.board.tiles, device.board.clockHz)),
            '--trace',
          );
        if (opts.report !== undefined)
          writeOutputFile(
            opts.report,
            htmlReport(r, loaded.scenario.name ?? file, device.board, loaded.scenario.description),
            '--report',
          );
        if (fn && opts.outputs !== undefined) writeOutputs(opts.outputs, r, fn.outputs);
        const outputs = fn?.outputs.map((o) => o.length);
        if (opts.json === true)
          process.stdout.write(
            JSON.stringify({ ...toJson(r), ...(outputs ? { outputs } : {}) }, null, 2) + '\n',
          );
        else {
          process.stdout.write(scenarioHeader(loaded.scenario, file));
          printSummary(r);
          if (fn)
            process.stdout.write(
              `real outputs: ${r.tenants.map((t, i) => `${t.name} ${fn.outputs[i]!.length}`).join(', ')}${opts.outputs !== undefined ? ` (written to ${opts.outputs})` : ''}\n`,
            );
          if (opts.explain === true) process.stdout.write(explanation(file));
        }
        reportViolations(r, opts.strict === true);
      } finally {
        bar?.stop();
        await device.close();
      }
    });
}

function writeOutputs(dir: string, r: SessionResult, outputs: readonly (readonly TenantOutput[])[]): void {
  outputs.forEach((list, i) => {
    if (list.length === 0) return;
    const sub = join(dir, r.tenants[i]!.name);
    for (const o of list)
      writeOutputFile(join(sub, `${o.seq}.npy`), formatNpy(o.output.quantized, o.output.shape), '--outputs');
  });
}

function scenarioHeader(s: Scenario, file: string): string {
  const title = `scenario ${s.name ?? file} (${s.tenants.length} tenants, board ${s.board}, policy ${s.policy})`;
  return s.description === undefined ? `${title}\n\n` : `${title}:\n  ${s.description}\n\n`;
}

/** What the figures mean and what to try next (`--explain`, `npm run demo`). */
export function explanation(file: string): string {
  const width = Math.max(...[...RUN_METRICS, ...ADMISSION_METRICS].map((m) => m.term.length));
  const lines = (ms: readonly MetricDefinition[]) => ms.map((m) => `  ${m.term.padEnd(width)}  ${m.meaning}`);
  return [
    '',
    'What the numbers mean (docs/scenario.md):',
    ...lines(RUN_METRICS),
    ...lines(ADMISSION_METRICS),
    '',
    'Next:',
    `  npx cotenant analyze ${file}   # the admission table alone, and what would make a rejected tenant fit`,
    `  npx cotenant run ${file} --report out/report.html --trace out/trace.json   # HTML report; trace for ui.perfetto.dev`,
    `  npx cotenant compare ${file}   # every policy on the same arrivals`,
    `  npx cotenant run ${file} --policy fcfs   # one baseline policy`,
    '  npx cotenant models; npx cotenant boards   # what a scenario can name',
    '',
  ].join('\n');
}

function toJson(r: SessionResult): object {
  return {
    policy: r.policy,
    tenants: r.perTenant.map((t, i) => ({
      ...t,
      guaranteed: r.tenants[i]!.guaranteed,
      deadline: r.tenants[i]!.deadline,
      isolatedCycles: r.tenants[i]!.isolatedCycles,
    })),
    overall: r.overall,
    admission:
      r.admission === undefined
        ? undefined
        : { feasible: r.admission.feasible, lanes: r.admission.lanes, tenants: r.admission.tenants },
    traceDigest: r.traceDigest,
    violations: r.exec.violations,
    link: r.link,
    mode: r.exec.mode,
    ...(r.exec.mode === 'lockstep'
      ? {}
      : { boundaryIdle: idleSummary(r), hostReaction: r.exec.hostReaction }),
  };
}

/** The admission certificate checked at run time: every guaranteed request completed
 *  within its admitted bound. A violation is loud; with --strict it fails the command. */
function reportViolations(r: SessionResult, strict: boolean): void {
  const v = r.exec.violations;
  if (v.length === 0) return;
  const byTenant = new Map<number, number>();
  for (const x of v) byTenant.set(x.tenant, (byTenant.get(x.tenant) ?? 0) + 1);
  const worst = v.reduce((a, b) => (b.response - b.bound > a.response - a.bound ? b : a));
  const who = [...byTenant].map(([t, n]) => `${n} request(s) of ${r.tenants[t]!.name}`).join(', ');
  const what = `${who} ended late or not completed (worst: request ${worst.request}, ${worst.outcome}, response ${worst.response} cycles vs bound ${worst.bound})`;
  process.stderr.write(
    linkStalled(r)
      ? `WARNING: admission certificate violated: ${what}. The host took up to ${r.exec.hostReaction} board cycles to react, above the link jitter J = ${r.link.jitter} the analysis counted: the guarantee assumed the host keeps up. Give a larger --link-jitter, a lower board speed, or a less loaded host.\n`
      : `WARNING: admission certificate violated: ${what}. This is a bug in cotenant's guarantee or a board that does not behave as measured; please report it with the trace (--trace).\n`,
  );
  if (strict) process.exitCode = 3;
}

/** A free-running run whose host reacted more slowly than the J its analysis counted. */
function linkStalled(r: SessionResult): boolean {
  return !r.link.lockstep && r.exec.hostReaction > r.link.jitter;
}

const k = (x: number) => (Number.isFinite(x) ? Math.round(x / 1000) : '-');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Free-running runs: tile idle time at granule boundaries (ExecResult.boundaryIdle). */
function idleSummary(r: SessionResult): { boundaries: number; p50: number; max: number } {
  const idle = [...r.exec.boundaryIdle].sort((a, b) => a - b);
  return {
    boundaries: idle.length,
    p50: idle.length === 0 ? 0 : idle[Math.floor((idle.length - 1) / 2)]!,
    max: idle.at(-1) ?? 0,
  };
}

function printSummary(r: SessionResult): void {
  process.stdout.write(describeLink(r.link));
  if (r.exec.mode !== 'lockstep') {
    const s = idleSummary(r);
    process.stdout.write(
      `${r.exec.mode === 'staged' ? 'steps staged on the board' : 'steps launched by the host (--no-staging)'}: tile idle at ${s.boundaries} granule boundaries p50 ${s.p50}, max ${s.max} cycles\n`,
    );
    process.stdout.write(
      `host reaction: at most ${r.exec.hostReaction} cycles (J counted: ${r.link.jitter})${linkStalled(r) ? ' — ABOVE J: guarantees were not covered for this run' : ''}\n`,
    );
  }
  if (r.admission !== undefined) {
    process.stdout.write(
      `admission: ${r.admission.feasible ? 'feasible' : 'INFEASIBLE (run with --no-admission)'}; lanes ${r.admission.lanes.map((l) => `[${l.join(',')}]`).join(' ')}\n`,
    );
    printTable(admissionRows(r.admission));
    process.stdout.write('\n');
  }
  printTable(
    r.perTenant.map((t) => ({
      tenant: t.name,
      prio: t.priority,
      requests: t.requests,
      completed: t.completed,
      missed: t.missed,
      dropped: t.dropped,
      rejected: t.rejected,
      SLA: pct(t.slaRate),
      'p50 kcyc': k(t.p50),
      'p99 kcyc': k(t.p99),
    })),
  );
  const o = r.overall;
  process.stdout.write(
    `\noverall (${r.policy}): SLA ${pct(o.slaRate)}  STP ${o.stp.toFixed(3)}  ANTT ${o.antt.toFixed(3)}  fairness ${o.fairness.toFixed(3)}  tiles ${pct(o.tileUtilization)}  DRAM ${pct(o.dramUtilization)}  (${o.cycles} cycles)\ntrace digest ${r.traceDigest}\n`,
  );
}
