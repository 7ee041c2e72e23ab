// Boot state as an append-only log of 32-byte records in two flash sectors, so that losing
// power at any moment leaves either the old or the new state readable, never neither:
// - a record carries a sequence number and a CRC-32; the valid record with the highest
//   sequence number is the state; torn or garbage records fail their CRC and are skipped;
// - records are appended into erased slots of the sector holding the newest record; only
//   when that sector is full is the *other* sector erased and the next record written
//   there, so the newest valid record always survives an interrupted erase or program.
// No valid record at all (a fresh board) means: slot A confirmed, no trial.
import { crc32 } from 'node:zlib';
import type { NorFlash } from './nor.ts';
import {
  BOOT_RECORD_BYTES,
  BOOT_RECORD_MAGIC,
  NO_SLOT,
  TRIAL_ATTEMPTED,
  TRIAL_NONE,
  TRIAL_PENDING,
} from './layout.ts';

export type SlotIndex = 0 | 1;

export interface BootState {
  readonly confirmed: SlotIndex;
  /** Slot selected for a test boot, or undefined. */
  readonly trialSlot: SlotIndex | undefined;
  readonly trialState: typeof TRIAL_NONE | typeof TRIAL_PENDING | typeof TRIAL_ATTEMPTED;
}

export const FRESH_STATE: BootState = { confirmed: 0, trialSlot: undefined, trialState: TRIAL_NONE };

interface Located {
  readonly state: BootState;
  readonly seq: number;
  readonly sector: number;
  readonly slot: number;
}

export function encodeRecord(state: BootState, seq: number): Uint8Array {
  const rec = new Uint8Array(BOOT_RECORD_BYTES);
  const dv = new DataView(rec.buffer);
  dv.setUint32(0, BOOT_RECORD_MAGIC, true);
  dv.setUint32(4, seq >>> 0, true);
  rec[8] = state.confirmed;
  rec[9] = state.trialSlot ?? NO_SLOT;
  rec[10] = state.trialState;
  dv.setUint32(28, crc32(rec.subarray(0, 28)), true);
  return rec;
}

export function decodeRecord(rec: Uint8Array): { state: BootState; seq: number } | undefined {
  const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  if (dv.getUint32(0, true) !== BOOT_RECORD_MAGIC || dv.getUint32(28, true) !== crc32(rec.subarray(0, 28)))
    return undefined;
  const confirmed = rec[8]!;
  const trialSlot = rec[9]!;
  const trialState = rec[10]!;
  if (confirmed > 1 || (trialSlot > 1 && trialSlot !== NO_SLOT) || trialState > TRIAL_ATTEMPTED)
    return undefined;
  if ((trialState === TRIAL_NONE) !== (trialSlot === NO_SLOT)) return undefined;
  return {
    seq: dv.getUint32(4, true),
    state: {
      confirmed: confirmed as SlotIndex,
      trialSlot: trialSlot === NO_SLOT ? undefined : (trialSlot as SlotIndex),
      trialState: trialState as BootState['trialState'],
    },
  };
}

export class BootStateStore {
  private readonly firstSector: number;
  private readonly perSector: number;

  constructor(
    private readonly nor: NorFlash,
    region: { base: number; bytes: number },
  ) {
    if (region.bytes < 2 * nor.sectorBytes || region.base % nor.sectorBytes !== 0)
      throw new RangeError('boot state needs two whole flash sectors');
    this.firstSector = region.base / nor.sectorBytes;
    this.perSector = nor.sectorBytes / BOOT_RECORD_BYTES;
  }

  read(): BootState {
    return this.newest()?.state ?? FRESH_STATE;
  }

  write(state: BootState): void {
    const newest = this.newest();
    const seq = newest === undefined ? 1 : newest.seq + 1;
    const sector = newest?.sector ?? 0;
    const free = this.firstFree(sector, newest === undefined ? 0 : newest.slot + 1);
    if (free !== undefined) {
      this.nor.programPage(this.address(sector, free), encodeRecord(state, seq));
      return;
    }
    const other = 1 - sector;
    this.nor.eraseSector(this.firstSector + other);
    this.nor.programPage(this.address(other, 0), encodeRecord(state, seq));
  }

  private address(sector: number, slot: number): number {
    return (this.firstSector + sector) * this.nor.sectorBytes + slot * BOOT_RECORD_BYTES;
  }

  private newest(): Located | undefined {
    let best: Located | undefined;
    for (let sector = 0; sector < 2; sector++) {
      for (let slot = 0; slot < this.perSector; slot++) {
        const rec = decodeRecord(this.nor.read(this.address(sector, slot), BOOT_RECORD_BYTES));
        if (rec !== undefined && (best === undefined || rec.seq > best.seq)) best = { ...rec, sector, slot };
      }
    }
    return best;
  }

  /** First fully erased record slot at or after `from`; anything else (torn records, garbage) counts as used. */
  private firstFree(sector: number, from: number): number | undefined {
    for (let slot = from; slot < this.perSector; slot++) {
      if (this.nor.read(this.address(sector, slot), BOOT_RECORD_BYTES).every((b) => b === 0xff)) return slot;
    }
    return undefined;
  }
}
