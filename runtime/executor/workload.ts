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

/** Hands out disjoint, aligned DRAM regions from the bottom of the board's window; the
 *  top `reservedTop` bytes stay free (the interference probe uses them). */
export class RegionAllocator {
  private next: number;
  private readonly end: number;
  constructor(
    private readonly def: BoardDefinition,
    reservedTop = 0,
  ) {
    this.next = def.dram.base;
    this.end = def.dram.base + def.dram.bytes - reservedTop;
  }
  get cursor(): number {
    return this.next;
  }
  /** Bytes still free. */
  get free(): number {
    return this.end - this.next;
  }
  /** Forgets every region handed out (their contents may be overwritten from now on). */
  clear(): void {
    this.next = this.def.dram.base;
  }
  commit(bytes: number, what: string): { base: number; limit: number } {
    const base = this.next;
    const limit = base + bytes;
    if (limit > this.end)
      throw new ConfigError(
        `DRAM of board ${this.def.id} is full: ${what} needs ${bytes} bytes at 0x${base.toString(16)}; run fewer tenants or smaller models`,
      );
    this.next = Math.ceil(limit / REGION_ALIGN) * REGION_ALIGN;
    return { base, limit };
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

/** Compiles one variant into a fresh region. */
export function prepareVariant(
  compile: CompileFn,
  model: string,
  req: VariantRequest,
  regions: RegionAllocator,
  label: string,
): PreparedVariant {
  const compiled = compile(model, req.tiles, req.granule, regions.cursor);
  if (compiled.layout.regionBase !== regions.cursor)
    throw new Error(
      `internal: compiler placed ${label} at 0x${compiled.layout.regionBase.toString(16)}, asked 0x${regions.cursor.toString(16)}`,
    );
  const region = regions.commit(compiled.layout.regionBytes, label);
  return { label, info: variantInfo(req, compiled), compiled, region };
}

/** Writes every program of a variant to the board (timing mode needs only the programs). */
export async function uploadPrograms(device: Device, v: PreparedVariant): Promise<void> {
  for (const s of v.compiled.steps) for (const p of s.programs) await device.writeMemory(p.address, p.bytes);
}
