// Payload layouts of every message type (docs/protocol.md, "Messages"). Encoders build
// little-endian bytes; decoders are binary-parser parsers and raise ProtocolError for a
// payload that does not fit its type. Shared by host and board.
import { Parser } from 'binary-parser';
import { ProtocolError } from '../errors.ts';
import type { BoardEvent, BoardInfo } from '../events.ts';

const TWO32 = 0x1_0000_0000;
const utf8 = new TextEncoder();

// ---- helpers ---------------------------------------------------------------------------

function parse<T>(parser: Parser, payload: Uint8Array, what: string, exactBytes?: number): T {
  if (exactBytes !== undefined && payload.length !== exactBytes)
    throw new ProtocolError(`${what}: payload is ${payload.length} bytes, expected ${exactBytes}`);
  try {
    return parser.parse(payload) as T;
  } catch (err) {
    throw new ProtocolError(
      `${what}: malformed payload of ${payload.length} bytes (${err instanceof Error ? err.message : String(err)})`,
      { cause: err },
    );
  }
}

function u64(lo: number, hi: number): number {
  return hi * TWO32 + lo;
}

function putU64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % TWO32, true);
  dv.setUint32(off + 4, Math.floor(v / TWO32), true);
}

function bytes(n: number): { b: Uint8Array; dv: DataView } {
  const b = new Uint8Array(n);
  return { b, dv: new DataView(b.buffer) };
}

// ---- SYNC ------------------------------------------------------------------------------

export interface SyncRequest {
  minVersion: number;
  maxVersion: number;
  caps: number;
  nonce: number;
  maxPayload: number;
  firstSeq: number;
}
export interface SyncReply {
  version: number;
  caps: number;
  maxPayload: number;
  replyCacheDepth: number;
  reorderDepth: number;
  nextEventSeq: number;
}

const syncRequestParser = new Parser()
  .endianness('little')
  .uint8('minVersion')
  .uint8('maxVersion')
  .uint16('caps')
  .uint32('nonce')
  .uint16('maxPayload')
  .uint16('firstSeq');
const syncReplyParser = new Parser()
  .endianness('little')
  .uint8('version')
  .uint8('reserved')
  .uint16('caps')
  .uint16('maxPayload')
  .uint16('replyCacheDepth')
  .uint16('reorderDepth')
  .uint16('reserved2')
  .uint32('nextEventSeq');

export function encodeSyncRequest(r: SyncRequest): Uint8Array {
  const { b, dv } = bytes(12);
  dv.setUint8(0, r.minVersion);
  dv.setUint8(1, r.maxVersion);
  dv.setUint16(2, r.caps, true);
  dv.setUint32(4, r.nonce >>> 0, true);
  dv.setUint16(8, r.maxPayload, true);
  dv.setUint16(10, r.firstSeq, true);
  return b;
}
export function decodeSyncRequest(p: Uint8Array): SyncRequest {
  return parse<SyncRequest>(syncRequestParser, p, 'SYNC request', 12);
}
export function encodeSyncReply(r: SyncReply): Uint8Array {
  const { b, dv } = bytes(16);
  dv.setUint8(0, r.version);
  dv.setUint16(2, r.caps, true);
  dv.setUint16(4, r.maxPayload, true);
  dv.setUint16(6, r.replyCacheDepth, true);
  dv.setUint16(8, r.reorderDepth, true);
  dv.setUint32(12, r.nextEventSeq >>> 0, true);
  return b;
}
export function decodeSyncReply(p: Uint8Array): SyncReply {
  return parse<SyncReply>(syncReplyParser, p, 'SYNC reply', 16);
}

// ---- INFO ------------------------------------------------------------------------------

const INFO_CAP = { throttle: 1, functional: 2, flash: 4, lockstep: 8 } as const;
const infoParser = new Parser()
  .endianness('little')
  .uint16('tiles')
  .uint16('caps')
  .uint8('bootSlot')
  .uint8('trial')
  .uint8('idLen')
  .uint8('fwLen')
  .string('boardId', { length: 'idLen', encoding: 'utf8' })
  .string('firmwareVersion', { length: 'fwLen', encoding: 'utf8' });

/** Bytes of one trusted key id in the INFO reply. */
const KEY_ID_BYTES = 8;
/** A board that is not lockstep appends its speed, u32 in millionths, after the key ids. */
const SPEED_BYTES = 4;
const SPEED_UNIT = 1e6;

export function encodeInfo(info: BoardInfo): Uint8Array {
  const id = utf8.encode(info.boardId).subarray(0, 255);
  const fw = utf8.encode(info.firmwareVersion).subarray(0, 255);
  const keys = info.trustedKeyIds.slice(0, 255);
  for (const k of keys)
    if (!/^[0-9a-f]{16}$/.test(k)) throw new RangeError(`key id "${k}" is not 8 bytes of lower-case hex`);
  const c = info.capabilities;
  const speedBytes = c.lockstep ? 0 : SPEED_BYTES;
  const { b, dv } = bytes(8 + id.length + fw.length + 1 + KEY_ID_BYTES * keys.length + speedBytes);
  dv.setUint16(0, info.tiles, true);
  dv.setUint16(
    2,
    (c.throttle ? INFO_CAP.throttle : 0) |
      (c.functional ? INFO_CAP.functional : 0) |
      (c.flash ? INFO_CAP.flash : 0) |
      (c.lockstep ? INFO_CAP.lockstep : 0),
    true,
  );
  dv.setUint8(4, info.bootSlot === 'B' ? 1 : 0);
  dv.setUint8(5, info.trial ? 1 : 0);
  dv.setUint8(6, id.length);
  dv.setUint8(7, fw.length);
  b.set(id, 8);
  b.set(fw, 8 + id.length);
  const k = 8 + id.length + fw.length;
  dv.setUint8(k, keys.length);
  keys.forEach((key, i) => b.set(Buffer.from(key, 'hex'), k + 1 + KEY_ID_BYTES * i));
  if (!c.lockstep) {
    const speed = Math.round((info.speed ?? 1) * SPEED_UNIT);
    if (speed < 1 || speed > 0xffffffff)
      throw new RangeError(`speed ${info.speed} does not fit the INFO reply`);
    dv.setUint32(k + 1 + KEY_ID_BYTES * keys.length, speed, true);
  }
  return b;
}
export function decodeInfo(p: Uint8Array): BoardInfo {
  const r = parse<{
    tiles: number;
    caps: number;
    bootSlot: number;
    trial: number;
    idLen: number;
    fwLen: number;
    boardId: string;
    firmwareVersion: string;
  }>(infoParser, p, 'INFO reply');
  const k = 8 + r.idLen + r.fwLen;
  const keyCount = p[k];
  const lockstep = (r.caps & INFO_CAP.lockstep) !== 0;
  const expected = k + 1 + KEY_ID_BYTES * (keyCount ?? 0) + (lockstep ? 0 : SPEED_BYTES);
  if (keyCount === undefined || expected !== p.length)
    throw new ProtocolError(
      `INFO reply: ${p.length} bytes, its string lengths, key count and lockstep bit say ${expected}`,
    );
  const speed = lockstep
    ? undefined
    : new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(expected - SPEED_BYTES, true) / SPEED_UNIT;
  const trustedKeyIds = Array.from({ length: keyCount }, (_, i) =>
    Buffer.from(p.subarray(k + 1 + KEY_ID_BYTES * i, k + 1 + KEY_ID_BYTES * (i + 1))).toString('hex'),
  );
  if (r.bootSlot > 1)
    throw new ProtocolError(`INFO reply: boot slot ${r.bootSlot} is neither 0 (A) nor 1 (B)`);
  return {
    boardId: r.boardId,
    firmwareVersion: r.firmwareVersion,
    tiles: r.tiles,
    capabilities: {
      throttle: (r.caps & INFO_CAP.throttle) !== 0,
      functional: (r.caps & INFO_CAP.functional) !== 0,
      flash: (r.caps & INFO_CAP.flash) !== 0,
      lockstep,
    },
    ...(speed === undefined ? {} : { speed }),
    bootSlot: r.bootSlot === 1 ? 'B' : 'A',
    trial: r.trial !== 0,
    trustedKeyIds,
  };
}

// ---- registers and memory --------------------------------------------------------------

const addrParser = new Parser().endianness('little').uint32('address');
const addrValueParser = new Parser().endianness('little').uint32('address').uint32('value');
const addrLengthParser = new Parser().endianness('little').uint32('address').uint32('length');
const valueParser = new Parser().endianness('little').uint32('value');

export function encodeAddress(address: number): Uint8Array {
  const { b, dv } = bytes(4);
  dv.setUint32(0, address >>> 0, true);
  return b;
}
export function decodeAddress(p: Uint8Array, what: string): number {
  return parse<{ address: number }>(addrParser, p, what, 4).address;
}
export function encodeAddressValue(address: number, value: number): Uint8Array {
  const { b, dv } = bytes(8);
  dv.setUint32(0, address >>> 0, true);
  dv.setUint32(4, value >>> 0, true);
  return b;
}
export function decodeAddressValue(p: Uint8Array, what: string): { address: number; value: number } {
  return parse(addrValueParser, p, what, 8);
}
/** WRITE_REGS payload: count u16, reserved u16, then count × (address u32, value u32). */
export const WRITE_REGS_HEADER_BYTES = 4;
export const WRITE_REGS_ENTRY_BYTES = 8;
export function encodeWriteRegs(writes: readonly { address: number; value: number }[]): Uint8Array {
  if (writes.length === 0 || writes.length > 0xffff)
    throw new RangeError(`WRITE_REGS carries 1–65535 writes, got ${writes.length}`);
  const { b, dv } = bytes(WRITE_REGS_HEADER_BYTES + WRITE_REGS_ENTRY_BYTES * writes.length);
  dv.setUint16(0, writes.length, true);
  writes.forEach((w, i) => {
    dv.setUint32(WRITE_REGS_HEADER_BYTES + WRITE_REGS_ENTRY_BYTES * i, w.address >>> 0, true);
    dv.setUint32(WRITE_REGS_HEADER_BYTES + WRITE_REGS_ENTRY_BYTES * i + 4, w.value >>> 0, true);
  });
  return b;
}
export function decodeWriteRegs(p: Uint8Array): { address: number; value: number }[] {
  if (p.length < WRITE_REGS_HEADER_BYTES)
    throw new ProtocolError(`WRITE_REGS request: payload is ${p.length} bytes, shorter than its header`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const count = dv.getUint16(0, true);
  if (count === 0 || p.length !== WRITE_REGS_HEADER_BYTES + WRITE_REGS_ENTRY_BYTES * count)
    throw new ProtocolError(
      `WRITE_REGS request: ${p.length} bytes for ${count} writes (expected ${WRITE_REGS_HEADER_BYTES + WRITE_REGS_ENTRY_BYTES * count}, at least one write)`,
    );
  return Array.from({ length: count }, (_, i) => ({
    address: dv.getUint32(WRITE_REGS_HEADER_BYTES + WRITE_REGS_ENTRY_BYTES * i, true),
    value: dv.getUint32(WRITE_REGS_HEADER_BYTES + WRITE_REGS_ENTRY_BYTES * i + 4, true),
  }));
}
export function encodeAddressLength(address: number, length: number): Uint8Array {
  return encodeAddressValue(address, length);
}
export function decodeAddressLength(p: Uint8Array, what: string): { address: number; length: number } {
  return parse(addrLengthParser, p, what, 8);
}
export function encodeValue(value: number): Uint8Array {
  return encodeAddress(value);
}
export function decodeValue(p: Uint8Array, what: string): number {
  return parse<{ value: number }>(valueParser, p, what, 4).value;
}

/** WRITE_MEM: address u32 then the data. */
export function encodeWriteMem(address: number, data: Uint8Array): Uint8Array {
  const { b, dv } = bytes(4 + data.length);
  dv.setUint32(0, address >>> 0, true);
  b.set(data, 4);
  return b;
}
export function decodeWriteMem(p: Uint8Array): { address: number; data: Uint8Array } {
  const address = parse<{ address: number }>(addrParser, p.subarray(0, 4), 'WRITE_MEM request', 4).address;
  return { address, data: p.subarray(4) };
}

// ---- ADVANCE and events ----------------------------------------------------------------

export const EVENT_KIND = { granule: 1, done: 2, fault: 3, log: 4 } as const;
const EVENT_RECORD_BYTES = 20;

const eventParser = new Parser()
  .endianness('little')
  .uint8('kind')
  .uint8('tile')
  .uint16('msgLen')
  .uint32('cycleLo')
  .uint32('cycleHi')
  .uint32('a')
  .uint32('b')
  .string('message', { length: 'msgLen', encoding: 'utf8' });
const eventsParser = new Parser().array('events', { type: eventParser, readUntil: 'eof' });
const advanceRequestParser = new Parser().endianness('little').uint32('lo').uint32('hi');
const advanceReplyHead = new Parser()
  .endianness('little')
  .uint32('cycleLo')
  .uint32('cycleHi')
  .uint32('firstEventSeq')
  .uint32('eventCount');
const eventFrameHead = new Parser().endianness('little').uint32('firstEventSeq');
const eventAckParser = new Parser().endianness('little').uint32('nextExpected').uint8('resend');
const nakParser = new Parser().endianness('little').uint16('expectedSeq');
const errorParser = new Parser()
  .endianness('little')
  .uint16('status')
  .uint16('msgLen')
  .string('message', { length: 'msgLen', encoding: 'utf8' });

export function eventRecordBytes(e: BoardEvent): number {
  return EVENT_RECORD_BYTES + (e.kind === 'log' ? Math.min(utf8.encode(e.message).length, 0xffff) : 0);
}

export function encodeEventsInto(events: readonly BoardEvent[], out: Uint8Array, offset: number): number {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let o = offset;
  for (const e of events) {
    const msg = e.kind === 'log' ? utf8.encode(e.message).subarray(0, 0xffff) : new Uint8Array(0);
    dv.setUint8(o, EVENT_KIND[e.kind]);
    dv.setUint8(o + 1, e.kind === 'log' ? 0 : e.tile);
    dv.setUint16(o + 2, msg.length, true);
    putU64(dv, o + 4, e.cycle);
    dv.setUint32(o + 12, e.kind === 'fault' ? e.address >>> 0 : e.kind === 'log' ? 0 : e.tag >>> 0, true);
    dv.setUint32(o + 16, e.kind === 'fault' ? e.code >>> 0 : 0, true);
    out.set(msg, o + EVENT_RECORD_BYTES);
    o += EVENT_RECORD_BYTES + msg.length;
  }
  return o;
}

export function encodeEvents(events: readonly BoardEvent[]): Uint8Array {
  const out = new Uint8Array(events.reduce((n, e) => n + eventRecordBytes(e), 0));
  encodeEventsInto(events, out, 0);
  return out;
}

interface RawEvent {
  kind: number;
  tile: number;
  msgLen: number;
  cycleLo: number;
  cycleHi: number;
  a: number;
  b: number;
  message: string;
}

export function decodeEvents(p: Uint8Array, what = 'event records'): BoardEvent[] {
  const raw = parse<{ events: RawEvent[] }>(eventsParser, p, what).events;
  return raw.map((r) => {
    const cycle = u64(r.cycleLo, r.cycleHi);
    switch (r.kind) {
      case EVENT_KIND.granule:
        return { kind: 'granule', tile: r.tile, cycle, tag: r.a };
      case EVENT_KIND.done:
        return { kind: 'done', tile: r.tile, cycle, tag: r.a };
      case EVENT_KIND.fault:
        return { kind: 'fault', tile: r.tile, cycle, address: r.a, code: r.b };
      case EVENT_KIND.log:
        return { kind: 'log', cycle, message: r.message };
      default:
        throw new ProtocolError(`${what}: unknown event kind ${r.kind}`);
    }
  });
}

export function encodeAdvanceRequest(untilCycle: number): Uint8Array {
  const { b, dv } = bytes(8);
  putU64(dv, 0, untilCycle);
  return b;
}
export function decodeAdvanceRequest(p: Uint8Array): number {
  const r = parse<{ lo: number; hi: number }>(advanceRequestParser, p, 'ADVANCE request', 8);
  return u64(r.lo, r.hi);
}

export interface AdvanceReply {
  cycle: number;
  firstEventSeq: number;
  eventCount: number;
  inline: BoardEvent[] | undefined;
}

/** `inline` undefined → the events travel as EVENT frames. */
export function encodeAdvanceReply(
  cycle: number,
  firstEventSeq: number,
  events: readonly BoardEvent[],
  inline: boolean,
): Uint8Array {
  const size = 16 + (inline ? events.reduce((n, e) => n + eventRecordBytes(e), 0) : 0);
  const { b, dv } = bytes(size);
  putU64(dv, 0, cycle);
  dv.setUint32(8, firstEventSeq >>> 0, true);
  dv.setUint32(12, events.length, true);
  if (inline) encodeEventsInto(events, b, 16);
  return b;
}
export function decodeAdvanceReply(p: Uint8Array): AdvanceReply {
  if (p.length < 16) throw new ProtocolError(`ADVANCE reply: ${p.length} bytes, expected at least 16`);
  const h = parse<{ cycleLo: number; cycleHi: number; firstEventSeq: number; eventCount: number }>(
    advanceReplyHead,
    p.subarray(0, 16),
    'ADVANCE reply',
  );
  const inline =
    p.length > 16 || h.eventCount === 0 ? decodeEvents(p.subarray(16), 'ADVANCE reply events') : undefined;
  if (inline !== undefined && p.length > 16 && inline.length !== h.eventCount)
    throw new ProtocolError(`ADVANCE reply: says ${h.eventCount} events, carries ${inline.length}`);
  return {
    cycle: u64(h.cycleLo, h.cycleHi),
    firstEventSeq: h.firstEventSeq,
    eventCount: h.eventCount,
    inline,
  };
}

export function encodeEventFrame(firstEventSeq: number, records: Uint8Array): Uint8Array {
  const { b, dv } = bytes(4 + records.length);
  dv.setUint32(0, firstEventSeq >>> 0, true);
  b.set(records, 4);
  return b;
}
export function decodeEventFrame(p: Uint8Array): { firstEventSeq: number; events: BoardEvent[] } {
  if (p.length < 4) throw new ProtocolError(`EVENT frame: ${p.length} bytes, expected at least 4`);
  const { firstEventSeq } = parse<{ firstEventSeq: number }>(eventFrameHead, p.subarray(0, 4), 'EVENT frame');
  return { firstEventSeq, events: decodeEvents(p.subarray(4), 'EVENT frame') };
}

export function encodeEventAck(nextExpected: number, resend: boolean): Uint8Array {
  const { b, dv } = bytes(5);
  dv.setUint32(0, nextExpected >>> 0, true);
  dv.setUint8(4, resend ? 1 : 0);
  return b;
}
export function decodeEventAck(p: Uint8Array): { nextExpected: number; resend: boolean } {
  const r = parse<{ nextExpected: number; resend: number }>(eventAckParser, p, 'EVENT_ACK', 5);
  return { nextExpected: r.nextExpected, resend: r.resend !== 0 };
}

export function encodeNak(expectedSeq: number): Uint8Array {
  const { b, dv } = bytes(2);
  dv.setUint16(0, expectedSeq, true);
  return b;
}
export function decodeNak(p: Uint8Array): number {
  return parse<{ expectedSeq: number }>(nakParser, p, 'NAK', 2).expectedSeq;
}

export function encodeError(status: number, message: string): Uint8Array {
  const msg = utf8.encode(message).subarray(0, 1024);
  const { b, dv } = bytes(4 + msg.length);
  dv.setUint16(0, status, true);
  dv.setUint16(2, msg.length, true);
  b.set(msg, 4);
  return b;
}
export function decodeError(p: Uint8Array): { status: number; message: string } {
  const r = parse<{ status: number; msgLen: number; message: string }>(errorParser, p, 'ERROR reply');
  if (4 + r.msgLen !== p.length)
    throw new ProtocolError(`ERROR reply: ${p.length} bytes, message length says ${4 + r.msgLen}`);
  return { status: r.status, message: r.message };
}
