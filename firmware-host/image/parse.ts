// Parsing an image file into its parts (declarative, with binary-parser). Parsing checks
// structure only; integrity and signatures are checked by verifyImage (sign.ts). Every
// problem is an ImageError whose `reason` names it, never a RangeError from a reader.
import { Parser } from 'binary-parser';
import { ImageError } from '../../boards/errors.ts';
import {
  IMAGE_BOARD_SLOTS,
  IMAGE_FLAGS_KNOWN,
  IMAGE_FORMAT_VERSION,
  IMAGE_HEADER_BYTES,
  IMAGE_MAGIC,
  MANIFEST_BYTES,
  MANIFEST_CAP_FUNCTIONAL,
  MANIFEST_CAP_THROTTLE,
  MANIFEST_MAGIC,
  TLV_ED25519,
  TLV_KEY_ID,
  TLV_SHA256,
  TRAILER_HEADER_BYTES,
  TRAILER_MAGIC,
} from './format.ts';

export interface ImageVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly build: number;
}

export interface ImageHeader {
  readonly payloadSize: number;
  readonly loadAddress: number;
  readonly version: ImageVersion;
  /** Board id codes (4 ASCII chars, e.g. "CEMU") the image may boot on. */
  readonly boards: readonly string[];
  readonly flags: number;
}

export interface ImageManifest {
  readonly tiles: number;
  readonly throttle: boolean;
  readonly functional: boolean;
}

export interface Tlv {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface ParsedImage {
  readonly bytes: Uint8Array;
  readonly header: ImageHeader;
  /** Undefined when the payload does not start with a manifest (not an emulator-family image). */
  readonly manifest: ImageManifest | undefined;
  readonly payload: Uint8Array;
  /** Header + payload: what the SHA-256 covers. */
  readonly signedRegion: Uint8Array;
  readonly tlvs: readonly Tlv[];
  /** The SHA-256 the trailer claims (undefined if absent). */
  readonly claimedSha256: Uint8Array | undefined;
  readonly signatures: readonly { readonly keyId: string; readonly signature: Uint8Array }[];
}

interface RawHeader {
  magic: number;
  headerSize: number;
  formatVersion: number;
  payloadSize: number;
  loadAddress: number;
  major: number;
  minor: number;
  patch: number;
  reserved0: number;
  build: number;
  boards: Buffer;
  flags: number;
  reserved: Buffer;
}

const headerParser = new Parser()
  .endianness('little')
  .uint32('magic')
  .uint16('headerSize')
  .uint16('formatVersion')
  .uint32('payloadSize')
  .uint32('loadAddress')
  .uint8('major')
  .uint8('minor')
  .uint8('patch')
  .uint8('reserved0')
  .uint32('build')
  .buffer('boards', { length: 4 * IMAGE_BOARD_SLOTS })
  .uint32('flags')
  .buffer('reserved', { length: 20 });

const tlvParser = new Parser()
  .endianness('little')
  .uint16('type')
  .uint16('length')
  .buffer('value', { length: 'length' });
const trailerHeadParser = new Parser().endianness('little').uint32('magic').uint32('totalLength');
const tlvListParser = new Parser().array('tlvs', { type: tlvParser, readUntil: 'eof' });
const manifestParser = new Parser()
  .endianness('little')
  .uint32('magic')
  .uint16('size')
  .uint16('tiles')
  .uint32('caps')
  .uint32('reserved');

function parseWith<T>(parser: Parser, bytes: Uint8Array, what: string, reason: string): T {
  try {
    return parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as T;
  } catch (err) {
    throw new ImageError(
      `${what} is cut short or malformed (${err instanceof Error ? err.message : String(err)})`,
      reason,
    );
  }
}

export function parseImage(bytes: Uint8Array): ParsedImage {
  if (bytes.length < IMAGE_HEADER_BYTES)
    throw new ImageError(
      `image is ${bytes.length} bytes, shorter than its ${IMAGE_HEADER_BYTES}-byte header`,
      'truncated',
    );
  const h = parseWith<RawHeader>(
    headerParser,
    bytes.subarray(0, IMAGE_HEADER_BYTES),
    'image header',
    'truncated',
  );
  if (h.magic !== IMAGE_MAGIC)
    throw new ImageError(
      `not a cotenant firmware image (magic 0x${h.magic.toString(16)}, expected 0x${IMAGE_MAGIC.toString(16)} "CTFW")`,
      'bad-magic',
    );
  if (h.headerSize !== IMAGE_HEADER_BYTES)
    throw new ImageError(
      `header size ${h.headerSize} is not ${IMAGE_HEADER_BYTES}: image from an incompatible tool`,
      'bad-header',
    );
  if (h.formatVersion !== IMAGE_FORMAT_VERSION)
    throw new ImageError(
      `image format version ${h.formatVersion} is not supported (this tool reads ${IMAGE_FORMAT_VERSION})`,
      'bad-header',
    );
  if ((h.flags & ~IMAGE_FLAGS_KNOWN) !== 0)
    throw new ImageError(`unknown header flags 0x${h.flags.toString(16)}`, 'bad-header');
  if (h.reserved0 !== 0 || h.reserved.some((b) => b !== 0))
    throw new ImageError('reserved header bytes are not zero', 'bad-header');
  const boards = decodeBoards(h.boards);

  const trailerAt = IMAGE_HEADER_BYTES + h.payloadSize;
  if (trailerAt + TRAILER_HEADER_BYTES > bytes.length)
    throw new ImageError(
      `image declares a ${h.payloadSize}-byte payload but the file has ${bytes.length} bytes: truncated`,
      'truncated',
    );
  const t = parseWith<{ magic: number; totalLength: number }>(
    trailerHeadParser,
    bytes.subarray(trailerAt, trailerAt + TRAILER_HEADER_BYTES),
    'trailer',
    'truncated',
  );
  if (t.magic !== TRAILER_MAGIC)
    throw new ImageError(
      'no TLV trailer after the payload: truncated or not built by cotenant image build',
      'truncated',
    );
  if (t.totalLength < TRAILER_HEADER_BYTES || trailerAt + t.totalLength > bytes.length)
    throw new ImageError(
      `trailer claims ${t.totalLength} bytes but the file ends first: truncated`,
      'truncated',
    );
  if (trailerAt + t.totalLength !== bytes.length)
    throw new ImageError(
      `${bytes.length - trailerAt - t.totalLength} unexpected bytes after the trailer`,
      'bad-trailer',
    );
  const area = bytes.subarray(trailerAt + TRAILER_HEADER_BYTES, trailerAt + t.totalLength);
  const rawTlvs =
    area.length === 0
      ? []
      : parseWith<{ tlvs: { type: number; length: number; value: Buffer }[] }>(
          tlvListParser,
          area,
          'TLV trailer',
          'bad-trailer',
        ).tlvs;
  // binary-parser hands back a short buffer when a length runs past the end: check each record.
  if (
    rawTlvs.some((x) => x.value.length !== x.length) ||
    rawTlvs.reduce((n, x) => n + 4 + x.length, 0) !== area.length
  ) {
    throw new ImageError(
      'a TLV record in the trailer runs past its end: truncated or altered trailer',
      'bad-trailer',
    );
  }
  const tlvs = rawTlvs.map((x) => ({ type: x.type, value: new Uint8Array(x.value) }));

  const sha = tlvs.find((x) => x.type === TLV_SHA256);
  if (sha !== undefined && sha.value.length !== 32)
    throw new ImageError(`SHA-256 TLV holds ${sha.value.length} bytes, not 32`, 'bad-trailer');
  const payload = bytes.subarray(IMAGE_HEADER_BYTES, trailerAt);
  return {
    bytes,
    header: {
      payloadSize: h.payloadSize,
      loadAddress: h.loadAddress,
      version: { major: h.major, minor: h.minor, patch: h.patch, build: h.build },
      boards,
      flags: h.flags,
    },
    manifest: parseManifest(payload),
    payload,
    signedRegion: bytes.subarray(0, trailerAt),
    tlvs,
    claimedSha256: sha?.value,
    signatures: pairSignatures(tlvs),
  };
}

function decodeBoards(raw: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < IMAGE_BOARD_SLOTS; i++) {
    const entry = raw.subarray(4 * i, 4 * i + 4);
    if (entry.every((b) => b === 0)) continue;
    if (!entry.every((b) => b >= 0x21 && b <= 0x7e))
      throw new ImageError(
        `board compatibility entry ${i} is not four printable ASCII characters`,
        'bad-header',
      );
    out.push(entry.toString('ascii'));
  }
  if (out.length === 0) throw new ImageError('image names no compatible board', 'bad-header');
  return out;
}

function parseManifest(payload: Uint8Array): ImageManifest | undefined {
  if (payload.length < MANIFEST_BYTES) return undefined;
  const m = parseWith<{ magic: number; size: number; tiles: number; caps: number; reserved: number }>(
    manifestParser,
    payload.subarray(0, MANIFEST_BYTES),
    'manifest',
    'bad-manifest',
  );
  if (m.magic !== MANIFEST_MAGIC) return undefined;
  if (
    m.size !== MANIFEST_BYTES ||
    m.reserved !== 0 ||
    (m.caps & ~(MANIFEST_CAP_THROTTLE | MANIFEST_CAP_FUNCTIONAL)) !== 0
  ) {
    throw new ImageError(
      'firmware manifest has an unknown size, capability bit or non-zero reserved field',
      'bad-manifest',
    );
  }
  return {
    tiles: m.tiles,
    throttle: (m.caps & MANIFEST_CAP_THROTTLE) !== 0,
    functional: (m.caps & MANIFEST_CAP_FUNCTIONAL) !== 0,
  };
}

function pairSignatures(tlvs: readonly Tlv[]): { keyId: string; signature: Uint8Array }[] {
  const out: { keyId: string; signature: Uint8Array }[] = [];
  tlvs.forEach((t, i) => {
    const prev = tlvs[i - 1];
    if (t.type === TLV_ED25519 && prev !== undefined && prev.type === TLV_KEY_ID)
      out.push({ keyId: Buffer.from(prev.value).toString('hex'), signature: t.value });
  });
  return out;
}
