// Wire protocol constants shared by the host transports (drivers/serial) and the board's
// firmware command loop (boards/emulator/serial-firmware). docs/protocol.md explains the
// rules; this file only names the numbers.

export const PROTOCOL_VERSION = 1;
/** Oldest protocol version this code still speaks. */
export const PROTOCOL_VERSION_MIN = 1;

/** Frame header: version u8 | type u8 | flags u8 | reserved u8 | seq u16 | length u16. */
export const HEADER_BYTES = 8;
export const CRC_BYTES = 4;
/** Largest payload any frame may carry (the length field is 16 bits). */
export const MAX_PAYLOAD_BYTES = 0xffff;
/** Payload size the host asks for unless told otherwise: 4 KiB of bulk data + its 4-byte address. */
export const DEFAULT_PAYLOAD_BYTES = 4096 + 4;
/** Requests the host keeps in flight; the board's reply cache is larger (REPLY_CACHE_DEPTH). */
export const DEFAULT_WINDOW = 16;
/** Replies the board keeps by sequence number so a retried request is answered, not re-executed. */
export const REPLY_CACHE_DEPTH = 64;
/** Out-of-order requests the board buffers while waiting for a lost one. */
export const REORDER_DEPTH = 32;
/** Unacknowledged event records the board keeps for retransmission. */
export const EVENT_QUEUE_DEPTH = 4096;

/** Request types (host → board, sequenced unless noted). A reply has type | REPLY. */
export const MsgType = {
  /** Unsequenced session handshake: version + capability negotiation, new session. */
  SYNC: 0x01,
  /** BoardInfo of the booted firmware (what Device.hello reports). */
  INFO: 0x02,
  READ_REG: 0x03,
  WRITE_REG: 0x04,
  READ_MEM: 0x05,
  WRITE_MEM: 0x06,
  ADVANCE: 0x07,
  RESET: 0x08,
  /** Several register writes applied in order at one board time (LinkCaps.BATCH_WRITES). */
  WRITE_REGS: 0x09,
  /** Unsequenced, host → board: cumulative event acknowledgement (optionally: resend). */
  EVENT_ACK: 0x10,
  /** Unsequenced, board → host: event records. */
  EVENT: 0x20,
  /** Unsequenced, board → host: "I am missing request seq" (a gap in the sequence). */
  NAK: 0x21,
  /** Reply to a sequenced request that failed; payload = status u16 | message. */
  ERROR: 0x7f,
  REPLY: 0x80,
} as const;

export const MSG_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(MsgType).map(([k, v]) => [v, k]),
);

/** Frame flag bits. */
export const FLAG_RETRANSMIT = 0x01;

/** ERROR reply status codes. */
export const Status = {
  /** Payload does not parse for its type. → ProtocolError */
  BAD_REQUEST: 1,
  /** Address outside the board's windows, misaligned register, length too large. → DeviceFault */
  RANGE: 2,
  /** The board has no session (it booted since the last SYNC). → the host re-syncs. */
  NO_SESSION: 3,
  /** Sequence number older than the reply cache (cannot answer exactly once). → ProtocolError */
  STALE_SEQ: 4,
  /** Sequence number further ahead than the reorder window. → ProtocolError */
  BAD_SEQ: 5,
  /** Unknown request type. → ProtocolError */
  UNSUPPORTED: 6,
  /** The board failed while executing. → DeviceFault */
  INTERNAL: 7,
} as const;

/** SYNC capability bits (the board's answer says which the link supports). */
export const LinkCaps = {
  /** Events of an ADVANCE travel inline in its reply (else as EVENT frames only). */
  INLINE_EVENTS: 1 << 0,
  /** The board raises events without being asked (free-running hardware). */
  FREE_RUNNING: 1 << 1,
  /** The board executes WRITE_REGS (several register writes in one frame). */
  BATCH_WRITES: 1 << 2,
} as const;

/** Sequence arithmetic on the 16-bit space: distance from `from` forward to `to`. */
export function seqDistance(from: number, to: number): number {
  return (to - from) & 0xffff;
}

export function nextSeq(seq: number): number {
  return (seq + 1) & 0xffff;
}
