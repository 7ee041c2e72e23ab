// The application-facing runtime: tenants with deadlines on one board, admission on every
// change, real tensors in and out. Built from the same parts as `cotenant run`: the
// compiler (runtime/infer.ts for model packages), the board-measured step costs
// (executor/probe.ts), admission (admission/plan.ts), the cotenant policy and the executor.
//
// Time is board time. A request arrives at the board cycle the application names (default:
// the board's cycle when the runtime next drives the board). Requests submitted together
// (before the runtime next drives the board) are served in one run of the executor; while a
// run is on, later requests and tenant changes wait for it to end — so admission is re-run
// only between runs and a running tenant's plan never changes under it.
import { AdmissionError, ConfigError, DisconnectedError, TimeoutError } from '../../boards/errors.ts';
import type { Device } from '../../drivers/device.ts';
import {
  planAdmission,
  type AdmissionResult,
  type AdmissionTenant,
  type Contention,
  type TenantVerdict,
} from '../admission/plan.ts';
import { admissionOptions } from '../executor/session.ts';
import { boardCycle } from '../executor/board-io.ts';
import { execute, type ExecTenant } from '../executor/executor.ts';
import { coRunnersFor, measureSteps, PROBE_RESERVED_BYTES } from '../executor/probe.ts';
import {
  prepareVariant,
  RegionAllocator,
  uploadPrograms,
  type PreparedVariant,
} from '../executor/workload.ts';
import {
  compilePackage,
  inputBytes,
  outputTensor,
  packageImage,
  quantizedInput,
  quantizeInput,
  type OutputTensor,
} from '../infer.ts';
import type { CompiledModel } from '../compiler/types.ts';
import type { ModelPackage } from '../models/package.ts';
import type { Arrival } from '../scenario/arrivals.ts';
import { durationSchema, toCycles } from '../scenario/duration.ts';
import { createPolicy } from '../scheduler/index.ts';
import { variantKey, type VariantRequest } from '../scheduler/types.ts';

/** Tiles of the reference group for the isolated latency (as `cotenant run`). */
const REFERENCE_TILES = 2;
const ISOLATED: Contention = { others: 0, budgeted: 0, budget: Number.POSITIVE_INFINITY };

export interface TenantOptions {
  readonly model: ModelPackage;
  readonly name?: string;
  /** Larger = more important (0–1000). */
  readonly priority: number;
  /** Ask for a guaranteed deadline (admission refuses the tenant if it cannot give one). */
  readonly guaranteed?: boolean;
  /** Relative deadline: board cycles, or a string such as "2ms" / "300us". */
  readonly deadline: number | string;
  /** Minimum gap between this tenant's requests (cycles or "2ms"); needed for a guarantee. */
  readonly minGap?: number | string;
  /** Pin the tile count / granule instead of letting admission choose. */
  readonly tiles?: number;
  /** Requests waiting beyond this are refused at arrival. Default 64. */
  readonly queueLimit?: number;
}

export interface Tenant {
  readonly id: number;
  readonly name: string;
}

export type AdmissionVerdict =
  | {
      readonly admitted: true;
      readonly tenant: Tenant;
      /** 'guaranteed' (bound ≤ deadline) or 'best-effort'. */
      readonly verdict: 'guaranteed' | 'best-effort';
      /** Worst-case response time, cycles (Infinity when unbounded). */
      readonly bound: number;
      readonly deadline: number;
      readonly tiles: number;
    }
  | {
      readonly admitted: false;
      readonly reason: string;
      /** What would fit (from admission), e.g. a longer deadline or gap. */
      readonly suggestions: readonly string[];
    };

export interface InferOptions {
  /** Arrival, absolute board cycle (default: when the runtime next drives the board). */
  readonly arrival?: number;
}

export interface InferResult {
  readonly output: OutputTensor;
  /** Arrival to completion, board cycles. */
  readonly latencyCycles: number;
  readonly deadlineMet: boolean;
  readonly arrival: number;
  readonly end: number;
}

interface TenantState {
  readonly handle: Tenant;
  readonly pkg: ModelPackage;
  readonly priority: number;
  readonly guaranteed: boolean;
  readonly deadline: number;
  readonly minGap: number | undefined;
  readonly tiles: number | undefined;
  readonly queueLimit: number;
  readonly variants: Map<string, PreparedVariant>;
  readonly costs: Map<string, readonly number[]>;
  isolated: number;
}

interface Request {
  readonly tenant: TenantState;
  readonly input: Int8Array;
  readonly arrival: number | undefined;
  resolve(r: InferResult): void;
  reject(e: unknown): void;
}

export class Runtime {
  private readonly regions: RegionAllocator;
  private tenants: TenantState[] = [];
  private admission: AdmissionResult | undefined;
  private nextId = 0;
  private queue: Request[] = [];
  /** Serializes board use: runs, admission, tenant changes. */
  private lock: Promise<void> = Promise.resolve();
  private pumping = false;
  private closed = false;

  constructor(private readonly device: Device) {
    this.regions = new RegionAllocator(device.board, PROBE_RESERVED_BYTES);
  }

  get board(): Device['board'] {
    return this.device.board;
  }

  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.lock.then(f);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
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
    if (this.tenants.some((t) => t.handle.name === name))
      return Promise.reject(new ConfigError(`a tenant named "${name}" already exists`));
    const t: TenantState = {
      handle: { id: this.nextId++, name },
      pkg: opts.model,
      priority: opts.priority,
      guaranteed: opts.guaranteed ?? false,
      deadline: this.cycles(opts.deadline, `tenant ${name}: deadline`),
      minGap: opts.minGap === undefined ? undefined : this.cycles(opts.minGap, `tenant ${name}: minGap`),
      tiles: opts.tiles,
      queueLimit: opts.queueLimit ?? 64,
      variants: new Map(),
      costs: new Map(),
      isolated: 0,
    };
    return this.exclusive(async () => {
      const candidate = [...this.tenants, t];
      t.isolated = (await this.stepCosts(t, this.referenceVariant(t), ISOLATED)).reduce((a, b) => a + b, 0);
      const plan = await this.plan(candidate);
      const mine = plan.tenants[candidate.length - 1]!;
      if (!plan.feasible) {
        const bad = plan.tenants.filter((v) => v.verdict === 'rejected');
        return {
          admitted: false,
          reason: bad
            .map(
              (v) =>
                `${v.name}: bound ${Number.isFinite(v.bound) ? `${v.bound} cycles` : 'unbounded'} > deadline ${v.deadline} cycles`,
            )
            .join('; '),
          suggestions: bad.flatMap((v) => v.suggestions.map((s) => `${v.name}: ${s}`)),
        };
      }
      this.tenants = candidate;
      this.admission = plan;
      return verdictOf(t.handle, mine);
    });
  }

  /** Removes a tenant (after the current run); its waiting requests are refused. */
  removeTenant(tenant: Tenant): Promise<void> {
    return this.exclusive(async () => {
      const rest = this.tenants.filter((t) => t.handle.id !== tenant.id);
      if (rest.length === this.tenants.length)
        throw new ConfigError(`no tenant ${tenant.name} in this runtime`);
      for (const r of this.queue.filter((q) => q.tenant.handle.id === tenant.id))
        r.reject(new AdmissionError(`tenant ${tenant.name} was removed before its request ran`));
      this.queue = this.queue.filter((q) => q.tenant.handle.id !== tenant.id);
      this.tenants = rest;
      this.admission = rest.length > 0 ? await this.plan(rest) : undefined;
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
    const t = this.tenants.find((x) => x.handle.id === tenant.id);
    if (t === undefined)
      return Promise.reject(new ConfigError(`tenant ${tenant.name} is not admitted in this runtime`));
    let q: Int8Array;
    try {
      q = input instanceof Float32Array ? quantizeInput(t.pkg, input) : quantizedInput(t.pkg, input);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return new Promise<InferResult>((resolve, reject) => {
      this.queue.push({ tenant: t, input: q, arrival: opts.arrival, resolve, reject });
      if (!this.pumping) {
        this.pumping = true;
        // a microtask later, so that requests submitted together arrive together
        queueMicrotask(() => void this.exclusive(() => this.pump()));
      }
    });
  }

  /** Waits for every request, then closes the device. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.exclusive(async () => {
      await this.device.close();
    });
  }

  // ---- internals -------------------------------------------------------------------

  private referenceVariant(t: TenantState): VariantRequest {
    return {
      tiles: Math.min(t.tiles ?? REFERENCE_TILES, this.device.board.tiles),
      granule: { kind: 'layer' },
    };
  }

  private compiled(t: TenantState, req: VariantRequest, regionBase: number): CompiledModel {
    return compilePackage(t.pkg, this.device.board, { tiles: req.tiles, granule: req.granule, regionBase });
  }

  private async variant(t: TenantState, req: VariantRequest): Promise<PreparedVariant> {
    const key = variantKey(req);
    let v = t.variants.get(key);
    if (v === undefined) {
      const compiled = (model: string, tiles: number, granule: VariantRequest['granule'], base: number) =>
        this.compiled(t, { tiles, granule }, base);
      v = prepareVariant(compiled, t.pkg.table.name, req, this.regions, `${t.handle.name} (${key})`);
      await uploadPrograms(this.device, v);
      const image = packageImage(v.compiled as CompiledModel, t.pkg, new Int8Array(inputBytes(t.pkg)));
      for (const { address, bytes } of image) await this.device.writeMemory(address, bytes);
      t.variants.set(key, v);
    }
    return v;
  }

  /** Per-step costs on tiles 0..n-1 while the next `others` tiles generate DRAM traffic
   *  (the last `budgeted` at the budget rate), as `cotenant run` measures them. */
  private async stepCosts(
    t: TenantState,
    req: VariantRequest,
    contention: Contention,
  ): Promise<readonly number[]> {
    const key = `${variantKey(req)}|${contention.others}|${contention.budgeted}|${contention.budget}`;
    let c = t.costs.get(key);
    if (c === undefined) {
      const v = await this.variant(t, req);
      const tiles = Array.from({ length: req.tiles }, (_, i) => i);
      await this.device.writeRegister('MODE', 0); // costs are the same in both modes; timing is cheaper
      c = await measureSteps(
        this.device,
        v,
        tiles,
        coRunnersFor(contention, req.tiles, this.device.board.tileBusBytesPerCycle),
      );
      t.costs.set(key, c);
    }
    return c;
  }

  private async plan(ts: readonly TenantState[]): Promise<AdmissionResult> {
    const caps = await this.device.readRegister('CAPS');
    const adm: AdmissionTenant[] = ts.map((t) => ({
      name: t.handle.name,
      priority: t.priority,
      guaranteed: t.guaranteed,
      deadline: t.deadline,
      minGap: t.minGap,
      layers: t.pkg.table.layers.length,
      ...(t.tiles !== undefined ? { tiles: t.tiles } : {}),
    }));
    return planAdmission(
      adm,
      this.device.board.tiles,
      (i, v, c) => this.stepCosts(ts[i]!, v, c),
      // Estimates do not depend on where a variant sits: compiled at the DRAM base, so a
      // full DRAM never fails planning.
      (i, v) => this.compiled(ts[i]!, v, this.device.board.dram.base).steps.map((s) => s.estCycles),
      { ...admissionOptions(this.device.board, [], caps), queueLimits: ts.map((t) => t.queueLimit) },
    );
  }

  /** Serves every queued request in one executor run; repeats while requests keep coming. */
  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.serve(batch);
      } catch (e) {
        for (const r of batch) r.reject(e);
      }
    }
    this.pumping = false;
  }

  private async serve(batch: readonly Request[]): Promise<void> {
    const def = this.device.board;
    const ts = this.tenants;
    const admission = this.admission!;
    const policy = createPolicy('cotenant', def, admission);
    const requests = policy.variants(
      ts.map((t) => ({ name: t.handle.name, priority: t.priority })),
      def.tiles,
    );
    const exec: ExecTenant[] = [];
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      const prepared = new Map<string, PreparedVariant>();
      for (const req of requests[i]!) prepared.set(variantKey(req), await this.variant(t, req));
      exec.push({
        index: i,
        name: t.handle.name,
        priority: t.priority,
        guaranteed: t.guaranteed,
        deadline: t.deadline,
        isolatedCycles: t.isolated,
        variants: new Map([...prepared].map(([k, v]) => [k, v.info])),
        late: 'finish',
        queueLimit: t.queueLimit,
        prepared,
      });
    }
    await this.device.writeRegister('MODE', 1);
    if ((await this.device.readRegister('MODE')) !== 1)
      throw new ConfigError(
        'the board refused functional mode (open it with openBoard, which asks for functional mode)',
      );
    const epoch = await boardCycle(this.device);
    const order = batch
      .map((r, k) => ({ r, k, at: Math.max(0, (r.arrival ?? epoch) - epoch) }))
      .sort((a, b) => a.at - b.at || a.k - b.k);
    const seq = new Map<number, number>();
    const arrivals: Arrival[] = order.map((o, id) => {
      const tenant = ts.indexOf(o.r.tenant);
      const s = seq.get(tenant) ?? 0;
      seq.set(tenant, s + 1);
      return { id, tenant, seq: s, cycle: o.at };
    });
    const byId = order.map((o) => o.r);
    await execute(this.device, exec, arrivals, policy, {
      onJobStart: async (job, v) => {
        await this.device.writeMemory(
          (v.compiled as CompiledModel).layout.input.address,
          u8(byId[job.id]!.input),
        );
      },
      onJobEnd: async (job, outcome, v, end) => {
        const r = byId[job.id]!;
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
          latencyCycles: end - job.arrival,
          deadlineMet: outcome === 'completed',
          arrival: epoch + job.arrival,
          end: epoch + end,
        });
      },
    });
  }
}

function u8(a: Int8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.length);
}

function verdictOf(handle: Tenant, v: TenantVerdict): AdmissionVerdict {
  return {
    admitted: true,
    tenant: handle,
    verdict: v.verdict === 'guaranteed' ? 'guaranteed' : 'best-effort',
    bound: v.bound,
    deadline: v.deadline,
    tiles: v.variant.tiles,
  };
}
