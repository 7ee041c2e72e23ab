// The Device contract over the serial wire protocol (any ByteChannel: a serial port, a PTY,
// an in-memory pipe, the fault shim). Bulk memory is split into frame-sized chunks that are
// all queued at once, so the session keeps a window of them in flight.
import { findBoard, BOARDS } from '../../boards/definitions.ts';
import { ConfigError, ProtocolError } from '../../boards/errors.ts';
import type { AdvanceResult, BoardInfo } from '../../boards/events.ts';
import type { RegisterName } from '../../boards/registers.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import {
  decodeInfo,
  decodeValue,
  encodeAddress,
  encodeAddressLength,
  encodeAddressValue,
  encodeAdvanceRequest,
  encodeWriteMem,
  encodeWriteRegs,
  WRITE_REGS_ENTRY_BYTES,
  WRITE_REGS_HEADER_BYTES,
} from '../../boards/wire/messages.ts';
import { DEFAULT_WINDOW, LinkCaps, MsgType } from '../../boards/wire/protocol.ts';
import type { Device, HelloInfo, RegisterWrite } from '../device.ts';
import {
  checkCycle,
  checkMemoryArgs,
  checkRegisterValue,
  resolveRegister,
} from '../link/register-address.ts';
import type { ByteChannel } from './channel.ts';
import { LinkSession, type LinkOptions } from './session.ts';

export interface SerialDeviceOptions extends LinkOptions {
  /** Board definition to assume; default: the catalogue entry matching the board's id. */
  readonly board?: BoardDefinition;
  /** Transport name reported by hello() (default "serial"). */
  readonly transport?: string;
}

export class SerialDevice implements Device {
  private constructor(
    private readonly session: LinkSession,
    readonly board: BoardDefinition,
    private info: BoardInfo,
    private readonly transport: string,
    readonly linkBytesPerSecond: number | undefined,
  ) {}

  /** Opens a session on `channel` (flushing stale input) and identifies the board. */
  static async connect(channel: ByteChannel, opts: SerialDeviceOptions = {}): Promise<SerialDevice> {
    const session = new LinkSession(channel, opts);
    try {
      await session.start();
      const info = decodeInfo(await session.request(MsgType.INFO, new Uint8Array(0)));
      const board = opts.board ?? boardFor(info.boardId);
      const rate = opts.baud === undefined ? undefined : opts.baud / 10;
      return new SerialDevice(session, board, info, opts.transport ?? 'serial', rate);
    } catch (err) {
      await session.close().catch(() => undefined);
      throw err;
    }
  }

  get link(): LinkSession {
    return this.session;
  }

  async hello(): Promise<HelloInfo> {
    this.info = decodeInfo(await this.session.request(MsgType.INFO, new Uint8Array(0)));
    return { ...this.info, protocolVersion: this.session.version, transport: this.transport };
  }

  async readRegister(name: RegisterName, tile?: number): Promise<number> {
    const address = resolveRegister(name, tile, this.info.tiles);
    return decodeValue(
      await this.session.request(MsgType.READ_REG, encodeAddress(address)),
      'READ_REG reply',
    );
  }

  async writeRegister(name: RegisterName, value: number, tile?: number): Promise<void> {
    const address = resolveRegister(name, tile, this.info.tiles);
    checkRegisterValue(name, value);
    await this.session.request(MsgType.WRITE_REG, encodeAddressValue(address, value));
  }

  /** One WRITE_REGS frame per payload's worth of writes when the board granted
   *  BATCH_WRITES; otherwise WRITE_REG after WRITE_REG. */
  async writeRegisters(writes: readonly RegisterWrite[]): Promise<void> {
    const resolved = writes.map((w) => {
      const address = resolveRegister(w.name, w.tile, this.info.tiles);
      checkRegisterValue(w.name, w.value);
      return { address, value: w.value };
    });
    if ((this.session.linkCaps & LinkCaps.BATCH_WRITES) === 0) {
      for (const w of resolved)
        await this.session.request(MsgType.WRITE_REG, encodeAddressValue(w.address, w.value));
      return;
    }
    const per = Math.max(
      1,
      Math.floor((this.session.maxPayload - WRITE_REGS_HEADER_BYTES) / WRITE_REGS_ENTRY_BYTES),
    );
    for (let i = 0; i < resolved.length; i += per)
      await this.session.request(MsgType.WRITE_REGS, encodeWriteRegs(resolved.slice(i, i + per)));
  }

  async readMemory(address: number, length: number): Promise<Uint8Array> {
    checkMemoryArgs(address, length);
    const out = new Uint8Array(length);
    const chunk = this.chunkBytes();
    const parts: (() => Promise<void>)[] = [];
    for (let off = 0; off < length; off += chunk) {
      const n = Math.min(chunk, length - off);
      parts.push(() =>
        this.session.request(MsgType.READ_MEM, encodeAddressLength(address + off, n)).then((data) => {
          if (data.length !== n)
            throw new ProtocolError(
              `READ_MEM at 0x${(address + off).toString(16)}: asked ${n} bytes, got ${data.length}`,
            );
          out.set(data, off);
        }),
      );
    }
    await pipelined(parts);
    return out;
  }

  async writeMemory(address: number, data: Uint8Array): Promise<void> {
    checkMemoryArgs(address, data.length);
    const chunk = this.chunkBytes();
    const parts: (() => Promise<unknown>)[] = [];
    for (let off = 0; off < data.length; off += chunk) {
      parts.push(() =>
        this.session.request(
          MsgType.WRITE_MEM,
          encodeWriteMem(address + off, data.subarray(off, off + chunk)),
        ),
      );
    }
    await pipelined(parts);
  }

  async advance(untilCycle: number): Promise<AdvanceResult> {
    checkCycle(untilCycle);
    const { reply, events } = await this.session.advance(encodeAdvanceRequest(Math.floor(untilCycle)));
    return { cycle: reply.cycle, events };
  }

  async reset(): Promise<void> {
    await this.session.request(MsgType.RESET, new Uint8Array(0));
    this.info = decodeInfo(await this.session.request(MsgType.INFO, new Uint8Array(0)));
  }

  close(): Promise<void> {
    return this.session.close();
  }

  /** Data bytes per bulk frame: the payload minus the 4-byte address, kept a multiple of 16. */
  private chunkBytes(): number {
    return Math.max(16, (this.session.maxPayload - 4) & ~15);
  }
}

/** Chunk requests a bulk transfer keeps queued: enough to keep the session's window full. */
const BULK_QUEUED_CHUNKS = 2 * DEFAULT_WINDOW;

/**
 * Runs a bulk transfer's chunk requests with a bounded number queued, so the session
 * pipelines them. After the first failure no further chunk is issued (a dead board fails
 * the transfer after one timeout, not one per chunk); the call returns only when every
 * issued chunk has settled, then throws the first error.
 */
async function pipelined(parts: readonly (() => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const pending = new Set<Promise<void>>();
  for (;;) {
    while (!failed && next < parts.length && pending.size < BULK_QUEUED_CHUNKS) {
      const p: Promise<void> = parts[next++]!()
        .then(
          () => undefined,
          (err: unknown) => {
            if (!failed) {
              failed = true;
              firstError = err;
            }
          },
        )
        .finally(() => pending.delete(p));
      pending.add(p);
    }
    if (pending.size === 0) break;
    await Promise.race(pending);
  }
  if (failed) throw firstError;
}

function boardFor(boardId: string): BoardDefinition {
  const byId = findBoard(boardId) ?? Object.values(BOARDS).find((b) => b.boardIdCode === boardId);
  if (byId === undefined) {
    throw new ConfigError(
      `the board reports id "${boardId}", which is not in the catalogue (${Object.values(BOARDS)
        .map((b) => `${b.id}=${b.boardIdCode}`)
        .join(', ')}); pass the board definition explicitly`,
    );
  }
  return byId;
}
