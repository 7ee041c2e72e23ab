// The factory image: what an emulated board's slot A holds when it leaves the "factory",
// signed with the development key whose public half every emulated boot ROM trusts unless
// told otherwise. The development key is public knowledge (like MCUboot's sample keys):
// its 32-byte Ed25519 seed is the ASCII string below, in docs/image-format.md, and in the
// host tooling (`cotenant image sign --key dev`). Never ship a real board that trusts it.
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import type { BoardDefinition } from '../../types.ts';
import type { FirmwareManifest } from '../api.ts';
import {
  HDR,
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

export const DEV_KEY_SEED_ASCII = 'cotenant-dev-key-DO-NOT-SHIP-v01';
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

const devPrivate = createPrivateKey({
  key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(DEV_KEY_SEED_ASCII, 'ascii')]),
  format: 'der',
  type: 'pkcs8',
});

/** Raw 32-byte public half of the development key. */
export const DEV_PUBLIC_KEY: Uint8Array = new Uint8Array(
  createPublicKey(devPrivate).export({ format: 'der', type: 'spki' }).subarray(12),
);

export function factoryManifest(def: BoardDefinition): FirmwareManifest {
  return {
    version: { major: 1, minor: 0, patch: 0, build: 0 },
    tiles: def.tiles,
    throttle: def.throttleEngine,
    functional: true,
  };
}

/** A signed image whose payload is just the manifest (the emulator's firmware "code"). */
export function buildFactoryImage(
  def: BoardDefinition,
  manifest: FirmwareManifest = factoryManifest(def),
): Uint8Array {
  const body = new Uint8Array(IMAGE_HEADER_BYTES + MANIFEST_BYTES);
  const dv = new DataView(body.buffer);
  dv.setUint32(HDR.magic, IMAGE_MAGIC, true);
  dv.setUint16(HDR.headerSize, IMAGE_HEADER_BYTES, true);
  dv.setUint16(HDR.formatVersion, IMAGE_FORMAT_VERSION, true);
  dv.setUint32(HDR.payloadSize, MANIFEST_BYTES, true);
  dv.setUint8(HDR.major, manifest.version.major);
  dv.setUint8(HDR.minor, manifest.version.minor);
  dv.setUint8(HDR.patch, manifest.version.patch);
  dv.setUint32(HDR.build, manifest.version.build, true);
  body.set(Buffer.from(def.boardIdCode, 'ascii'), HDR.boards);
  dv.setUint32(HDR.flags, 1, true);
  const m = IMAGE_HEADER_BYTES;
  dv.setUint32(m, MANIFEST_MAGIC, true);
  dv.setUint16(m + 4, MANIFEST_BYTES, true);
  dv.setUint16(m + 6, manifest.tiles, true);
  dv.setUint32(
    m + 8,
    (manifest.throttle ? MANIFEST_CAP_THROTTLE : 0) | (manifest.functional ? MANIFEST_CAP_FUNCTIONAL : 0),
    true,
  );

  const digest = createHash('sha256').update(body).digest();
  const keyId = createHash('sha256').update(DEV_PUBLIC_KEY).digest().subarray(0, KEY_ID_BYTES);
  const signature = sign(null, digest, devPrivate);
  const tlvs = [tlv(TLV_SHA256, digest), tlv(TLV_KEY_ID, keyId), tlv(TLV_ED25519, signature)];
  const trailerLen = TRAILER_HEADER_BYTES + tlvs.reduce((n, t) => n + t.length, 0);
  const head = new Uint8Array(TRAILER_HEADER_BYTES);
  new DataView(head.buffer).setUint32(0, TRAILER_MAGIC, true);
  new DataView(head.buffer).setUint32(4, trailerLen, true);
  return Buffer.concat([body, head, ...tlvs]);
}

function tlv(type: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + value.length);
  new DataView(out.buffer).setUint16(0, type, true);
  new DataView(out.buffer).setUint16(2, value.length, true);
  out.set(value, 4);
  return out;
}
