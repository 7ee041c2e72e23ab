// Admission benchmark (moca-8t, MoCA's 2-tile groups): how much guaranteed work admission
// accepts next to memory-heavy best-effort co-runners, with and without memory budgets, and
// how close the bounds are to what really happens.
//
// A fixed seeded set of scenarios: 1–2 guaranteed camera-like tenants (periodic, deadline =
// period) and three memory-heavy best-effort tenants, every tenant on a 2-tile lane. For each
// scenario the guaranteed periods are scaled down (bisection on a common factor) to the
// smallest the planner admits, without budgets and with them; the figure is the guaranteed
// utilization at that point, Σ C_iso / T (C_iso: the tenant's isolated cost on its lane, the
// same for both modes, so the figures compare the workload admitted, not the bounds).
// Pessimism: each scenario admitted with budgets is run on the board; for every guaranteed
// tenant, worst observed response ÷ bound; the median over tenants.
// Last line: `admission: util_budgets=<> util_plain=<> pessimism_p50=<>` (medians over scenarios).
import { openDevice } from '../runtime/cli/open-device.ts';
import { planAdmission, type AdmissionTenant } from '../runtime/admission/plan.ts';
import { zooCompiler, zooLayers } from '../runtime/executor/compile-adapter.ts';
import { admissionOptions, prepareScenario, runLoaded } from '../runtime/executor/session.ts';
import { createRandom } from '../runtime/random.ts';
import { loadScenario } from '../runtime/scenario/resolve.ts';

const SCENARIOS = 4;
const BISECTIONS = 9;
const rng = createRandom(8);
const heavy = ['alexnet', 'resnet50', 'yolov2'];
const light = ['yololite', 'squeezenet', 'kws'];

function scenarioJson(k: number, scale: number) {
  const r = rng.fork(`scenario:${k}`);
  const guaranteed = 1 + (k % 2);
  const tenants: object[] = [];
  for (let g = 0; g < guaranteed; g++) {
    const model = light[r.int(0, light.length - 1)]!;
    const base = model === 'kws' ? 8 : model === 'squeezenet' ? 4 : 2; // ms, before scaling
    tenants.push({
      name: `g${g}`,
      model,
      priority: 11 - g,
      guaranteed: true,
      tiles: 2,
      deadline: `${(base * scale).toFixed(4)}ms`,
      arrival: { kind: 'periodic', period: `${(base * scale).toFixed(4)}ms` },
    });
  }
  for (const [h, model] of heavy.entries())
    tenants.push({
      name: `be${h}`,
      model,
      priority: r.int(0, 8),
      tiles: 2,
      deadline: '100ms',
      arrival: { kind: 'sporadic', minGap: `${r.int(5, 20)}ms` },
    });
  return { board: 'moca-8t', seed: 5 + k, run: { requests: 80 }, tenants };
}

async function smallestScale(k: number, budgets: boolean): Promise<{ scale: number; util: number }> {
  const device = await openDevice('moca-8t');
  const opts = { device, compile: zooCompiler(device.board), layersOf: zooLayers };
  const p = await prepareScenario(loadScenario(scenarioJson(k, 1), 'bench', '.'), opts);
  const iso = new Map<number, number>();
  const admits = async (scale: number) => {
    const ts: AdmissionTenant[] = p.admissionTenants.map((t) =>
      t.guaranteed
        ? { ...t, deadline: Math.round(t.deadline * scale), minGap: Math.round(t.minGap! * scale) }
        : t,
    );
    const a = await planAdmission(
      ts,
      device.board.tiles,
      (i, v, c) => p.store.stepCosts(i, v, c),
      (i, v) => p.store.estimate(i, v),
      { ...admissionOptions(device.board, p.resolved), budgets },
    );
    return { ok: a.feasible, ts };
  };
  let lo = 0.05; // assumed infeasible
  let hi = 4; // assumed feasible
  if (!(await admits(hi)).ok) {
    await device.close();
    return { scale: Number.POSITIVE_INFINITY, util: 0 };
  }
  for (let n = 0; n < BISECTIONS; n++) {
    const mid = Math.sqrt(lo * hi);
    if ((await admits(mid)).ok) hi = mid;
    else lo = mid;
  }
  const { ts } = await admits(hi);
  let util = 0;
  for (const [i, t] of ts.entries()) {
    if (!t.guaranteed) continue;
    if (!iso.has(i)) {
      const c = await p.store.stepCosts(
        i,
        { tiles: 2, granule: { kind: 'layer' } },
        { others: 0, budgeted: 0, budget: Number.POSITIVE_INFINITY },
      );
      iso.set(
        i,
        c.reduce((a, b) => a + b, 0),
      );
    }
    util += iso.get(i)! / t.minGap!;
  }
  await device.close();
  return { scale: hi, util };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const utilPlain: number[] = [];
const utilBudgets: number[] = [];
const pessimism: number[] = [];
for (let k = 0; k < SCENARIOS; k++) {
  const plain = await smallestScale(k, false);
  const withBudgets = await smallestScale(k, true);
  utilPlain.push(plain.util);
  utilBudgets.push(withBudgets.util);
  let line = `scenario ${k}: guaranteed utilization plain ${plain.util.toFixed(3)} (scale ${plain.scale.toFixed(3)}), budgets ${withBudgets.util.toFixed(3)} (scale ${withBudgets.scale.toFixed(3)})`;
  if (Number.isFinite(withBudgets.scale)) {
    const device = await openDevice('moca-8t');
    const r = await runLoaded(loadScenario(scenarioJson(k, withBudgets.scale), 'bench', '.'), {
      device,
      compile: zooCompiler(device.board),
      layersOf: zooLayers,
      budgets: true,
    });
    await device.close();
    for (const [i, t] of r.tenants.entries()) {
      if (!t.guaranteed) continue;
      const v = r.admission!.tenants[i]!;
      let worst = 0;
      for (const rec of r.exec.records) if (rec.tenant === i) worst = Math.max(worst, rec.end - rec.arrival);
      pessimism.push(worst / v.bound);
      line += `; ${t.name} worst ${worst} / bound ${v.bound} = ${(worst / v.bound).toFixed(3)}${Number.isFinite(v.budget) ? '' : ''}`;
    }
    line += `; budgets ${r.admission!.laneBudgets.map((b) => (Number.isFinite(b) ? b : '-')).join('/')}; misses ${r.perTenant.filter((_, i) => r.tenants[i]!.guaranteed).reduce((s, x) => s + x.missed + x.dropped + x.rejected, 0)}; violations ${r.exec.violations.length}`;
  }
  process.stdout.write(line + '\n');
}
process.stdout.write(
  `admission: util_budgets=${median(utilBudgets).toFixed(3)} util_plain=${median(utilPlain).toFixed(3)} pessimism_p50=${median(pessimism).toFixed(3)}\n`,
);
