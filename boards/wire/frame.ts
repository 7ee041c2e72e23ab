// Frames on the byte stream: COBS(header | payload | CRC-32) followed by one 0x00
// delimiter. The header is parsed with binary-parser; everything that can go wrong with
// bytes from a wire raises ProtocolError, never anything else (fuzzed in test/drivers/wire.test.ts).
import { Parser } from 'binary-parser';
import { ProtocolError } from '../errors.ts';
import { cobsDecode, cobsEncodeInto, cobsMaxEncodedLength } from './cobs.ts';
import { crc32 } from './crc32.ts';
import {
  CRC_BYTES,
  HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_MIN,
} from './protocol.ts';

export interface Frame {
  readonly version: number;
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly payload: Uint8Array;
}

const headerParser = new Parser()
  .endianness('little')
  .uint8('version')
  .uint8('type')
  .uint8('flags')
  .uint8('reserved')
  .uint16('seq')
  .uint16('length');

interface Header {
  version: number;
  type: number;
  flags: number;
  reserved: number;
  seq: number;
  length: number;
}

/** Encoded size on the wire of a frame with `payloadBytes` of payload, delimiter included. */
export function encodedFrameBytes(payloadBytes: number): number {
  return cobsMaxEncodedLength(HEADER_BYTES + payloadBytes + CRC_BYTES) + 1;
}

/** Encodes one frame, delimiter included. */
export function encodeFrame(
  type: number,
  seq: number,
  payload: Uint8Array,
  flags = 0,
  version = PROTOCOL_VERSION,
): Uint8Array {
  if (payload.length > MAX_PAYLOAD_BYTES)
    throw new ProtocolError(`frame payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  const raw = new Uint8Array(HEADER_BYTES + payload.length + CRC_BYTES);
  const dv = new DataView(raw.buffer);
  raw[0] = version;
  raw[1] = type;
  raw[2] = flags;
  raw[3] = 0;
  dv.setUint16(4, seq & 0xffff, true);
  dv.setUint16(6, payload.length, true);
  raw.set(payload, HEADER_BYTES);
  dv.setUint32(HEADER_BYTES + payload.length, crc32(raw, 0, HEADER_BYTES + payload.length), true);
  const out = new Uint8Array(cobsMaxEncodedLength(raw.length) + 1);
  const end = cobsEncodeInto(raw, out, 0);
  out[end] = 0;
  return out.subarray(0, end + 1);
}

/** Decodes the bytes between two delimiters. Throws ProtocolError on any defect. */
export function decodeFrame(encoded: Uint8Array): Frame {
  const raw = cobsDecode(encoded);
  if (raw.length < HEADER_BYTES + CRC_BYTES)
    throw new ProtocolError(
      `frame of ${raw.length} bytes is shorter than header + CRC (${HEADER_BYTES + CRC_BYTES})`,
    );
  const bodyEnd = raw.length - CRC_BYTES;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const want = dv.getUint32(bodyEnd, true);
  const got = crc32(raw, 0, bodyEnd);
  if (want !== got)
    throw new ProtocolError(
      `frame CRC mismatch (got 0x${got.toString(16)}, frame says 0x${want.toString(16)})`,
    );
  const h = headerParser.parse(raw.subarray(0, HEADER_BYTES)) as Header;
  if (h.version < PROTOCOL_VERSION_MIN || h.version > PROTOCOL_VERSION)
    throw new ProtocolError(
      `frame protocol version ${h.version} not supported (this side speaks ${PROTOCOL_VERSION_MIN}..${PROTOCOL_VERSION})`,
    );
  if (h.reserved !== 0) throw new ProtocolError(`frame reserved header byte is ${h.reserved}, expected 0`);
  if (h.length !== bodyEnd - HEADER_BYTES)
    throw new ProtocolError(
      `frame length field says ${h.length} payload bytes, frame carries ${bodyEnd - HEADER_BYTES}`,
    );
  return {
    version: h.version,
    type: h.type,
    flags: h.flags,
    seq: h.seq,
    payload: raw.subarray(HEADER_BYTES, bodyEnd),
  };
}

/**
 * Splits a byte stream into frames. Bytes before the first delimiter after a (re)start are
 * whatever was on the line; a defective frame is reported to onError and skipped, the
 * decoder resynchronises at the next 0x00. Never throws.
 */
export class FrameDecoder {
  private buf: Uint8Array;
  private len = 0;
  private overflow = false;
  private readonly maxEncoded: number;

  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly onError: (err: ProtocolError) => void,
    maxPayloadBytes = MAX_PAYLOAD_BYTES,
  ) {
    this.maxEncoded = encodedFrameBytes(maxPayloadBytes);
    this.buf = new Uint8Array(Math.min(this.maxEncoded, 16384));
  }

  /** Forget a partial frame (after the port was reopened or input was flushed). */
  reset(): void {
    this.len = 0;
    this.overflow = false;
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      const z = chunk.indexOf(0, i);
      const end = z === -1 ? chunk.length : z;
      this.append(chunk.subarray(i, end));
      if (z === -1) return;
      this.finish();
      i = z + 1;
    }
  }

  private append(part: Uint8Array): void {
    if (this.overflow || part.length === 0) return;
    if (this.len + part.length > this.maxEncoded) {
      this.overflow = true;
      return;
    }
    if (this.len + part.length > this.buf.length) {
      const bigger = new Uint8Array(
        Math.min(this.maxEncoded, Math.max(this.buf.length * 2, this.len + part.length)),
      );
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.buf.set(part, this.len);
    this.len += part.length;
  }

  private finish(): void {
    const len = this.len;
    const overflow = this.overflow;
    this.reset();
    if (overflow) {
      this.onError(
        new ProtocolError(`frame longer than ${this.maxEncoded} encoded bytes without a delimiter; skipped`),
      );
      return;
    }
    if (len === 0) return; // back-to-back delimiters are idle fill
    let frame: Frame;
    try {
      frame = decodeFrame(this.buf.subarray(0, len)); // cobsDecode copies out
    } catch (err) {
      this.onError(
        err instanceof ProtocolError
          ? err
          : new ProtocolError(`undecodable frame: ${String(err)}`, { cause: err }),
      );
      return;
    }
    this.onFrame(frame);
  }
}
