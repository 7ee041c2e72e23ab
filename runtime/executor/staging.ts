// Staged next steps on a free-running board (docs/registers.md, "Staged next program";
// docs/scheduler.md, "The link"): what the policy would start on a running step's tiles at
// its barrier, and the register writes that stage it there. The executor keeps each
// running step's staged entry equal to that choice, so the barrier never waits for the host.
import type { RegisterWrite } from '../../drivers/device.ts';
import { stageWrites } from '../../drivers/staged.ts';
import type { Dispatch, Job, Policy, SchedState } from '../scheduler/types.ts';
import type { TileShadow } from './board-io.ts';
import type { PreparedVariant } from './workload.ts';

/** One staged choice: a dispatch, as the programs of its step on their physical tiles. */
export interface StagedChoice {
  /** Host id of the entry (NEXT_ID, unique in the run, never 0). */
  readonly id: number;
  readonly dispatch: Dispatch;
  /** The real job (the dispatch may name the hypothetical copy). */
  readonly job: Job;
  readonly variant: PreparedVariant;
  /** Physical tiles with a program in the step, and what each sets when it starts. */
  readonly programs: readonly {
    readonly tile: number;
    readonly address: number;
    readonly bytes: number;
    readonly set: { region?: { base: number; limit: number }; throttle?: number };
  }[];
}

/** A running step as the staging logic sees it. */
export interface RunningStep {
  readonly job: Job;
  readonly step: number;
  readonly tiles: readonly number[];
  /** Whether the step is the job's last (the job ends at the barrier). */
  readonly last: boolean;
  /** The step's last layer (for nextLayer). */
  readonly lastLayer: number;
  readonly followingFirstLayer: number | undefined;
}

/**
 * What `policy` would start on `r.tiles` once `r` has ended, with the queues as they are
 * now: the state at that barrier (r's tiles free, r's job one step further or ended) is
 * built from copies, so nothing real changes (policies are pure functions of the state).
 * Only a dispatch that fits inside r's tiles is a staged choice (the others would race the
 * host's own dispatches); undefined when the policy would start nothing there.
 */
export function choiceAtBarrier(policy: Policy, state: SchedState, r: RunningStep): Dispatch | undefined {
  const j = r.job;
  const queues = state.queues.map((q) => q.slice());
  const q = queues[j.tenant]!;
  const at = q.indexOf(j);
  if (at >= 0) {
    if (r.last) q.splice(at, 1);
    else
      q[at] = {
        ...j,
        running: false,
        step: r.step + 1,
        nextLayer:
          r.followingFirstLayer === undefined || r.followingFirstLayer > r.lastLayer
            ? r.lastLayer + 1
            : j.nextLayer,
      };
  }
  const tileJob = state.tileJob.slice();
  for (const t of r.tiles) tileJob[t] = undefined;
  const inside = new Set(r.tiles);
  return policy
    .decide({ ...state, queues, tileJob })
    .find((d) => d.tiles.length > 0 && d.tiles.every((t) => inside.has(t)));
}

/** Two dispatches start the same programs with the same settings. */
export function sameDispatch(a: Dispatch, b: Dispatch): boolean {
  return (
    a.job.id === b.job.id &&
    a.variant === b.variant &&
    a.step === b.step &&
    a.tiles.length === b.tiles.length &&
    a.tiles.every((t, i) => t === b.tiles[i]) &&
    a.throttle.every((v, i) => v === b.throttle[i]) &&
    (a.throttleSticky ?? false) === (b.throttleSticky ?? false)
  );
}

/** The programs of a dispatch's step on their physical tiles, with their settings. */
export function stagedChoice(
  id: number,
  d: Dispatch,
  job: Job,
  v: PreparedVariant,
  shadow: TileShadow,
): StagedChoice {
  const step = v.compiled.steps[d.step]!;
  return {
    id,
    dispatch: d,
    job,
    variant: v,
    programs: step.programs.map((p) => {
      const tile = d.tiles[p.tile]!;
      return {
        tile,
        address: p.address,
        bytes: p.bytes.length,
        set: shadow.stagedSettings(tile, v.region, d.throttle[p.tile] ?? 0, d.throttleSticky === true),
      };
    }),
  };
}

/** Bit mask of tiles. */
export function tileMask(tiles: Iterable<number>): number {
  let m = 0;
  for (const t of tiles) m |= 1 << t;
  return m >>> 0;
}

/**
 * The writes that make `next` the staged entry of the barrier group `group` (the running
 * step's tiles and the entry's own), in one batch. `replace`: only while the group's earlier
 * entry has not started (NEXT_ONLY_IF_STAGED), and tiles of `previous` that `next` leaves
 * out are cancelled after (a cancel after the start is a no-op). `next` undefined: cancel.
 */
export function stagingWrites(
  group: number,
  next: StagedChoice | undefined,
  previous: StagedChoice | undefined,
): RegisterWrite[] {
  const w: RegisterWrite[] = [];
  const used = new Set<number>();
  for (const p of next?.programs ?? []) {
    used.add(p.tile);
    w.push(
      { name: 'NEXT_GROUP', value: (group | (1 << p.tile)) >>> 0, tile: p.tile },
      ...stageWrites(
        p.tile,
        {
          address: p.address,
          bytes: p.bytes,
          id: next!.id,
          ...(p.set.region !== undefined ? { region: p.set.region } : {}),
          ...(p.set.throttle !== undefined ? { throttle: p.set.throttle } : {}),
        },
        previous !== undefined,
      ),
    );
  }
  for (const p of previous?.programs ?? [])
    if (!used.has(p.tile)) w.push({ name: 'NEXT_CTRL', value: 0, tile: p.tile });
  return w;
}
