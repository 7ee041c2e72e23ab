// Ed25519 signing keys: generation, PEM files, key ids, and the public development key.
// The development key's seed is public (docs/image-format.md): images signed with it boot
// on every emulated board with the default provisioning, and on nothing that matters.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { ImageError } from '../../boards/errors.ts';
import { KEY_ID_BYTES } from './format.ts';

export const DEV_KEY_SEED_ASCII = 'cotenant-dev-key-DO-NOT-SHIP-v01';
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function devPrivateKey(): KeyObject {
  return createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(DEV_KEY_SEED_ASCII, 'ascii')]),
    format: 'der',
    type: 'pkcs8',
  });
}

export function generateKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

/** The 32 raw bytes of an Ed25519 public key (what a boot ROM is provisioned with). */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519')
    throw new ImageError(
      `key is ${pub.asymmetricKeyType ?? 'not asymmetric'}, firmware images are signed with Ed25519`,
      'bad-key',
    );
  return new Uint8Array(pub.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length));
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32)
    throw new ImageError(`an Ed25519 public key is 32 bytes, got ${raw.length}`, 'bad-key');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Key id: hex of the first 8 bytes of SHA-256 over the raw public key. */
export function keyId(key: KeyObject | Uint8Array): string {
  const raw = key instanceof Uint8Array ? key : rawPublicKey(key);
  return createHash('sha256').update(raw).digest().subarray(0, KEY_ID_BYTES).toString('hex');
}

export function privateKeyToPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function publicKeyToPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'pem', type: 'spki' }).toString();
}

/** Reads a private key from PEM text; throws ImageError when it is not an Ed25519 private key. */
export function privateKeyFromPem(pem: string, source = 'key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new ImageError(
      `${source} is not a PEM private key (${err instanceof Error ? err.message : String(err)}); create one with cotenant keygen`,
      'bad-key',
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ImageError(
      `${source} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; images are signed with Ed25519 (cotenant keygen)`,
      'bad-key',
    );
  return key;
}

/** Reads a public key from PEM text (a private key PEM also works: its public half is used). */
export function publicKeyFromPem(pem: string, source = 'key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new ImageError(
      `${source} is not a PEM public key (${err instanceof Error ? err.message : String(err)})`,
      'bad-key',
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ImageError(
      `${source} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; images are verified with Ed25519`,
      'bad-key',
    );
  return key;
}
