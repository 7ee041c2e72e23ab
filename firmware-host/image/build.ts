// Building an unsigned image: header + manifest + opaque firmware bytes + a trailer holding
// only the SHA-256. `signImage` (sign.ts) adds signatures.
import { createHash } from 'node:crypto';
import { ImageError } from '../../boards/errors.ts';
import {
  FLAG_DEVELOPMENT,
  IMAGE_BOARD_SLOTS,
  IMAGE_FORMAT_VERSION,
  IMAGE_HEADER_BYTES,
  IMAGE_MAGIC,
  MANIFEST_BYTES,
  MANIFEST_CAP_FUNCTIONAL,
  MANIFEST_CAP_THROTTLE,
  MANIFEST_MAGIC,
  TLV_SHA256,
} from './format.ts';
import type { ImageManifest, ImageVersion } from './parse.ts';
import { encodeTrailer } from './trailer.ts';

export interface BuildOptions {
  /** Board id codes (BOARD_ID register values, e.g. "CEMU"), 1 to 4. */
  readonly boards: readonly string[];
  readonly version: ImageVersion;
  readonly manifest: ImageManifest;
  readonly loadAddress?: number;
  readonly development?: boolean;
  /** Firmware bytes after the manifest (code, tables…); default none. */
  readonly body?: Uint8Array;
}

export function buildImage(o: BuildOptions): Uint8Array {
  checkOptions(o);
  const body = o.body ?? new Uint8Array(0);
  const payloadSize = MANIFEST_BYTES + body.length;
  const out = new Uint8Array(IMAGE_HEADER_BYTES + payloadSize);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, IMAGE_MAGIC, true);
  dv.setUint16(4, IMAGE_HEADER_BYTES, true);
  dv.setUint16(6, IMAGE_FORMAT_VERSION, true);
  dv.setUint32(8, payloadSize, true);
  dv.setUint32(12, o.loadAddress ?? 0, true);
  dv.setUint8(16, o.version.major);
  dv.setUint8(17, o.version.minor);
  dv.setUint8(18, o.version.patch);
  dv.setUint32(20, o.version.build, true);
  o.boards.forEach((b, i) => out.set(Buffer.from(b, 'ascii'), 24 + 4 * i));
  dv.setUint32(40, o.development === true ? FLAG_DEVELOPMENT : 0, true);
  const m = IMAGE_HEADER_BYTES;
  dv.setUint32(m, MANIFEST_MAGIC, true);
  dv.setUint16(m + 4, MANIFEST_BYTES, true);
  dv.setUint16(m + 6, o.manifest.tiles, true);
  dv.setUint32(
    m + 8,
    (o.manifest.throttle ? MANIFEST_CAP_THROTTLE : 0) | (o.manifest.functional ? MANIFEST_CAP_FUNCTIONAL : 0),
    true,
  );
  out.set(body, IMAGE_HEADER_BYTES + MANIFEST_BYTES);
  const digest = createHash('sha256').update(out).digest();
  return Buffer.concat([out, encodeTrailer([{ type: TLV_SHA256, value: digest }])]);
}

function checkOptions(o: BuildOptions): void {
  if (o.boards.length < 1 || o.boards.length > IMAGE_BOARD_SLOTS)
    throw new ImageError(
      `an image names 1 to ${IMAGE_BOARD_SLOTS} boards, got ${o.boards.length}`,
      'bad-options',
    );
  for (const b of o.boards)
    if (!/^[\x21-\x7e]{4}$/.test(b))
      throw new ImageError(
        `board code "${b}" is not four printable ASCII characters (e.g. CEMU)`,
        'bad-options',
      );
  const { major, minor, patch, build } = o.version;
  for (const [name, v, max] of [
    ['major', major, 255],
    ['minor', minor, 255],
    ['patch', patch, 255],
    ['build', build, 0xffffffff],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max)
      throw new ImageError(`version ${name} ${v} must be an integer 0..${max}`, 'bad-options');
  }
  if (!Number.isInteger(o.manifest.tiles) || o.manifest.tiles < 1 || o.manifest.tiles > 0xffff)
    throw new ImageError(`manifest tiles ${o.manifest.tiles} must be 1..65535`, 'bad-options');
  const load = o.loadAddress ?? 0;
  if (!Number.isInteger(load) || load < 0 || load > 0xffffffff)
    throw new ImageError(`load address ${load} is not a 32-bit address`, 'bad-options');
}
