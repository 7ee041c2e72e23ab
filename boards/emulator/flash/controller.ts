// The flash controller + boot ROM peripheral: FLASH_* registers (0x100–0x1ff) in front of a
// NOR array, the staging window the host fills with writeMemory(), and the boot ROM.
// Command set and status codes: docs/flashing.md. Writing FLASH_CMD runs one command to
// completion; FLASH_STATUS/FLASH_RESULT then hold its outcome and busyCycles its cost.
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import type { BoardDefinition, MemoryRegion } from '../../types.ts';
import type { BootResult, FlashPeripheral } from '../api.ts';
import { GLOBAL_REGISTERS as R } from '../../registers.ts';
import { BootStateStore, type BootState, type SlotIndex } from './boot-state.ts';
import { runBootRom, type BootOutcome } from './boot-rom.ts';
import {
  BOOT,
  BOOT_ACTION,
  CMD,
  ENCODING,
  FLASH_PROTOCOL_VERSION,
  FLASH_STATUS as S,
  INFO_FIELDS,
  INFO_MAGIC,
  NO_SLOT,
  TRIAL_NONE,
  TRIAL_PENDING,
} from './layout.ts';
import { NorFlash, type PowerCut } from './nor.ts';
import { verifySlot, type ProvisionedKey, type SlotVerdict } from './verify.ts';

/** Timing of a typical serial NOR part (4 KiB sector erase ≈ 45 ms, 256 B page program ≈ 0.7 ms). */
const SECTOR_ERASE_SECONDS = 45e-3;
const PAGE_PROGRAM_SECONDS = 0.7e-3;
const HASH_BYTES_PER_CYCLE = 4;
const COMMAND_CYCLES = 100;

class CommandFailed extends Error {
  constructor(
    readonly status: number,
    readonly result = 0,
  ) {
    super(`flash status ${status}`);
  }
}

export class EmulatedFlash implements FlashPeripheral {
  readonly nor: NorFlash;
  private readonly store: BootStateStore;
  private readonly regs = { addr: 0, len: 0, arg: 0, status: 0, result: 0 };
  private cycles = 0;
  private last: BootOutcome | undefined;

  constructor(
    readonly def: BoardDefinition,
    private readonly keys: readonly ProvisionedKey[],
    contents: Uint8Array,
    seed: number,
    private readonly onChange?: () => void,
  ) {
    const f = def.flash;
    if (contents.length !== f.bytes)
      throw new RangeError(`flash contents are ${contents.length} bytes; board ${def.id} has ${f.bytes}`);
    this.nor = new NorFlash(f.sectorBytes, f.pageBytes, contents, seed);
    this.store = new BootStateStore(this.nor, f.bootState);
  }

  get busyCycles(): number {
    return this.cycles;
  }

  /** Outcome of the last boot (undefined before the first). */
  get lastBoot(): BootOutcome | undefined {
    return this.last;
  }

  trustedKeyIds(): readonly string[] {
    return this.keys.map((k) => k.id);
  }

  bootState(): BootState {
    return this.store.read();
  }

  /** A copy of the raw flash (persisting a board, power-loss tests). */
  flashBytes(): Uint8Array {
    return new Uint8Array(this.nor.bytes);
  }

  setFlashBytes(bytes: Uint8Array): void {
    if (bytes.length !== this.nor.bytes.length)
      throw new RangeError(
        `flash image is ${bytes.length} bytes; this board's flash is ${this.nor.bytes.length}`,
      );
    this.nor.bytes.set(bytes);
  }

  armPowerCut(cut: PowerCut | undefined): void {
    this.nor.armPowerCut(cut);
  }

  boot(): BootResult {
    this.nor.powerUp();
    this.regs.status = 0;
    this.regs.result = 0;
    const opsBefore = this.nor.ops.length;
    this.last = runBootRom(this.store, (slot) => this.verify(slot));
    if (this.nor.ops.length !== opsBefore) this.onChange?.();
    return this.last.result;
  }

  trialNow(): boolean {
    return this.last?.result.trial ?? false;
  }

  readRegister(offset: number): number {
    switch (offset) {
      case R.FLASH_ADDR:
        return this.regs.addr;
      case R.FLASH_LEN:
        return this.regs.len;
      case R.FLASH_ARG:
        return this.regs.arg;
      case R.FLASH_STATUS:
        return this.regs.status;
      case R.FLASH_RESULT:
        return this.regs.result;
      default:
        return 0;
    }
  }

  writeRegister(offset: number, value: number, staging: Uint8Array): void {
    const v = value >>> 0;
    this.cycles = 0;
    if (offset === R.FLASH_ADDR) this.regs.addr = v;
    else if (offset === R.FLASH_LEN) this.regs.len = v;
    else if (offset === R.FLASH_ARG) this.regs.arg = v;
    else if (offset === R.FLASH_CMD) this.command(v, staging);
  }

  private verify(slot: SlotIndex): SlotVerdict {
    const r = this.slotRegion(slot);
    return verifySlot(this.nor.read(r.base, r.bytes), this.def.boardIdCode, this.def.tiles, this.keys);
  }

  private slotRegion(slot: SlotIndex): MemoryRegion {
    return slot === 0 ? this.def.flash.slotA : this.def.flash.slotB;
  }

  private command(cmd: number, staging: Uint8Array): void {
    this.cycles = COMMAND_CYCLES;
    const opsBefore = this.nor.ops.length;
    try {
      this.regs.result = this.run(cmd, staging);
      this.regs.status = S.OK;
    } catch (err) {
      if (!(err instanceof CommandFailed)) throw err; // a power cut: the board is dead
      this.regs.status = err.status;
      this.regs.result = err.result;
    }
    if (this.nor.ops.length !== opsBefore) this.onChange?.();
  }

  private run(cmd: number, staging: Uint8Array): number {
    const { addr, len, arg } = this.regs;
    switch (cmd) {
      case CMD.SYNC:
        return ~arg >>> 0;
      case CMD.INFO:
        return this.info(staging);
      case CMD.ERASE:
        return this.erase(addr, len);
      case CMD.PROGRAM:
        return this.program(addr, len, arg, staging);
      case CMD.HASH: {
        if (addr + len > this.def.flash.bytes) throw new CommandFailed(S.BAD_RANGE);
        staging.set(createHash('sha256').update(this.nor.read(addr, len)).digest(), 0);
        this.cycles += Math.ceil(len / HASH_BYTES_PER_CYCLE);
        return 32;
      }
      case CMD.VERIFY_SLOT: {
        if (arg > 1) throw new CommandFailed(S.BAD_RANGE);
        return this.verify(arg as SlotIndex).code;
      }
      case CMD.SET_BOOT:
        return this.setBoot(arg & 0xff, (arg >>> 8) & 0xff);
      default:
        throw new CommandFailed(S.BAD_COMMAND);
    }
  }

  private info(staging: Uint8Array): number {
    const f = this.def.flash;
    const b = this.last;
    const st = this.store.read();
    const values: Record<(typeof INFO_FIELDS)[number], number> = {
      magic: INFO_MAGIC,
      protocolVersion: FLASH_PROTOCOL_VERSION,
      flashBytes: f.bytes,
      sectorBytes: f.sectorBytes,
      pageBytes: f.pageBytes,
      slotABase: f.slotA.base,
      slotABytes: f.slotA.bytes,
      slotBBase: f.slotB.base,
      slotBBytes: f.slotB.bytes,
      stagingBytes: staging.length,
      encodings: (1 << ENCODING.RAW) | (1 << ENCODING.ZLIB),
      bootedSlot: b?.booted ?? NO_SLOT,
      trial: b?.result.trial === true && b.booted !== undefined ? 1 : 0,
      confirmedSlot: st.confirmed,
      trialSlot: st.trialSlot ?? NO_SLOT,
      trialState: st.trialState,
      slotACode: b?.codes[0] ?? BOOT.EMPTY,
      slotBCode: b?.codes[1] ?? BOOT.EMPTY,
    };
    const dv = new DataView(staging.buffer, staging.byteOffset, staging.byteLength);
    INFO_FIELDS.forEach((name, i) => dv.setUint32(4 * i, values[name] >>> 0, true));
    return 4 * INFO_FIELDS.length;
  }

  /** Slots the host may not erase or program: the one running, and (during a test boot) the confirmed fallback. */
  private isProtected(slot: SlotIndex): boolean {
    const b = this.last;
    if (b === undefined) return false;
    if (b.booted === slot) return true;
    return b.result.trial && b.state.confirmed === slot && b.codes[slot] === BOOT.OK;
  }

  /** The slot wholly containing [addr, addr+len), checked writable. */
  private writableSlot(addr: number, len: number): SlotIndex {
    for (const slot of [0, 1] as const) {
      const r = this.slotRegion(slot);
      if (addr >= r.base && addr + len <= r.base + r.bytes) {
        if (this.isProtected(slot)) throw new CommandFailed(S.SLOT_IN_USE, slot);
        return slot;
      }
    }
    throw new CommandFailed(S.BAD_RANGE);
  }

  private erase(addr: number, len: number): number {
    const sector = this.def.flash.sectorBytes;
    if (len === 0 || addr % sector !== 0 || len % sector !== 0) throw new CommandFailed(S.BAD_RANGE);
    this.writableSlot(addr, len);
    for (let s = addr / sector; s < (addr + len) / sector; s++) {
      this.nor.eraseSector(s);
      this.cycles += Math.round(SECTOR_ERASE_SECONDS * this.def.clockHz);
    }
    return len;
  }

  private program(addr: number, len: number, arg: number, staging: Uint8Array): number {
    const encoding = arg >>> 24;
    const encodedLen = arg & 0xffffff;
    if (len === 0 || encodedLen > staging.length) throw new CommandFailed(S.BAD_RANGE);
    this.writableSlot(addr, len);
    let data: Uint8Array;
    if (encoding === ENCODING.RAW) {
      if (encodedLen !== 0 && encodedLen !== len) throw new CommandFailed(S.DECODE);
      data = staging.subarray(0, len);
    } else if (encoding === ENCODING.ZLIB) {
      try {
        data = inflateSync(staging.subarray(0, encodedLen), { maxOutputLength: len });
      } catch {
        throw new CommandFailed(S.DECODE);
      }
      if (data.length !== len) throw new CommandFailed(S.DECODE);
    } else {
      throw new CommandFailed(S.BAD_COMMAND);
    }
    const page = this.def.flash.pageBytes;
    for (let at = 0; at < len;) {
      const n = Math.min(page - ((addr + at) % page), len - at);
      this.nor.programPage(addr + at, data.subarray(at, at + n));
      this.cycles += Math.round(PAGE_PROGRAM_SECONDS * this.def.clockHz);
      at += n;
    }
    const written = this.nor.read(addr, len);
    for (let i = 0; i < len; i++)
      if (written[i] !== data[i]) throw new CommandFailed(S.PROGRAM_VERIFY, addr + i);
    return len;
  }

  private setBoot(action: number, slot: number): number {
    const b = this.last;
    const st = this.store.read();
    const running = b?.booted;
    const inTrial = b?.result.trial === true;
    if (action === BOOT_ACTION.TEST) {
      if (slot > 1 || slot === running) throw new CommandFailed(S.BAD_STATE);
      if (inTrial) throw new CommandFailed(S.BAD_STATE);
      const code = this.verify(slot as SlotIndex).code;
      if (code !== BOOT.OK) throw new CommandFailed(S.IMAGE_INVALID, code);
      this.store.write({
        confirmed: running ?? st.confirmed,
        trialSlot: slot as SlotIndex,
        trialState: TRIAL_PENDING,
      });
      return slot;
    }
    if (action === BOOT_ACTION.CONFIRM) {
      if (!inTrial || running === undefined) throw new CommandFailed(S.BAD_STATE);
      this.store.write({ confirmed: running, trialSlot: undefined, trialState: TRIAL_NONE });
      this.last = { ...b!, result: { ...b!.result, trial: false }, state: this.store.read() };
      return running;
    }
    if (action === BOOT_ACTION.ROLLBACK) {
      if (inTrial || st.trialState !== TRIAL_NONE) {
        this.store.write({ confirmed: st.confirmed, trialSlot: undefined, trialState: TRIAL_NONE });
        return st.confirmed;
      }
      const other = (1 - (running ?? st.confirmed)) as SlotIndex;
      const code = this.verify(other).code;
      if (code !== BOOT.OK) throw new CommandFailed(S.IMAGE_INVALID, code);
      this.store.write({ confirmed: other, trialSlot: undefined, trialState: TRIAL_NONE });
      return other;
    }
    throw new CommandFailed(S.BAD_COMMAND);
  }
}
