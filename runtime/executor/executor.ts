// The executor: drives any Device through a multi-tenant run. It admits arrivals, asks the
// policy what to start at every decision point (arrival, step barrier, deadline of a
// droppable request), launches steps (programs, regions, throttles, doorbells), consumes
// completion events and ends every request exactly once: completed (in time), missed
// (finished late), dropped (late, `late: drop`) or rejected (queue full at arrival). Board
// time is the only clock.
//
// A lockstep board (hello().capabilities.lockstep) stands still while the host decides.
// A free-running board does not (docs/scheduler.md, "The link"): the executor polls it,
// takes each event at the board cycle it carries, stamps a request at its arrival at the
// host, and — when the board has staged programs (CAPS_STAGED) — keeps each running
// step's staged successor equal to the policy's choice at that step's barrier, replacing
// it when an arrival changes the choice, so a granule boundary does not wait for the host.
import { DeviceFault } from '../../boards/errors.ts';
import { describeFault, type BoardEvent } from '../../boards/events.ts';
import { CAPS_STAGED } from '../../boards/registers.ts';
import type { Device, RegisterWrite } from '../../drivers/device.ts';
import { writeRegisters } from '../../drivers/register-batch.ts';
import type { Arrival } from '../scenario/arrivals.ts';
import type { Outcome, RequestRecord } from '../metrics/metrics.ts';
import {
  newJob,
  type Dispatch,
  type Job,
  type Policy,
  type SchedState,
  type TenantView,
} from '../scheduler/types.ts';
import { boardCycle, isLockstep, read64, TileShadow } from './board-io.ts';
import {
  choiceAtBarrier,
  sameDispatch,
  stagedChoice,
  stagingWrites,
  tileMask,
  type StagedChoice,
} from './staging.ts';
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
  /** Free-running boards: stage each running step's successor on the board (default true;
   *  needs CAPS_STAGED, and no onJobStart/onJobEnd hooks, whose tensors must move between
   *  two steps). false: the host launches each step once it has seen the barrier before it
   *  — the behaviour without staging, kept for comparisons. Ignored on lockstep boards. */
  staging?: boolean;
  /** Live runs (the library API, runtime/api/runtime.ts): called at every decision point
   *  before arrivals are admitted. May append tenants to the `tenants` array given to
   *  execute (and extend `bounds`), and returns the requests submitted since (any cycle:
   *  the executor keeps its arrivals in order) and a policy to decide with from now on. */
  live?: (now: number) => Promise<LiveUpdate | undefined>;
}

export interface LiveUpdate {
  readonly arrivals?: readonly Arrival[];
  readonly policy?: Policy;
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
  /** How the board was driven: lockstep, free-running with staged successors, or
   *  free-running with the host launching every step. */
  readonly mode: 'lockstep' | 'staged' | 'host-dispatch';
  /** Free-running boards: per granule boundary at which the next step was already waiting,
   *  the board cycles its tiles stood idle before it started (an upper bound where the start
   *  fell between two polls of a staged run, a lower bound for a host launch). Empty on a
   *  lockstep board, where the host's latency never shows. */
  readonly boundaryIdle: readonly number[];
  /** Free-running boards: the longest the host took to react, in board cycles — the span of
   *  two consecutive passes of the polling loop (what J must cover: link-jitter.ts). Above
   *  the J the analysis counted, the run broke the link assumption its guarantees rest on.
   *  0 on a lockstep board. */
  readonly hostReaction: number;
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
  /** Free-running, staged: every entry staged as this step's successor, oldest first (the
   *  one that started is found by STARTED_ID). */
  staged: StagedChoice[];
  /** The staged choice now (the last entry, or undefined after a cancel). */
  choice: StagedChoice | undefined;
  /** Per staged entry id: the board cycle the host knew before its write (a lower bound on
   *  when it landed) and the first cycle read after it (an upper bound). */
  stamps: Map<number, { after: number; by: number | undefined }>;
  /** The request had already ended when this step started (a staged successor that started
   *  before the host's cancel landed): it only occupies its tiles. */
  orphan: boolean;
}

/** Far enough in the future that advance() returns at the next event. */
const FOREVER_CYCLES = 2 ** 52;

export async function execute(
  device: Device,
  tenants: readonly ExecTenant[],
  initialArrivals: readonly Arrival[],
  initialPolicy: Policy,
  opts: ExecOptions = {},
): Promise<ExecResult> {
  // Grows when a closed loop releases requests (opts.release) or a live run submits.
  const arrivals: Arrival[] = [...initialArrivals];
  let policy = initialPolicy;
  const tileCount = device.board.tiles;
  const free = !(await isLockstep(device));
  const staging =
    free &&
    opts.staging !== false &&
    opts.onJobStart === undefined &&
    opts.onJobEnd === undefined &&
    ((await device.readRegister('CAPS')) & CAPS_STAGED) !== 0;
  let epoch = await boardCycle(device);
  const rd0 = await read64(device, 'DRAM_RD_LO', 'DRAM_RD_HI');
  const wr0 = await read64(device, 'DRAM_WR_LO', 'DRAM_WR_HI');
  const shadow = new TileShadow(tileCount);
  for (const s of policy.setup ?? []) {
    await device.writeRegister('THROTTLE_CREDIT', s.credit, s.tile);
    await device.writeRegister('THROTTLE_CTRL', s.ctrl, s.tile);
  }
  // A free-running board moved on during the setup: the run starts after it.
  if (free) epoch = await boardCycle(device);
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
  const boundaryIdle: number[] = [];
  let hostReaction = 0;
  /** Free-running: per tile, the cycle its last step ended (−1: none yet); staged entry ids. */
  const lastBarrier = new Array<number>(tileCount).fill(-1);
  let nextId = 1;

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

  /** Live runs: tenants, requests and a policy that came since the last decision. */
  async function pollLive(): Promise<void> {
    if (!opts.live) return;
    const u = await opts.live(now);
    for (const a of u?.arrivals ?? []) {
      let at = arrivals.length;
      while (at > next && arrivals[at - 1]!.cycle > a.cycle) at--;
      arrivals.splice(at, 0, a);
    }
    if (u?.policy) policy = u.policy;
    while (queues.length < tenants.length) queues.push([]);
  }

  if (free) await runFree();
  else {
    for (;;) {
      // 0. Live runs (the library API): what came since the last decision.
      await pollLive();
      // 1. Arrivals up to now (before decisions, so a request arriving at a barrier competes).
      while (next < arrivals.length && arrivals[next]!.cycle <= now) {
        const a = arrivals[next++]!;
        const t = tenants[a.tenant]!;
        const job = jobFor(a, t.deadline);
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
    mode: !free ? 'lockstep' : staging ? 'staged' : 'host-dispatch',
    boundaryIdle,
    hostReaction,
  };

  /** The dispatch's variant, after checking the policy chose something startable now. */
  function checked(d: Dispatch): PreparedVariant {
    const t = tenants[d.job.tenant]!;
    const v = t.prepared.get(d.variant);
    if (v === undefined)
      throw new Error(
        `internal: policy ${policy.name} chose variant ${d.variant} that tenant ${t.name} was not compiled for`,
      );
    if (d.tiles.length !== v.info.tiles)
      throw new Error(`internal: variant ${d.variant} needs ${v.info.tiles} tiles, got ${d.tiles.length}`);
    return v;
  }

  async function launch(d: Dispatch): Promise<void> {
    const v = checked(d);
    const at = queues[d.job.tenant]!.indexOf(d.job);
    if (d.job.running || at < 0 || at >= (tenants[d.job.tenant]!.instances ?? 1))
      throw new Error(`internal: policy ${policy.name} dispatched request ${d.job.id} that is not ready`);
    for (const tile of d.tiles)
      if (tileJob[tile] !== undefined)
        throw new Error(`internal: policy ${policy.name} dispatched onto busy tile ${tile}`);
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
    started(d, d.job, v, used, now);
  }

  /** Books a step that the board started at `at` on `used` (its program tiles). */
  function started(d: Dispatch, job: Job, v: PreparedVariant, used: readonly number[], at: number): Running {
    const orphan = !queues[job.tenant]!.includes(job);
    if (!orphan) {
      job.variant = d.variant;
      job.step = d.step;
      job.running = true;
      job.tiles = d.tiles;
      job.started ??= at;
    }
    const r: Running = {
      job,
      variant: v,
      step: d.step,
      pending: new Set(used),
      tiles: d.tiles,
      started: at,
      staged: [],
      choice: undefined,
      stamps: new Map(),
      orphan,
    };
    for (const tile of d.tiles) {
      tileJob[tile] = job;
      byTile[tile] = r;
    }
    if (!orphan)
      trace.push({
        t: at,
        k: 'start',
        req: job.id,
        tenant: job.tenant,
        step: d.step,
        variant: d.variant,
        tiles: d.tiles,
        throttle: d.throttle,
      });
    if (r.pending.size === 0) stepDone(r);
    return r;
  }

  function stepDone(r: Running): void {
    const job = r.job;
    const info = r.variant.info.steps[r.step]!;
    for (const tile of r.tiles) {
      tileJob[tile] = undefined;
      byTile[tile] = undefined;
    }
    busy += (now - r.started) * info.tiles;
    if (r.orphan) return;
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

  /**
   * The loop on a free-running board. Each pass: one poll (every event up to the board's
   * time, each handled at its own cycle), arrivals up to that time, drops, the policy's
   * decision for idle tiles (launched at once), then — staging — one batch that brings every
   * running step's staged successor in line with the policy's choice at its barrier.
   */
  async function runFree(): Promise<void> {
    /** Staging writes that have landed but no poll has followed yet. */
    let unstamped: { after: number; by: number | undefined }[] = [];
    let lastPoll: number | undefined;
    let lastPass = 0;
    for (;;) {
      const res = await device.advance(epoch + now);
      const polled = res.cycle - epoch;
      if (lastPoll !== undefined) {
        const pass = polled - lastPoll;
        hostReaction = Math.max(hostReaction, lastPass + pass);
        lastPass = pass;
      }
      lastPoll = polled;
      for (const u of unstamped) u.by = polled;
      unstamped = [];
      let changed = false;
      for (const ev of res.events) {
        now = Math.max(now, ev.cycle - epoch);
        const r = onEvent(ev);
        if (r !== undefined) {
          await barrier(r);
          changed = true;
        }
      }
      now = Math.max(now, polled);
      await pollLive();
      changed = admit() || changed;
      changed = dropLate() || changed;
      for (const e of ended.splice(0)) await opts.onJobEnd!(e.job, e.outcome, e.variant, e.end);
      const st = state();
      const staged = new Set<number>();
      for (const r of new Set(byTile)) if (r?.choice !== undefined) staged.add(r.choice.job.id);
      const plan = policy.decide(st);
      decisions++;
      opts.onDecide?.(st, plan);
      for (const d of plan) {
        // a request staged behind a running step starts at that barrier, not twice
        if (staged.has(d.job.id)) continue;
        const b = Math.max(...d.tiles.map((t) => lastBarrier[t]!));
        if (b >= 0 && d.job.arrival <= b) boundaryIdle.push(now - b);
        await launch(d);
        changed = true;
      }
      if (staging) {
        const writes: RegisterWrite[] = [];
        const restaged: Running[] = [];
        for (const r of new Set(byTile)) {
          if (r === undefined || (!changed && r.staged.length > 0)) continue;
          const w = restage(r, staged);
          if (w.length > 0) {
            writes.push(...w);
            restaged.push(r);
          }
        }
        if (writes.length > 0) {
          const stamp = { after: now, by: undefined };
          for (const r of restaged) r.stamps.set(r.choice!.id, stamp);
          await writeRegisters(device, writes);
          unstamped = [stamp];
        }
      }
      const running = byTile.some((r) => r !== undefined);
      const waiting = queues.some((q) => q.length > 0);
      if (!running && !waiting && next >= arrivals.length) break;
      if (
        !running &&
        next >= arrivals.length &&
        !queues.some((q, i) => q.length > 0 && tenants[i]!.late === 'drop')
      )
        throw new Error(
          `internal: policy ${policy.name} left ${queues.reduce((s, q) => s + q.length, 0)} requests waiting on an idle board`,
        );
    }
  }

  /** A request's job as it arrives: nothing run yet, its deadline counted from its arrival. */
  function jobFor(a: Arrival, relativeDeadline: number): Job {
    return newJob(a.id, a.tenant, a.cycle, a.cycle + relativeDeadline);
  }

  /** Arrivals the board's time has passed, stamped with their arrival at the host. */
  function admit(): boolean {
    let any = false;
    while (next < arrivals.length && arrivals[next]!.cycle <= now) {
      const a = arrivals[next++]!;
      const t = tenants[a.tenant]!;
      const job = jobFor(a, t.deadline);
      trace.push({ t: a.cycle, k: 'arrive', req: a.id, tenant: a.tenant, deadline: job.deadline });
      if (queues[a.tenant]!.length >= t.queueLimit) {
        const at = now;
        now = a.cycle;
        end(job, 'rejected');
        now = at;
      } else queues[a.tenant]!.push(job);
      any = true;
    }
    return any;
  }

  /** Late requests of `drop` tenants, and the ones the policy gives up, that are not on the
   *  board and not staged as anything's successor. */
  function dropLate(): boolean {
    const staged = new Set<Job>();
    for (const r of byTile) if (r?.choice !== undefined) staged.add(r.choice.job);
    let any = false;
    for (let i = 0; i < tenants.length; i++) {
      if (tenants[i]!.late !== 'drop') continue;
      for (const j of [...queues[i]!])
        if (!j.running && !staged.has(j) && now >= j.deadline) {
          end(j, 'dropped');
          any = true;
        }
    }
    if (anyDrop && policy.abandon !== undefined)
      for (const j of policy.abandon(state()))
        if (
          !j.running &&
          !staged.has(j) &&
          tenants[j.tenant]!.late === 'drop' &&
          queues[j.tenant]!.includes(j)
        ) {
          end(j, 'dropped');
          any = true;
        }
    return any;
  }

  /** A board event; returns the step it completed, if any. */
  function onEvent(ev: BoardEvent): Running | undefined {
    if (ev.kind === 'fault')
      throw new DeviceFault(
        `tile ${ev.tile} faulted: ${describeFault(ev.code)} at address 0x${ev.address.toString(16)}, cycle ${ev.cycle}, running ${describe(byTile[ev.tile])}`,
        { tile: ev.tile, address: ev.address, faultCode: ev.code },
      );
    if (ev.kind !== 'done') return undefined;
    const r = byTile[ev.tile];
    if (r === undefined || !r.pending.has(ev.tile))
      throw new DeviceFault(
        `tile ${ev.tile} reported done at cycle ${ev.cycle} but no program of the run was queued on it`,
        { tile: ev.tile },
      );
    r.pending.delete(ev.tile);
    return r.pending.size === 0 ? r : undefined;
  }

  /**
   * Step `r` ended at `now` (its barrier). If a successor was staged, one entry started
   * there — the only one, or the one whose id STARTED_ID shows (a replacement that landed
   * after the barrier was ignored by the board) — and is booked as started at the barrier,
   * or, when its write may have landed after it, at the first cycle read after the write
   * (the idle time so counted is an upper bound).
   */
  async function barrier(r: Running): Promise<void> {
    const b = now;
    stepDone(r);
    for (const t of r.tiles) lastBarrier[t] = b;
    if (r.staged.length === 0) return;
    let e: StagedChoice | undefined;
    if (r.staged.length === 1) e = r.staged[0];
    else {
      // One read when some tile has a program in every entry (the usual case: a lane's
      // first tile): its STARTED_ID names the entry that started. Else entry by entry.
      const common = r.staged[0]!.programs.find((p) =>
        r.staged.every((c) => c.programs.some((q) => q.tile === p.tile)),
      )?.tile;
      if (common !== undefined) {
        const id = await device.readRegister('STARTED_ID', common);
        e = r.staged.find((c) => c.id === id);
      } else
        for (const c of [...r.staged].reverse()) {
          const p = c.programs[0];
          if (p !== undefined && (await device.readRegister('STARTED_ID', p.tile)) === c.id) {
            e = c;
            break;
          }
        }
    }
    if (e === undefined)
      throw new DeviceFault(
        `none of the ${r.staged.length} programs staged behind ${describe(r)} started at its barrier (STARTED_ID)`,
      );
    const stamp = r.stamps.get(e.id)!;
    const late = stamp.by !== undefined && stamp.by > b;
    const at = late ? Math.max(b, stamp.after) : b;
    boundaryIdle.push(late ? stamp.by! - b : 0);
    for (const p of e.programs) shadow.applied(p.tile, p.set);
    const d = e.dispatch;
    started(
      d.job === e.job ? d : { ...d, job: e.job },
      e.job,
      e.variant,
      e.programs.map((p) => p.tile),
      at,
    );
  }

  /** The writes that make r's staged successor the policy's choice at r's barrier. */
  function restage(r: Running, stagedJobs: Set<number>): RegisterWrite[] {
    if (r.orphan) return [];
    const info = r.variant.info.steps;
    const d = choiceAtBarrier(policy, state(), {
      job: r.job,
      step: r.step,
      tiles: r.tiles,
      last: r.step + 1 >= info.length,
      lastLayer: info[r.step]!.layers.last,
      followingFirstLayer: info[r.step + 1]?.layers.first,
    });
    // Nothing to start there (or a request staged elsewhere): the entry already staged, if
    // any, stays (a cancel could land after the start, leaving the host unsure what runs).
    if (d === undefined) return [];
    const job = queues[d.job.tenant]!.find((j) => j.id === d.job.id);
    if (
      job === undefined ||
      (job !== r.job && (job.running || (stagedJobs.has(job.id) && r.choice?.job !== job)))
    )
      return [];
    if (r.choice !== undefined && sameDispatch(r.choice.dispatch, d)) return [];
    const v = checked(d);
    const c = stagedChoice(nextId++, d, job, v, shadow);
    const group = tileMask([...r.tiles, ...c.programs.map((p) => p.tile)]);
    const w = stagingWrites(group, c, r.choice);
    r.staged.push(c);
    r.choice = c;
    stagedJobs.add(job.id);
    return w;
  }

  function describe(r: Running | undefined): string {
    return r === undefined
      ? 'nothing of this run'
      : `request ${r.job.id} of ${tenants[r.job.tenant]!.name}, step ${r.step}`;
  }
}
