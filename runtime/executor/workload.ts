// Compiled variants of each tenant's model, placed in disjoint DRAM regions and uploaded
// to the board before a run. The compiler is injected (runtime/compiler's compileModel
// behind a small adapter) so the executor depends only on the shape of its output.
import { ConfigError } from '../../boards/errors.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import type { Device } from '../../drivers/device.ts';
import type { GranuleSpec, StepInfo, VariantInfo, VariantRequest } from '../scheduler/types.ts';
import { variantKey } from '../scheduler/types.ts';

/** The parts of runtime/compiler's CompiledModel the executor uses. */
export interface CompiledLike {
  readonly steps: readonly {
    readonly index: number;
    readonly layers: { readonly first: number; readonly last: number };
    readonly programs: readonly {
      readonly tile: number;
      readonly address: number;
      readonly bytes: Uint8Array;
    }[];
    readonly macs: number;
    readonly readBytes: number;
    readonly writeBytes: number;
    readonly estCycles: number;
    /** Loop tiles of the busiest tile (absent: 1). */
    readonly loopTiles?: number;
    /** MoCA's DRAM-traffic estimate (absent: readBytes). */
    readonly l2ReadBytes?: number;
  }[];
  readonly layout: { readonly regionBase: number; readonly regionBytes: number };
}

export type CompileFn = (
  model: string,
  tiles: number,
  granule: GranuleSpec,
  regionBase: number,
) => CompiledLike;

export interface PreparedVariant {
  /** Tenant and variant, for messages. */
  readonly label: string;
  readonly info: VariantInfo;
  readonly compiled: CompiledLike;
  readonly region: { readonly base: number; readonly limit: number };
}

const REGION_ALIGN = 64 * 1024;

/** Hands out disjoint, aligned DRAM regions of the board's window (first fit) and takes
 *  them back (`release`), so a long-lived runtime that adds and removes tenants reuses the
 *  space of removed ones; the top `reservedTop` bytes stay free. */
export class RegionAllocator {
  /** Free intervals [base, end), sorted by base, never adjacent (coalesced). */
  private holes: { base: number; end: number }[];
  private readonly end: number;
  constructor(
    private readonly def: BoardDefinition,
    reservedTop = 0,
  ) {
    this.end = def.dram.base + def.dram.bytes - reservedTop;
    this.holes = [{ base: def.dram.base, end: this.end }];
  }
  /** First byte of the window (where a variant is compiled to learn its size). */
  get base(): number {
    return this.def.dram.base;
  }
  /** The largest region that can be handed out now, bytes. */
  get free(): number {
    return this.holes.reduce((m, h) => Math.max(m, h.end - h.base), 0);
  }
  /** Bytes handed out and not released (aligned sizes). */
  get used(): number {
    return this.end - this.def.dram.base - this.holes.reduce((s, h) => s + h.end - h.base, 0);
  }
  /** Forgets every region handed out (their contents may be overwritten from now on). */
  clear(): void {
    this.holes = [{ base: this.def.dram.base, end: this.end }];
  }
  commit(bytes: number, what: string): { base: number; limit: number } {
    const size = Math.max(REGION_ALIGN, Math.ceil(bytes / REGION_ALIGN) * REGION_ALIGN);
    const at = this.holes.findIndex((h) => h.end - h.base >= size);
    if (at < 0)
      throw new ConfigError(
        `DRAM of board ${this.def.id} is full: ${what} needs ${bytes} bytes and the largest free region has ${this.free}; run fewer tenants or smaller models`,
      );
    const h = this.holes[at]!;
    const base = h.base;
    if (h.end - h.base === size) this.holes.splice(at, 1);
    else h.base += size;
    return { base, limit: base + bytes };
  }
  /** Gives a region back (from commit; its contents may be overwritten from now on). */
  release(region: { readonly base: number; readonly limit: number }): void {
    const base = region.base;
    const end = Math.max(base + REGION_ALIGN, Math.ceil(region.limit / REGION_ALIGN) * REGION_ALIGN);
    let i = 0;
    while (i < this.holes.length && this.holes[i]!.base < base) i++;
    const prev = this.holes[i - 1];
    const next = this.holes[i];
    if ((prev !== undefined && prev.end > base) || (next !== undefined && next.base < end))
      throw new Error(`internal: region 0x${base.toString(16)} released twice or never handed out`);
    if (prev !== undefined && prev.end === base) {
      prev.end = end;
      if (next !== undefined && next.base === end) {
        prev.end = next.end;
        this.holes.splice(i, 1);
      }
    } else if (next !== undefined && next.base === end) next.base = base;
    else this.holes.splice(i, 0, { base, end });
  }
}

export function variantInfo(req: VariantRequest, compiled: CompiledLike): VariantInfo {
  const steps: StepInfo[] = compiled.steps.map((s) => ({
    index: s.index,
    layers: s.layers,
    tiles: new Set(s.programs.map((p) => p.tile)).size,
    macs: s.macs,
    readBytes: s.readBytes,
    writeBytes: s.writeBytes,
    estCycles: s.estCycles,
    loopTiles: s.loopTiles ?? 1,
    l2ReadBytes: s.l2ReadBytes ?? s.readBytes,
  }));
  const remainingEst = new Array<number>(steps.length + 1).fill(0);
  for (let i = steps.length - 1; i >= 0; i--) remainingEst[i] = remainingEst[i + 1]! + steps[i]!.estCycles;
  return { key: variantKey(req), tiles: req.tiles, granule: req.granule, steps, remainingEst };
}

/** Compiles one variant into a fresh region. `bytes`: its region size when already known
 *  (it does not depend on where the region is); otherwise it is compiled once to learn it. */
export function prepareVariant(
  compile: CompileFn,
  model: string,
  req: VariantRequest,
  regions: RegionAllocator,
  label: string,
  bytes?: number,
): PreparedVariant {
  const need = bytes ?? compile(model, req.tiles, req.granule, regions.base).layout.regionBytes;
  const region = regions.commit(need, label);
  const compiled = compile(model, req.tiles, req.granule, region.base);
  if (compiled.layout.regionBase !== region.base || compiled.layout.regionBytes !== need)
    throw new Error(
      `internal: compiler placed ${label} at 0x${compiled.layout.regionBase.toString(16)} (${compiled.layout.regionBytes} bytes), asked 0x${region.base.toString(16)} (${need} bytes)`,
    );
  return { label, info: variantInfo(req, compiled), compiled, region };
}

/** Writes every program of a variant to the board (timing mode needs only the programs). */
export async function uploadPrograms(device: Device, v: PreparedVariant): Promise<void> {
  for (const s of v.compiled.steps) for (const p of s.programs) await device.writeMemory(p.address, p.bytes);
}
