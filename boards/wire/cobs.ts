// Consistent Overhead Byte Stuffing: removes every 0x00 from a frame so 0x00 can delimit
// frames on a byte stream. Overhead is at most one byte per 254 plus one, i.e. ≈0.4%.
// Runs are copied with set()/indexOf() rather than byte by byte: the link's throughput
// target depends on it.
import { ProtocolError } from '../errors.ts';

/** Largest encoded size of `n` input bytes (without the delimiter). */
export function cobsMaxEncodedLength(n: number): number {
  return n + Math.floor(n / 254) + 1;
}

/** Encodes src into out at `offset`; returns the offset just past the encoding. */
export function cobsEncodeInto(src: Uint8Array, out: Uint8Array, offset: number): number {
  const n = src.length;
  let o = offset;
  let i = 0;
  let z = src.indexOf(0); // next zero at or after i, cached so long zero-free data stays linear
  for (;;) {
    if (z !== -1 && z < i) z = src.indexOf(0, i);
    const maxEnd = Math.min(n, i + 254);
    const runEnd = z !== -1 && z < maxEnd ? z : maxEnd;
    const len = runEnd - i;
    out[o++] = len + 1;
    out.set(src.subarray(i, runEnd), o);
    o += len;
    if (runEnd < n && len < 254) {
      i = runEnd + 1; // the zero that ended the run is implied by the code byte
      continue;
    }
    if (runEnd >= n) return o;
    i = runEnd; // a full 254-byte block implies no zero
  }
}

export function cobsEncode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(src.length));
  return out.subarray(0, cobsEncodeInto(src, out, 0));
}

/** Decodes one COBS block sequence (no delimiter inside). Throws ProtocolError on a
 *  zero byte or on a code byte that runs past the end. */
export function cobsDecode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length);
  let o = 0;
  let i = 0;
  const n = src.length;
  const zero = src.indexOf(0);
  if (zero !== -1) throw new ProtocolError(`COBS: zero byte inside a frame at offset ${zero}`);
  while (i < n) {
    const code = src[i]!;
    const end = i + code;
    if (end > n)
      throw new ProtocolError(`COBS: block at offset ${i} runs ${end - n} byte(s) past the frame end`);
    out.set(src.subarray(i + 1, end), o);
    o += code - 1;
    i = end;
    if (code < 255 && i < n) out[o++] = 0;
  }
  return out.subarray(0, o);
}
