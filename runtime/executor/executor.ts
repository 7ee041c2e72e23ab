// The executor: drives any Device in lockstep through a multi-tenant run. It admits
// arrivals, asks the policy what to start at every decision point (arrival, step
// barrier, deadline of a droppable request), launches steps (programs, regions,
// throttles, doorbells), consumes completion events and ends every request exactly once:
// completed (in time), missed (finished late), dropped (late, `late: drop`) or rejected
// (queue full at arrival). Board time is the only clock.
import { DeviceFault } from '../../boards/errors.ts';
import { describeFault } from '../../boards/events.ts';
import type { Device } from '../../drivers/device.ts';
import type { Arrival } from '../scenario/arrivals.ts';
import type { Outcome, RequestRecord } from '../metrics/metrics.ts';
import type { Dispatch, Job, Policy, SchedState, TenantView } from '../scheduler/types.ts';
import { boardCycle, read64, TileShadow } from './board-io.ts';
import type { PreparedVariant } from './workload.ts';
import type { TraceRecord } from './trace.ts';

export interface ExecTenant extends TenantView {
  readonly late: 'finish' | 'drop';
  readonly queueLimit: number;
  readonly prepared: ReadonlyMap<string, PreparedVariant>;
}

export interface ExecOptions {
  /** Called after every request ends (for progress bars). */
  onProgress?: (ended: number, total: number) => void;
  /** Per tenant: the admitted response bound (cycles) of a guaranteed tenant, checked as
   *  each of its requests ends (the admission certificate); undefined = not checked. */
  bounds?: readonly (number | undefined)[];
  /** Host hook after each policy decision, for the dispatch benchmark. */
  onDecide?: (state: SchedState, result: readonly Dispatch[]) => void;
  /** Functional runs: before a request's first step is launched (write its input). */
  onJobStart?: (job: Job, variant: PreparedVariant) => Promise<void>;
  /** Functional runs: after a request ended, before anything else of its tenant is launched
   *  (read its output). Called for every outcome. */
  onJobEnd?: (job: Job, outcome: Outcome, variant: PreparedVariant | undefined, end: number) => Promise<void>;
  /** Closed loop: called as a request ends; an arrival it returns (cycle ≥ now, a fresh id)
   *  joins the stream, so a tenant resubmits when its request finishes. */
  release?: (tenant: number, now: number) => Arrival | undefined;
}

export interface ExecResult {
  readonly records: RequestRecord[];
  readonly trace: TraceRecord[];
  /** Board cycles from the run's start to its last event. */
  readonly cycles: number;
  readonly tileBusyCycles: number;
  readonly dramReadBytes: number;
  readonly dramWriteBytes: number;
  readonly decisions: number;
  /** Guaranteed requests that broke their certificate (also 'violation' trace records). */
  readonly violations: readonly CertificateViolation[];
}

export interface CertificateViolation {
  readonly request: number;
  readonly tenant: number;
  readonly outcome: Outcome;
  /** Arrival to end, cycles. */
  readonly response: number;
  readonly bound: number;
}

interface Running {
  job: Job;
  variant: PreparedVariant;
  step: number;
  pending: Set<number>;
  tiles: readonly number[];
  started: number;
}

/** Far enough in the future that advance() returns at the next event. */
const FOREVER_CYCLES = 2 ** 52;

export async function execute(
  device: Device,
  tenants: readonly ExecTenant[],
  initialArrivals: readonly Arrival[],
  policy: Policy,
  opts: ExecOptions = {},
): Promise<ExecResult> {
  // Grows when a closed loop releases requests (opts.release).
  const arrivals: Arrival[] = [...initialArrivals];
  const tileCount = device.board.tiles;
  const epoch = await boardCycle(device);
  const rd0 = await read64(device, 'DRAM_RD_LO', 'DRAM_RD_HI');
  const wr0 = await read64(device, 'DRAM_WR_LO', 'DRAM_WR_HI');
  const shadow = new TileShadow(tileCount);
  for (const s of policy.setup ?? []) {
    await device.writeRegister('THROTTLE_CREDIT', s.credit, s.tile);
    await device.writeRegister('THROTTLE_CTRL', s.ctrl, s.tile);
  }
  const queues: Job[][] = tenants.map(() => []);
  const tileJob: (Job | undefined)[] = new Array<Job | undefined>(tileCount).fill(undefined);
  const byTile: (Running | undefined)[] = new Array<Running | undefined>(tileCount).fill(undefined);
  const records: RequestRecord[] = [];
  const violations: CertificateViolation[] = [];
  const trace: TraceRecord[] = [];
  let now = 0; // relative to epoch
  let next = 0; // next arrival index
  let busy = 0;
  let decisions = 0;
  let lastEnd = 0;

  const ended: { job: Job; outcome: Outcome; variant: PreparedVariant | undefined; end: number }[] = [];
  const end = (job: Job, outcome: Outcome) => {
    if (opts.onJobEnd)
      ended.push({
        job,
        outcome,
        variant: job.variant === undefined ? undefined : tenants[job.tenant]!.prepared.get(job.variant),
        end: now,
      });
    const q = queues[job.tenant]!;
    const at = q.indexOf(job);
    if (at >= 0) q.splice(at, 1);
    records.push({
      id: job.id,
      tenant: job.tenant,
      arrival: job.arrival,
      deadline: job.deadline,
      outcome,
      end: now,
    });
    trace.push({ t: now, k: 'end', req: job.id, tenant: job.tenant, outcome });
    const bound = opts.bounds?.[job.tenant];
    const response = now - job.arrival;
    if (bound !== undefined && (outcome !== 'completed' || response > bound)) {
      violations.push({ request: job.id, tenant: job.tenant, outcome, response, bound });
      trace.push({ t: now, k: 'violation', req: job.id, tenant: job.tenant, outcome, response, bound });
    }
    lastEnd = now;
    const more = opts.release?.(job.tenant, now);
    if (more !== undefined) {
      let at = arrivals.length;
      while (at > next && arrivals[at - 1]!.cycle > more.cycle) at--;
      arrivals.splice(at, 0, more);
    }
    opts.onProgress?.(records.length, arrivals.length);
  };

  const anyDrop = tenants.some((t) => t.late === 'drop');
  const state = (): SchedState => ({
    now,
    tileCount,
    tileJob,
    queues,
    tenants,
    dramBytesPerCycle: device.board.dramBytesPerCycle,
  });

  for (;;) {
    // 1. Arrivals up to now (before decisions, so a request arriving at a barrier competes).
    while (next < arrivals.length && arrivals[next]!.cycle <= now) {
      const a = arrivals[next++]!;
      const t = tenants[a.tenant]!;
      const job: Job = {
        id: a.id,
        tenant: a.tenant,
        arrival: a.cycle,
        deadline: a.cycle + t.deadline,
        variant: undefined,
        step: 0,
        nextLayer: 0,
        running: false,
        tiles: [],
        runCycles: 0,
        started: undefined,
      };
      trace.push({ t: now, k: 'arrive', req: a.id, tenant: a.tenant, deadline: job.deadline });
      if (queues[a.tenant]!.length >= t.queueLimit) end(job, 'rejected');
      else queues[a.tenant]!.push(job);
    }
    // 2. Late requests of `drop` tenants that are not on the board.
    for (let i = 0; i < tenants.length; i++) {
      if (tenants[i]!.late !== 'drop') continue;
      for (const j of [...queues[i]!]) if (!j.running && now >= j.deadline) end(j, 'dropped');
    }
    // 3. Requests of `drop` tenants the policy predicts to be hopeless (not on the board).
    if (anyDrop && policy.abandon !== undefined) {
      for (const j of policy.abandon(state()))
        if (!j.running && tenants[j.tenant]!.late === 'drop' && queues[j.tenant]!.includes(j))
          end(j, 'dropped');
    }
    // 4. Hand ended requests to the host (outputs are read before their tenant runs again).
    for (const e of ended.splice(0)) await opts.onJobEnd!(e.job, e.outcome, e.variant, e.end);
    // 5. Decide and launch.
    const st = state();
    const plan = policy.decide(st);
    decisions++;
    opts.onDecide?.(st, plan);
    for (const d of plan) await launch(d);

    const running = byTile.some((r) => r !== undefined);
    const waiting = queues.some((q) => q.length > 0);
    if (!running && !waiting && next >= arrivals.length) break;
    let target = next < arrivals.length ? arrivals[next]!.cycle : FOREVER_CYCLES;
    for (let i = 0; i < tenants.length; i++) {
      if (tenants[i]!.late !== 'drop') continue;
      for (const j of queues[i]!)
        if (!j.running && j.deadline > now && j.deadline < target) target = j.deadline;
    }
    if (!running && target === FOREVER_CYCLES) {
      throw new Error(
        `internal: policy ${policy.name} left ${queues.reduce((s, q) => s + q.length, 0)} requests waiting on an idle board`,
      );
    }
    const res = await device.advance(epoch + target);
    now = res.cycle - epoch;
    for (const ev of res.events) {
      if (ev.kind === 'fault') {
        throw new DeviceFault(
          `tile ${ev.tile} faulted: ${describeFault(ev.code)} at address 0x${ev.address.toString(16)}, cycle ${ev.cycle}, running ${describe(byTile[ev.tile])}`,
          { tile: ev.tile, address: ev.address, faultCode: ev.code },
        );
      }
      if (ev.kind !== 'done') continue;
      const r = byTile[ev.tile];
      if (r === undefined || !r.pending.has(ev.tile))
        throw new DeviceFault(
          `tile ${ev.tile} reported done at cycle ${ev.cycle} but no program of the run was queued on it`,
          { tile: ev.tile },
        );
      r.pending.delete(ev.tile);
      if (r.pending.size === 0) stepDone(r);
    }
  }

  const rd1 = await read64(device, 'DRAM_RD_LO', 'DRAM_RD_HI');
  const wr1 = await read64(device, 'DRAM_WR_LO', 'DRAM_WR_HI');
  return {
    records,
    trace,
    cycles: Math.max(lastEnd, now),
    tileBusyCycles: busy,
    dramReadBytes: rd1 - rd0,
    dramWriteBytes: wr1 - wr0,
    decisions,
    violations,
  };

  async function launch(d: Dispatch): Promise<void> {
    const t = tenants[d.job.tenant]!;
    const v = t.prepared.get(d.variant);
    if (v === undefined)
      throw new Error(
        `internal: policy ${policy.name} chose variant ${d.variant} that tenant ${t.name} was not compiled for`,
      );
    if (d.job.running || queues[d.job.tenant]![0] !== d.job)
      throw new Error(`internal: policy ${policy.name} dispatched request ${d.job.id} that is not ready`);
    for (const tile of d.tiles)
      if (tileJob[tile] !== undefined)
        throw new Error(`internal: policy ${policy.name} dispatched onto busy tile ${tile}`);
    if (d.tiles.length !== v.info.tiles)
      throw new Error(`internal: variant ${d.variant} needs ${v.info.tiles} tiles, got ${d.tiles.length}`);
    if (d.job.started === undefined && opts.onJobStart) await opts.onJobStart(d.job, v);
    const used = await shadow.launch(
      device,
      v.compiled,
      v.region,
      d.step,
      d.tiles,
      d.throttle,
      d.throttleSticky === true,
    );
    const job = d.job;
    job.variant = d.variant;
    job.step = d.step;
    job.running = true;
    job.tiles = d.tiles;
    job.started ??= now;
    const r: Running = {
      job,
      variant: v,
      step: d.step,
      pending: new Set(used),
      tiles: d.tiles,
      started: now,
    };
    for (const tile of d.tiles) {
      tileJob[tile] = job;
      byTile[tile] = r;
    }
    trace.push({
      t: now,
      k: 'start',
      req: job.id,
      tenant: job.tenant,
      step: d.step,
      variant: d.variant,
      tiles: d.tiles,
      throttle: d.throttle,
    });
    if (r.pending.size === 0) stepDone(r);
  }

  function stepDone(r: Running): void {
    const job = r.job;
    const info = r.variant.info.steps[r.step]!;
    for (const tile of r.tiles) {
      tileJob[tile] = undefined;
      byTile[tile] = undefined;
    }
    busy += (now - r.started) * info.tiles;
    job.runCycles += now - r.started;
    job.running = false;
    job.step = r.step + 1;
    const following = r.variant.info.steps[r.step + 1];
    if (following === undefined || following.layers.first > info.layers.last)
      job.nextLayer = info.layers.last + 1;
    trace.push({
      t: now,
      k: 'stepdone',
      req: job.id,
      tenant: job.tenant,
      step: r.step,
      started: r.started,
      tiles: r.tiles,
      readBytes: info.readBytes,
      writeBytes: info.writeBytes,
    });
    if (following === undefined) end(job, now <= job.deadline ? 'completed' : 'missed');
    else if (now >= job.deadline && tenants[job.tenant]!.late === 'drop') end(job, 'dropped');
  }

  function describe(r: Running | undefined): string {
    return r === undefined
      ? 'nothing of this run'
      : `request ${r.job.id} of ${tenants[r.job.tenant]!.name}, step ${r.step}`;
  }
}
