// The application-facing runtime: tenants with deadlines on one board, admission on every
// change, real tensors in and out. Built from the same parts as `cotenant run`: the
// compiler (runtime/infer.ts for model packages), the variant store with board-measured
// step costs (executor/variant-store.ts), admission (admission/plan.ts), the cotenant
// policy and the executor.
//
// Time is board time. While requests exist the runtime keeps one executor run going
// ("live": requests and tenant changes join it at its next decision point); when nothing
// is left the run ends and the board stands still (lockstep) until the next request.
// Tenant changes never harm running tenants (docs/api.md, "Adding and removing tenants"):
// - an add whose costs are already known (the same model measured before on this board)
//   is planned at once; it joins the running run only if the new plan keeps every running
//   tenant's lane, variant and budgets (then the running tenants' bounds hold for the new
//   set, the newcomer's first request being an arrival pattern the analysis covers); if no
//   plan admits the new set it is refused at once;
// - an add that needs measuring on the board (a model not measured before), or a plan that
//   would move running tenants, waits until the board has nothing to do: measuring takes
//   board time and the tiles, so it never overlaps a request;
// - a removal refuses the tenant's requests not yet on the board, lets those on the board
//   finish, then frees its DRAM; the others keep their plan (their bounds only shrink).
import { AdmissionError, ConfigError, DisconnectedError, TimeoutError } from '../../boards/errors.ts';
import type { Device } from '../../drivers/device.ts';
import {
  planAdmission,
  type AdmissionResult,
  type AdmissionTenant,
  type Contention,
} from '../admission/plan.ts';
import { admissionOptions, linkTerm, type LinkTerm } from '../executor/session.ts';
import { boardCycle } from '../executor/board-io.ts';
import { execute, type ExecTenant, type LiveUpdate } from '../executor/executor.ts';
import { CostNotMeasured, VariantStore } from '../executor/variant-store.ts';
import type { PreparedVariant } from '../executor/workload.ts';
import {
  compilePackage,
  inputBytes,
  outputTensor,
  packageImage,
  quantizedInput,
  quantizeInput,
} from '../infer.ts';
import type { CompiledModel } from '../compiler/types.ts';
import type { ModelPackage } from '../models/package.ts';
import type { Arrival } from '../scenario/arrivals.ts';
import { durationSchema, toCycles } from '../scenario/duration.ts';
import { cotenantPolicy } from '../scheduler/cotenant.ts';
import type {
  AdmissionVerdict,
  InferOptions,
  InferResult,
  RuntimeStats,
  Tenant,
  TenantOptions,
} from './types.ts';
import { modelKey, refusal, verdictOf } from './verdicts.ts';
import { variantKey, type Policy, type VariantRequest } from '../scheduler/types.ts';

/** Tiles of the reference group for the isolated latency (as `cotenant run`). */
const REFERENCE_TILES = 2;
const ISOLATED: Contention = { others: 0, budgeted: 0, budget: Number.POSITIVE_INFINITY };

interface TenantState {
  readonly handle: Tenant;
  readonly pkg: ModelPackage;
  readonly modelKey: string;
  readonly priority: number;
  readonly guaranteed: boolean;
  readonly deadline: number;
  readonly minGap: number | undefined;
  readonly tiles: number | undefined;
  readonly queueLimit: number;
  isolated: number;
  /** Requests handed to the executor and not ended. */
  inflight: number;
  removing: boolean;
  /** Executor index in the current run. */
  slot: number | undefined;
  /** Earliest absolute board cycle its next request may be released (minGap after the
   *  previous release; see live()). */
  nextRelease: number;
}

interface Request {
  readonly tenant: TenantState;
  readonly input: Int8Array;
  readonly arrival: number | undefined;
  resolve(r: InferResult): void;
  reject(e: unknown): void;
}

type Op =
  | {
      readonly kind: 'add';
      readonly t: TenantState;
      resolve(v: AdmissionVerdict): void;
      reject(e: unknown): void;
    }
  | { readonly kind: 'remove'; readonly t: TenantState; resolve(): void; reject(e: unknown): void };

/** One executor run: its tenants by executor index (removed ones stay, without requests). */
interface LiveRun {
  readonly epoch: number;
  readonly slots: TenantState[];
  readonly exec: ExecTenant[];
  /** Per slot: the admitted bound of a guaranteed tenant (the certificate the executor checks). */
  readonly bounds: (number | undefined)[];
  readonly assignment: { lane: number; variant: VariantRequest }[];
  readonly seq: number[];
  readonly requests: Map<number, Request>;
  nextId: number;
  /** The plan's lanes and their budgets: fixed for the run (a change that would move them
   *  waits for an idle board). */
  readonly lanes: AdmissionResult['lanes'];
  readonly budgets: AdmissionResult['laneBudgets'];
}

export class Runtime {
  private readonly store: VariantStore;
  private readonly byId = new Map<number, TenantState>();
  /** Admitted tenants, in the order of `admission.tenants`. */
  private order: TenantState[] = [];
  private admission: AdmissionResult | undefined;
  private nextId = 0;
  private inbox: Request[] = [];
  private ops: Op[] = [];
  private run: LiveRun | undefined;
  private driving = false;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private caps: number | undefined;
  /** The link as admission counts it (measured once; J = 0 on a lockstep board). */
  private link: LinkTerm | undefined;
  private counters = { requests: 0, violations: 0, addsWhileRunning: 0, addsAfterIdle: 0 };

  constructor(private readonly device: Device) {
    this.store = new VariantStore(device, {
      compile: (id, req, regionBase) =>
        compilePackage(this.state(id).pkg, device.board, {
          tiles: req.tiles,
          granule: req.granule,
          regionBase,
        }),
      upload: async (id, v) => {
        const pkg = this.state(id).pkg;
        const image = packageImage(v.compiled as CompiledModel, pkg, new Int8Array(inputBytes(pkg)));
        for (const { address, bytes } of image) await device.writeMemory(address, bytes);
      },
      name: (id) => this.state(id).handle.name,
      modelKey: (id) => this.state(id).modelKey,
    });
  }

  get board(): Device['board'] {
    return this.device.board;
  }

  stats(): RuntimeStats {
    return { ...this.counters, dramBytes: this.store.dramUsed };
  }

  private state(id: number): TenantState {
    const t = this.byId.get(id);
    if (t === undefined) throw new Error(`internal: no tenant ${id}`);
    return t;
  }

  private cycles(v: number | string, what: string): number {
    const r = durationSchema.safeParse(v);
    if (!r.success || 'xIsolated' in r.data)
      throw new ConfigError(`${what}: ${String(v)} is not a duration (cycles, or "2ms", "300us")`);
    return toCycles(r.data, this.device.board.clockHz);
  }

  /** Adds a tenant if admission (re-run over every tenant) accepts the new set; the tenants
   *  already admitted keep their guarantees — a tenant that does not fit is refused. */
  addTenant(opts: TenantOptions): Promise<AdmissionVerdict> {
    if (this.closed) return Promise.reject(new DisconnectedError('the runtime is closed'));
    const name = opts.name ?? `${opts.model.table.name}-${this.nextId}`;
    if ([...this.byId.values()].some((t) => t.handle.name === name))
      return Promise.reject(new ConfigError(`a tenant named "${name}" already exists`));
    let t: TenantState;
    try {
      t = {
        handle: { id: this.nextId++, name },
        pkg: opts.model,
        modelKey: modelKey(opts.model),
        priority: opts.priority,
        guaranteed: opts.guaranteed ?? false,
        deadline: this.cycles(opts.deadline, `tenant ${name}: deadline`),
        minGap: opts.minGap === undefined ? undefined : this.cycles(opts.minGap, `tenant ${name}: minGap`),
        tiles: opts.tiles,
        queueLimit: opts.queueLimit ?? 64,
        isolated: 0,
        inflight: 0,
        removing: false,
        slot: undefined,
        nextRelease: 0,
      };
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.byId.set(t.handle.id, t);
    return new Promise<AdmissionVerdict>((resolve, reject) => {
      this.ops.push({ kind: 'add', t, resolve, reject });
      this.kick();
    });
  }

  /** Removes a tenant: its requests not yet on the board are refused (AdmissionError), those
   *  on the board finish; then its DRAM is freed. The other tenants keep their plan. */
  removeTenant(tenant: Tenant): Promise<void> {
    const t = this.order.find((x) => x.handle.id === tenant.id);
    if (t === undefined || t.removing)
      return Promise.reject(new ConfigError(`no tenant ${tenant.name} in this runtime`));
    t.removing = true;
    for (const r of this.inbox.filter((q) => q.tenant === t))
      r.reject(new AdmissionError(`tenant ${tenant.name} was removed before its request ran`));
    this.inbox = this.inbox.filter((q) => q.tenant !== t);
    return new Promise<void>((resolve, reject) => {
      this.ops.push({ kind: 'remove', t, resolve, reject });
      this.kick();
    });
  }

  /** One inference. `input`: float32 (quantized with the model's input quantization) or
   *  already-quantized int8/uint8 values, in the ONNX layout. */
  infer(
    tenant: Tenant,
    input: Float32Array | Int8Array | Uint8Array,
    opts: InferOptions = {},
  ): Promise<InferResult> {
    if (this.closed) return Promise.reject(new DisconnectedError('the runtime is closed'));
    const t = this.order.find((x) => x.handle.id === tenant.id);
    if (t === undefined || t.removing)
      return Promise.reject(new ConfigError(`tenant ${tenant.name} is not admitted in this runtime`));
    let q: Int8Array;
    try {
      q = input instanceof Float32Array ? quantizeInput(t.pkg, input) : quantizedInput(t.pkg, input);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return new Promise<InferResult>((resolve, reject) => {
      this.inbox.push({ tenant: t, input: q, arrival: opts.arrival, resolve, reject });
      this.kick();
    });
  }

  /** Waits for every request and tenant change, then closes the device. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.driving) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.device.close();
  }

  // ---- the driver ------------------------------------------------------------------

  /** Starts the driver a microtask later (requests submitted together arrive together). */
  private kick(): void {
    if (this.driving) return;
    this.driving = true;
    queueMicrotask(() => void this.drive());
  }

  private async drive(): Promise<void> {
    try {
      // Requests first: a tenant change that needs the board waits until nothing is
      // submitted (measuring must not delay a request already handed to the runtime).
      for (;;) {
        if (this.inbox.length > 0) await this.runLive();
        else if (this.ops.length > 0) await this.idleOp();
        else break;
      }
    } catch (e) {
      this.failAll(e);
    } finally {
      this.driving = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private failAll(e: unknown): void {
    for (const r of this.inbox.splice(0)) r.reject(e);
    for (const op of this.ops.splice(0)) op.reject(e);
    for (const r of this.run?.requests.values() ?? []) r.reject(e);
  }

  /** A tenant change while the board has nothing to do: measure, plan over every tenant. */
  private async idleOp(): Promise<void> {
    const op = this.ops.shift()!;
    if (op.kind === 'remove') {
      this.completeRemove(op.t);
      op.resolve();
      return;
    }
    try {
      op.resolve(await this.addIdle(op.t));
    } catch (e) {
      this.forget(op.t);
      op.reject(e);
    }
  }

  private async addIdle(t: TenantState): Promise<AdmissionVerdict> {
    await this.device.writeRegister('MODE', 0); // costs are the same in both modes; timing is cheaper
    t.isolated = sum(await this.store.stepCosts(t.handle.id, this.referenceVariant(t), ISOLATED));
    const candidate = [...this.order, t];
    const plan = await this.plan(candidate, false);
    if (!plan.feasible) {
      this.forget(t);
      return refusal(plan);
    }
    this.order = candidate;
    this.admission = plan;
    this.counters.addsAfterIdle++;
    return verdictOf(t.handle, plan.tenants[candidate.length - 1]!);
  }

  private forget(t: TenantState): void {
    this.byId.delete(t.handle.id);
    this.store.release(t.handle.id);
  }

  private completeRemove(t: TenantState): void {
    const i = this.order.indexOf(t);
    this.order = this.order.filter((x) => x !== t);
    const adm = this.admission!;
    this.admission =
      this.order.length === 0
        ? undefined
        : { ...adm, tenants: adm.tenants.filter((_, k) => k !== i), feasible: true };
    if (this.run !== undefined && t.slot !== undefined) {
      // its index stays (no more requests): no certificate, and not a guaranteed level that
      // would split the best-effort bands around it
      this.run.bounds[t.slot] = undefined;
      this.run.exec[t.slot] = { ...this.run.exec[t.slot]!, guaranteed: false };
    }
    t.slot = undefined;
    this.forget(t);
  }

  /** One executor run, kept alive while requests come (live hook). */
  private async runLive(): Promise<void> {
    const admission = this.admission;
    if (admission === undefined) {
      this.failAll(new ConfigError('no tenant is admitted'));
      return;
    }
    await this.device.writeRegister('MODE', 1);
    if ((await this.device.readRegister('MODE')) !== 1)
      throw new ConfigError(
        'the board refused functional mode (open it with openBoard, which asks for functional mode)',
      );
    const run: LiveRun = {
      epoch: await boardCycle(this.device),
      slots: [],
      exec: [],
      bounds: [],
      assignment: [],
      seq: [],
      requests: new Map(),
      nextId: 0,
      lanes: admission.lanes,
      budgets: admission.laneBudgets,
    };
    for (const t of this.order) await this.addSlot(run, t);
    this.run = run;
    try {
      await execute(this.device, run.exec, [], this.policy(run), {
        bounds: run.bounds,
        live: (now) => this.live(run, now),
        onJobStart: async (job, v) => {
          await this.device.writeMemory(
            (v.compiled as CompiledModel).layout.input.address,
            u8(run.requests.get(job.id)!.input),
          );
        },
        onJobEnd: async (job, outcome, v, end) => {
          const r = run.requests.get(job.id)!;
          run.requests.delete(job.id);
          r.tenant.inflight--;
          this.counters.requests++;
          const bound = run.bounds[job.tenant];
          const latency = end - job.arrival;
          // the executor's certificate check (ExecResult.violations), per request
          const violated = bound !== undefined && (outcome !== 'completed' || latency > bound);
          if (violated) this.counters.violations++;
          if ((outcome !== 'completed' && outcome !== 'missed') || v === undefined) {
            r.reject(
              outcome === 'rejected'
                ? new AdmissionError(
                    `request of ${r.tenant.handle.name} refused: its queue is full (${r.tenant.queueLimit})`,
                  )
                : new TimeoutError(`request of ${r.tenant.handle.name} dropped after its deadline`),
            );
            return;
          }
          const { address, bytes } = (v.compiled as CompiledModel).layout.output;
          const raw = await this.device.readMemory(address, bytes);
          r.resolve({
            output: outputTensor(r.tenant.pkg, new Int8Array(raw.buffer, raw.byteOffset, raw.length)),
            latencyCycles: latency,
            deadlineMet: outcome === 'completed',
            arrival: run.epoch + job.arrival,
            end: run.epoch + end,
            bound,
            certificateViolated: violated,
          });
        },
      });
    } finally {
      this.run = undefined;
      for (const t of run.slots) t.slot = undefined;
      for (const t of this.order) this.store.unpin(t.handle.id);
    }
  }

  /** Gives tenant `t` an executor index in `run`, with the variant its plan names (pinned). */
  private async addSlot(run: LiveRun, t: TenantState): Promise<void> {
    const v = this.admission!.tenants[this.order.indexOf(t)]!;
    const prepared = await this.store.pin(t.handle.id, v.variant);
    const index = run.slots.length;
    run.slots.push(t);
    run.exec.push({
      index,
      name: t.handle.name,
      priority: t.priority,
      guaranteed: t.guaranteed,
      deadline: t.deadline,
      isolatedCycles: t.isolated,
      variants: new Map([[prepared.info.key, prepared.info]]),
      late: 'finish',
      queueLimit: t.queueLimit,
      prepared: new Map<string, PreparedVariant>([[prepared.info.key, prepared]]),
    });
    run.bounds.push(v.verdict === 'guaranteed' ? v.bound : undefined);
    run.assignment.push({ lane: v.lane, variant: v.variant });
    run.seq.push(0);
    t.slot = index;
  }

  private policy(run: LiveRun): Policy {
    return cotenantPolicy(
      { lanes: run.lanes, assignment: run.assignment, budgets: run.budgets },
      this.device.board.tileBusBytesPerCycle,
    );
  }

  /** At every decision point of a run: hand over new requests, apply tenant changes that
   *  need no board time. */
  private async live(run: LiveRun, now: number): Promise<LiveUpdate> {
    const arrivals: Arrival[] = [];
    for (const r of this.inbox.splice(0)) {
      const t = r.tenant;
      const slot = t.slot!;
      const id = run.nextId++;
      run.requests.set(id, r);
      t.inflight++;
      // The tenant's minGap is what admission counted for everyone below it: a request
      // submitted (or named) sooner than minGap after the previous one is released minGap
      // after it, and its arrival (latency, deadline) counts from there. So no tenant takes
      // more of the board than it declared, whatever rate it submits at. The executor takes
      // a request named for a passed cycle at once, so releases are spaced from when each
      // previous one was really taken (the later of its cycle and now).
      const named = r.arrival === undefined ? run.epoch + now : r.arrival;
      const release = t.minGap === undefined ? named : Math.max(named, t.nextRelease);
      if (t.minGap !== undefined) t.nextRelease = Math.max(release, run.epoch + now) + t.minGap;
      arrivals.push({ id, tenant: slot, seq: run.seq[slot]!++, cycle: release - run.epoch });
    }
    let policy: Policy | undefined;
    while (this.ops.length > 0) {
      const op = this.ops[0]!;
      if (op.kind === 'remove') {
        if (op.t.inflight > 0) break; // completes once its requests on the board have ended
        this.ops.shift();
        this.completeRemove(op.t);
        policy = this.policy(run);
        op.resolve();
        continue;
      }
      let r: AdmissionVerdict | 'later';
      try {
        r = await this.addLive(run, op.t);
      } catch (e) {
        this.ops.shift();
        this.forget(op.t);
        op.reject(e);
        continue;
      }
      if (r === 'later') break;
      this.ops.shift();
      if (r.admitted) {
        this.counters.addsWhileRunning++;
        policy = this.policy(run);
      }
      op.resolve(r);
    }
    return { arrivals, ...(policy ? { policy } : {}) };
  }

  /** An add during a run, from costs already measured: admitted if a plan keeps every
   *  running tenant where it is, refused if no plan fits, otherwise 'later' (idle board). */
  private async addLive(run: LiveRun, t: TenantState): Promise<AdmissionVerdict | 'later'> {
    this.store.cachedOnly = true;
    let chosen: AdmissionResult;
    const candidate = [...this.order, t];
    try {
      t.isolated = sum(await this.store.stepCosts(t.handle.id, this.referenceVariant(t), ISOLATED));
      const full = await this.plan(candidate, false);
      if (full.feasible && this.keepsRunning(full)) chosen = full;
      else {
        const pinned = await this.plan(candidate, true);
        if (pinned.feasible && this.keepsRunning(pinned)) chosen = pinned;
        else if (!full.feasible && !pinned.feasible) {
          this.forget(t);
          return refusal(full);
        } else return 'later';
      }
    } catch (e) {
      if (e instanceof CostNotMeasured) return 'later';
      throw e;
    } finally {
      this.store.cachedOnly = false;
    }
    const mine = chosen.tenants[candidate.length - 1]!;
    try {
      await this.store.pin(t.handle.id, mine.variant); // programs and parameters: DRAM writes only
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.forget(t);
      return { admitted: false, reason: e.message, suggestions: [] };
    }
    this.order = candidate;
    this.admission = chosen;
    // the running tenants' certificates under the new set (a higher-priority newcomer
    // raises their bounds, which admission has just checked against their deadlines)
    for (const [k, u] of this.order.entries())
      if (u.slot !== undefined) {
        const v = chosen.tenants[k]!;
        run.bounds[u.slot] = v.verdict === 'guaranteed' ? v.bound : undefined;
      }
    await this.addSlot(run, t);
    return verdictOf(t.handle, mine);
  }

  /** Whether `next` (over order + newcomer) keeps every admitted tenant's lane, variant and
   *  the lanes' budgets: then it can take effect while they run. */
  private keepsRunning(next: AdmissionResult): boolean {
    const cur = this.admission;
    if (cur === undefined) return true;
    if (JSON.stringify(cur.lanes) !== JSON.stringify(next.lanes)) return false;
    if (cur.laneBudgets.some((b, l) => b !== next.laneBudgets[l])) return false;
    return cur.tenants.every(
      (v, k) =>
        v.lane === next.tenants[k]!.lane && variantKey(v.variant) === variantKey(next.tenants[k]!.variant),
    );
  }

  private referenceVariant(t: TenantState): VariantRequest {
    return {
      tiles: Math.min(t.tiles ?? REFERENCE_TILES, this.device.board.tiles),
      granule: { kind: 'layer' },
    };
  }

  /** Admission over `ts`; `pinned`: the admitted tenants keep their tile count and granule. */
  private async plan(ts: readonly TenantState[], pinned: boolean): Promise<AdmissionResult> {
    this.caps ??= await this.device.readRegister('CAPS');
    // A free-running board (docs/scheduler.md, "The link"): a request reaches the board up to
    // J after it arrives, and the runtime launches every step from the host (tensors move
    // between steps), so a lane may stand idle for up to J after every granule.
    this.link ??= await linkTerm(this.device);
    const jitter = this.link.lockstep ? 0 : this.link.jitter;
    const adm: AdmissionTenant[] = ts.map((t, k) => {
      const cur = pinned && k < this.order.length ? this.admission?.tenants[k]?.variant : undefined;
      const tiles = cur?.tiles ?? t.tiles;
      return {
        name: t.handle.name,
        priority: t.priority,
        guaranteed: t.guaranteed,
        deadline: t.deadline,
        minGap: t.minGap,
        ...(jitter > 0 ? { jitter } : {}),
        layers: t.pkg.table.layers.length,
        ...(tiles !== undefined ? { tiles } : {}),
        ...(cur !== undefined ? { granule: cur.granule } : {}),
      };
    });
    return planAdmission(
      adm,
      this.device.board.tiles,
      (i, v, c) => this.store.stepCosts(ts[i]!.handle.id, v, c),
      (i, v) => this.store.estimate(ts[i]!.handle.id, v),
      {
        ...admissionOptions(this.device.board, [], this.caps),
        queueLimits: ts.map((t) => t.queueLimit),
        ...(jitter > 0 ? { granuleGap: jitter } : {}),
      },
    );
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function u8(a: Int8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.length);
}
