// Compiled, uploaded variants of each tenant's model and their board-measured step costs,
// cached. One store serves `cotenant run` / `analyze` (runtime/executor/session.ts) and the
// library API's long-lived Runtime (runtime/api/runtime.ts); what differs between them is
// the strategy: how a tenant's model is compiled, what else is uploaded with a variant
// (parameters of a model package), and which tenants share measured costs (the same model).
//
// DRAM: planning measures many candidate variants. A variant the run (or a running tenant)
// uses is pinned; when DRAM runs out the unpinned ones are forgotten (their costs stay
// cached: costs do not depend on where a variant sits) and their regions reused. A removed
// tenant's variants are released (`release`), so add/remove cycles do not exhaust DRAM.
import { ConfigError } from '../../boards/errors.ts';
import type { Device } from '../../drivers/device.ts';
import type { Contention } from '../admission/types.ts';
import { variantKey, type VariantRequest } from '../scheduler/types.ts';
import { coRunnersFor, measureSteps, PROBE_RESERVED_BYTES } from './probe.ts';
import { read64 } from './board-io.ts';
import type { Profile } from '../admission/throughput.ts';
import {
  prepareVariant,
  RegionAllocator,
  uploadPrograms,
  type CompiledLike,
  type PreparedVariant,
} from './workload.ts';

/** How the store turns a tenant and a variant request into something on the board. */
export interface VariantStrategy {
  /** Compiles tenant `tenant`'s model as `req`, its region starting at `regionBase`. */
  compile(tenant: number, req: VariantRequest, regionBase: number): CompiledLike;
  /** After the programs are written: the rest of what the variant needs on the board
   *  (parameters and a zero input for a model package). */
  upload?(tenant: number, v: PreparedVariant): Promise<void>;
  /** The tenant's name, for messages. */
  name(tenant: number): string;
  /** Tenants with the same key share compiled sizes, estimates and measured costs (the
   *  same model on this board). Default: one key per tenant. */
  modelKey?(tenant: number): string;
}

/** Thrown by stepCosts in `cachedOnly` mode: the cost is not known without measuring. */
export class CostNotMeasured extends Error {}

interface Entry {
  readonly tenant: number;
  readonly v: PreparedVariant;
  pinned: boolean;
}

export class VariantStore {
  private readonly prepared = new Map<string, Entry>();
  private readonly costs = new Map<string, readonly number[]>();
  private readonly estimates = new Map<string, readonly number[]>();
  private readonly sizes = new Map<string, number>();
  private readonly regions: RegionAllocator;
  /** After pinForRun: running out of DRAM is an error, nothing is evicted. */
  private strict = false;
  /** Refuse to measure (the board is busy with tenants): stepCosts of an unmeasured
   *  variant throws CostNotMeasured. */
  cachedOnly = false;

  constructor(
    private readonly device: Device,
    private readonly strategy: VariantStrategy,
    /** Measures step costs on another board of the same kind (SessionOptions.costDevice). */
    private readonly probe?: VariantStore,
  ) {
    this.regions = new RegionAllocator(device.board, PROBE_RESERVED_BYTES);
  }

  /** DRAM bytes of variants currently placed (aligned). */
  get dramUsed(): number {
    return this.regions.used;
  }

  private model(tenant: number): string {
    return this.strategy.modelKey?.(tenant) ?? `#${tenant}`;
  }

  /** The variant on the board (compiled and uploaded on first use). */
  async get(tenant: number, req: VariantRequest): Promise<PreparedVariant> {
    const key = `${tenant}|${variantKey(req)}`;
    const known = this.prepared.get(key);
    if (known !== undefined) return known.v;
    const label = `${this.strategy.name(tenant)} (${variantKey(req)})`;
    const need = this.regionBytes(tenant, req);
    if (need > this.regions.free) {
      if (this.strict)
        throw new ConfigError(
          `the run's programs do not fit in board ${this.device.board.id}'s DRAM together: ${label} needs ${mib(need)} and ${mib(this.regions.free)} are left of ${mib(this.device.board.dram.bytes)}; run fewer tenants, or smaller models`,
        );
      this.evictUnpinned();
      if (need > this.regions.free)
        throw new ConfigError(
          `${label} needs ${mib(need)} of DRAM and ${mib(this.regions.free)} of board ${this.device.board.id}'s ${mib(this.device.board.dram.bytes)} are free next to the running tenants; remove a tenant or choose a smaller model`,
        );
    }
    const v = prepareVariant(
      (_m, tiles, granule, base) => this.strategy.compile(tenant, { tiles, granule }, base),
      this.strategy.name(tenant),
      req,
      this.regions,
      label,
      need,
    );
    this.prepared.set(key, { tenant, v, pinned: false });
    await uploadPrograms(this.device, v);
    await this.strategy.upload?.(tenant, v);
    return v;
  }

  /** Marks a variant as used by the run (never evicted until released). */
  async pin(tenant: number, req: VariantRequest): Promise<PreparedVariant> {
    const v = await this.get(tenant, req);
    this.prepared.get(`${tenant}|${variantKey(req)}`)!.pinned = true;
    return v;
  }

  /** The run no longer needs `tenant`'s variants (they stay until DRAM is needed). */
  unpin(tenant: number): void {
    for (const e of this.prepared.values()) if (e.tenant === tenant) e.pinned = false;
  }

  /** Forgets every variant of `tenant` and frees its DRAM (costs stay cached). */
  release(tenant: number): void {
    for (const [k, e] of [...this.prepared])
      if (e.tenant === tenant) {
        this.prepared.delete(k);
        this.regions.release(e.v.region);
      }
  }

  /** Starts the run's uploads afresh: forgets planning's variants, and from now on DRAM
   *  exhaustion is an error (the run's variants must all fit at once). */
  pinForRun(): void {
    this.evictUnpinned();
    this.strict = true;
  }

  private evictUnpinned(): void {
    for (const [k, e] of [...this.prepared])
      if (!e.pinned) {
        this.prepared.delete(k);
        this.regions.release(e.v.region);
      }
  }

  /** DRAM bytes a variant's region takes (independent of where it is placed). */
  private regionBytes(tenant: number, req: VariantRequest): number {
    const key = `${this.model(tenant)}|${variantKey(req)}`;
    let n = this.sizes.get(key);
    if (n === undefined) {
      n = this.strategy.compile(tenant, req, this.device.board.dram.base).layout.regionBytes;
      this.sizes.set(key, n);
    }
    return n;
  }

  /** The compiler's per-step estimates (compiled at the DRAM base, nothing committed or uploaded). */
  estimate(tenant: number, req: VariantRequest): readonly number[] {
    const key = `${this.model(tenant)}|${variantKey(req)}`;
    let e = this.estimates.get(key);
    if (e === undefined) {
      const known = this.prepared.get(`${tenant}|${variantKey(req)}`);
      e = (known?.v.compiled ?? this.strategy.compile(tenant, req, this.device.board.dram.base)).steps.map(
        (s) => s.estCycles,
      );
      this.estimates.set(key, e);
    }
    return e;
  }

  private readonly profiles = new Map<string, Profile>();
  /** A variant alone on tiles 0..n-1 (no co-runners): measured cycles and DRAM bytes
   *  (the board's counters around the run), for the throughput planner. */
  async profile(tenant: number, req: VariantRequest): Promise<Profile> {
    if (this.probe !== undefined) return this.probe.profile(tenant, req);
    const key = `${this.model(tenant)}|${variantKey(req)}`;
    let p = this.profiles.get(key);
    if (p === undefined) {
      const v = await this.get(tenant, req);
      const tiles = Array.from({ length: req.tiles }, (_, i) => i);
      const bytes = async () =>
        (await read64(this.device, 'DRAM_RD_LO', 'DRAM_RD_HI')) +
        (await read64(this.device, 'DRAM_WR_LO', 'DRAM_WR_HI'));
      const before = await bytes();
      const c = await measureSteps(this.device, v, tiles, []);
      const dramBytes = (await bytes()) - before;
      this.costs.set(`${key}|0|0|Infinity`, c);
      p = { cycles: c.reduce((a, b) => a + b, 0), dramBytes, steps: c.length, maxStep: Math.max(...c) };
      this.profiles.set(key, p);
    }
    return p;
  }

  /** Per-step costs on tiles 0..n-1 while the next `others` tiles generate DRAM traffic:
   *  the last `budgeted` of them at the budget rate, the rest saturating. */
  async stepCosts(tenant: number, req: VariantRequest, contention: Contention): Promise<readonly number[]> {
    if (this.probe !== undefined) return this.probe.stepCosts(tenant, req, contention);
    const key = `${this.model(tenant)}|${variantKey(req)}|${contention.others}|${contention.budgeted}|${contention.budget}`;
    let c = this.costs.get(key);
    if (c === undefined) {
      if (this.cachedOnly) throw new CostNotMeasured(`${this.strategy.name(tenant)}: ${key} not measured`);
      const v = await this.get(tenant, req);
      const tiles = Array.from({ length: req.tiles }, (_, i) => i);
      c = await measureSteps(
        this.device,
        v,
        tiles,
        coRunnersFor(contention, req.tiles, this.device.board.tileBusBytesPerCycle),
      );
      this.costs.set(key, c);
    }
    return c;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
