// TLV trailer encoding: "CTTL" magic, total length (u32, including these 8 bytes), then
// records of type u16, length u16, value.
import { TRAILER_HEADER_BYTES, TRAILER_MAGIC } from './format.ts';
import type { Tlv } from './parse.ts';

export function encodeTrailer(tlvs: readonly Tlv[]): Uint8Array {
  const total = TRAILER_HEADER_BYTES + tlvs.reduce((n, t) => n + 4 + t.value.length, 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, TRAILER_MAGIC, true);
  dv.setUint32(4, total, true);
  let at = TRAILER_HEADER_BYTES;
  for (const t of tlvs) {
    dv.setUint16(at, t.type, true);
    dv.setUint16(at + 2, t.value.length, true);
    out.set(t.value, at + 4);
    at += 4 + t.value.length;
  }
  return out;
}
