// A NOR flash array: erased bytes read 0xFF, programming can only clear bits (new = old AND
// data), erase works on whole sectors. Every erase of a sector and every program of a page
// is one numbered "operation", so a test can cut the power before or in the middle of any
// of them. A cut mid-erase leaves the sector partly erased and partly garbage; a cut
// mid-program leaves the page partly programmed with some bits of the rest cleared. After
// a cut the array is dead (every call throws DisconnectedError) until it is powered up
// again from its bytes.
import { DisconnectedError } from '../../errors.ts';

export type FlashOpKind = 'erase' | 'program';

export interface PowerCut {
  /** Index of the operation (0-based, counted since this array was created) to cut at. */
  readonly atOp: number;
  /** 'before': the operation never starts. 'mid': it is interrupted half way. */
  readonly phase: 'before' | 'mid';
}

export interface FlashOp {
  readonly kind: FlashOpKind;
  /** First flash byte the operation touches. */
  readonly offset: number;
}

/** xorshift32: a seeded generator for the garbage an interrupted operation leaves. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

export class NorFlash {
  readonly bytes: Uint8Array;
  /** Every operation started, in order (the power-loss tests enumerate these). */
  readonly ops: FlashOp[] = [];
  private cut: PowerCut | undefined;
  private dead = false;
  private readonly rand: () => number;

  constructor(
    readonly sectorBytes: number,
    readonly pageBytes: number,
    contents: Uint8Array,
    seed = 1,
  ) {
    this.bytes = new Uint8Array(contents);
    this.rand = xorshift(seed);
  }

  get powered(): boolean {
    return !this.dead;
  }

  armPowerCut(cut: PowerCut | undefined): void {
    this.cut = cut;
  }

  /** Power-on (board reset). After a cut the array works again and the spent cut is
   *  dropped; a cut armed for a later operation stays armed (it may hit the boot ROM). */
  powerUp(): void {
    if (!this.dead) return;
    this.dead = false;
    this.cut = undefined;
  }

  read(offset: number, length: number): Uint8Array {
    this.alive();
    return this.bytes.subarray(offset, offset + length);
  }

  eraseSector(sector: number): void {
    const base = sector * this.sectorBytes;
    this.begin('erase', base, () => {
      // Erase drives cells towards 1 in no particular order: the first part of the sector
      // is done, the rest holds old data with random bits already set.
      const half = base + this.sectorBytes / 2;
      this.bytes.fill(0xff, base, half);
      for (let i = half; i < base + this.sectorBytes; i++)
        this.bytes[i] = (this.bytes[i]! | (this.rand() & 0xff)) & 0xff;
    });
    this.bytes.fill(0xff, base, base + this.sectorBytes);
  }

  /** Programs `data` (at most one page, not crossing a page boundary) at `offset`. */
  programPage(offset: number, data: Uint8Array): void {
    this.begin('program', offset, () => {
      const half = data.length >>> 1;
      for (let i = 0; i < half; i++) this.bytes[offset + i]! &= data[i]!;
      for (let i = half; i < data.length; i++) this.bytes[offset + i]! &= data[i]! | (this.rand() & 0xff);
    });
    for (let i = 0; i < data.length; i++) this.bytes[offset + i]! &= data[i]!;
  }

  private alive(): void {
    if (this.dead)
      throw new DisconnectedError(
        'board lost power (injected flash power cut); power it up again from its flash bytes',
      );
  }

  private begin(kind: FlashOpKind, offset: number, partial: () => void): void {
    this.alive();
    const index = this.ops.length;
    this.ops.push({ kind, offset });
    const cut = this.cut;
    if (cut === undefined || cut.atOp !== index) return;
    if (cut.phase === 'mid') partial();
    this.dead = true;
    this.alive();
  }
}
