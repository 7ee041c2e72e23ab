// The boot ROM's image verifier: small and strict, as a mask ROM would be. It reads a slot's
// bytes and answers with one BOOT code (docs/image-format.md) and, when the image is good,
// the manifest it declares. Checks run in the order the codes are numbered: structure,
// integrity (SHA-256), authenticity (Ed25519 under a provisioned key), board, manifest.
import { createHash, createPublicKey, verify as edVerify, type KeyObject } from 'node:crypto';
import type { FirmwareManifest } from '../api.ts';
import {
  BOOT,
  HDR,
  IMAGE_BOARD_SLOTS,
  IMAGE_FLAGS_KNOWN,
  IMAGE_FORMAT_VERSION,
  IMAGE_HEADER_BYTES,
  IMAGE_MAGIC,
  KEY_ID_BYTES,
  MANIFEST_BYTES,
  MANIFEST_CAP_FUNCTIONAL,
  MANIFEST_CAP_THROTTLE,
  MANIFEST_MAGIC,
  TLV_ED25519,
  TLV_KEY_ID,
  TLV_SHA256,
  TRAILER_HEADER_BYTES,
  TRAILER_MAGIC,
} from './layout.ts';

const SPKI_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

export interface ProvisionedKey {
  readonly id: string; // hex of the 8-byte key id
  readonly key: KeyObject;
}

export function provisionKey(raw: Uint8Array): ProvisionedKey {
  if (raw.length !== 32) throw new RangeError(`an Ed25519 public key is 32 raw bytes, got ${raw.length}`);
  const der = Buffer.concat([SPKI_ED25519_PREFIX, raw]);
  const id = createHash('sha256').update(raw).digest().subarray(0, KEY_ID_BYTES).toString('hex');
  return { id, key: createPublicKey({ key: der, format: 'der', type: 'spki' }) };
}

export interface SlotVerdict {
  readonly code: number;
  readonly manifest?: FirmwareManifest;
}

export function verifySlot(
  slot: Uint8Array,
  boardIdCode: string,
  boardTiles: number,
  keys: readonly ProvisionedKey[],
): SlotVerdict {
  if (slot.length < IMAGE_HEADER_BYTES) return { code: BOOT.TRUNCATED };
  const dv = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
  const magic = dv.getUint32(HDR.magic, true);
  if (magic === 0xffffffff) return { code: BOOT.EMPTY };
  if (magic !== IMAGE_MAGIC) return { code: BOOT.BAD_MAGIC };
  if (
    dv.getUint16(HDR.headerSize, true) !== IMAGE_HEADER_BYTES ||
    dv.getUint16(HDR.formatVersion, true) !== IMAGE_FORMAT_VERSION
  )
    return { code: BOOT.BAD_HEADER };
  if ((dv.getUint32(HDR.flags, true) & ~IMAGE_FLAGS_KNOWN) !== 0 || slot[HDR.reserved0] !== 0)
    return { code: BOOT.BAD_HEADER };
  for (let i = HDR.reserved; i < IMAGE_HEADER_BYTES; i++) if (slot[i] !== 0) return { code: BOOT.BAD_HEADER };

  const payloadSize = dv.getUint32(HDR.payloadSize, true);
  const trailerAt = IMAGE_HEADER_BYTES + payloadSize;
  if (trailerAt + TRAILER_HEADER_BYTES > slot.length) return { code: BOOT.TRUNCATED };
  if (dv.getUint32(trailerAt, true) !== TRAILER_MAGIC) return { code: BOOT.TRUNCATED };
  const trailerLen = dv.getUint32(trailerAt + 4, true);
  if (trailerLen < TRAILER_HEADER_BYTES || trailerAt + trailerLen > slot.length)
    return { code: BOOT.TRUNCATED };

  const tlvs = readTlvs(slot.subarray(trailerAt + TRAILER_HEADER_BYTES, trailerAt + trailerLen));
  if (tlvs === undefined) return { code: BOOT.BAD_TRAILER };
  const hash = tlvs.find((t) => t.type === TLV_SHA256);
  if (hash === undefined || hash.value.length !== 32) return { code: BOOT.BAD_TRAILER };
  const digest = createHash('sha256').update(slot.subarray(0, trailerAt)).digest();
  if (!digest.equals(hash.value)) return { code: BOOT.HASH_MISMATCH };

  const signed = signatures(tlvs);
  if (signed.length === 0) return { code: BOOT.UNSIGNED };
  const trusted = signed.flatMap((s) =>
    keys.filter((k) => k.id === s.keyId).map((k) => ({ ...s, key: k.key })),
  );
  if (trusted.length === 0) return { code: BOOT.UNKNOWN_KEY };
  if (!trusted.some((s) => s.signature.length === 64 && edVerify(null, digest, s.key, s.signature)))
    return { code: BOOT.BAD_SIGNATURE };

  if (!boardListed(slot, boardIdCode)) return { code: BOOT.WRONG_BOARD };
  const manifest = readManifest(dv, payloadSize, boardTiles);
  return manifest === undefined ? { code: BOOT.BAD_MANIFEST } : { code: BOOT.OK, manifest };
}

interface Tlv {
  readonly type: number;
  readonly value: Buffer;
}

function readTlvs(area: Uint8Array): Tlv[] | undefined {
  const out: Tlv[] = [];
  const dv = new DataView(area.buffer, area.byteOffset, area.byteLength);
  let at = 0;
  while (at < area.length) {
    if (at + 4 > area.length) return undefined;
    const type = dv.getUint16(at, true);
    const len = dv.getUint16(at + 2, true);
    if (at + 4 + len > area.length) return undefined;
    out.push({ type, value: Buffer.from(area.subarray(at + 4, at + 4 + len)) });
    at += 4 + len;
  }
  return out;
}

/** (key id, signature) pairs: each ED25519 TLV belongs to the KEY_ID TLV right before it. */
function signatures(tlvs: readonly Tlv[]): { keyId: string; signature: Buffer }[] {
  const out: { keyId: string; signature: Buffer }[] = [];
  tlvs.forEach((t, i) => {
    const prev = tlvs[i - 1];
    if (t.type === TLV_ED25519 && prev !== undefined && prev.type === TLV_KEY_ID)
      out.push({ keyId: prev.value.toString('hex'), signature: t.value });
  });
  return out;
}

function boardListed(slot: Uint8Array, code: string): boolean {
  for (let i = 0; i < IMAGE_BOARD_SLOTS; i++) {
    const entry = String.fromCharCode(...slot.subarray(HDR.boards + 4 * i, HDR.boards + 4 * i + 4));
    if (entry === code) return true;
  }
  return false;
}

function readManifest(dv: DataView, payloadSize: number, boardTiles: number): FirmwareManifest | undefined {
  if (payloadSize < MANIFEST_BYTES) return undefined;
  const at = IMAGE_HEADER_BYTES;
  if (dv.getUint32(at, true) !== MANIFEST_MAGIC || dv.getUint16(at + 4, true) !== MANIFEST_BYTES)
    return undefined;
  const tiles = dv.getUint16(at + 6, true);
  const caps = dv.getUint32(at + 8, true);
  if (
    tiles < 1 ||
    tiles > boardTiles ||
    (caps & ~(MANIFEST_CAP_THROTTLE | MANIFEST_CAP_FUNCTIONAL)) !== 0 ||
    dv.getUint32(at + 12, true) !== 0
  )
    return undefined;
  return {
    version: {
      major: dv.getUint8(HDR.major),
      minor: dv.getUint8(HDR.minor),
      patch: dv.getUint8(HDR.patch),
      build: dv.getUint32(HDR.build, true),
    },
    tiles,
    throttle: (caps & MANIFEST_CAP_THROTTLE) !== 0,
    functional: (caps & MANIFEST_CAP_FUNCTIONAL) !== 0,
  };
}
