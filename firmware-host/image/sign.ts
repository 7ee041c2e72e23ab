// Signing and verifying images. A signature is a (KEY_ID, ED25519) TLV pair over the
// 32-byte SHA-256 of header + payload; an image may carry several (e.g. dev + production).
import { createHash, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { ImageError } from '../../boards/errors.ts';
import { TLV_ED25519, TLV_KEY_ID } from './format.ts';
import { keyId } from './keys.ts';
import { parseImage, type ParsedImage } from './parse.ts';
import { encodeTrailer } from './trailer.ts';

/** Returns the image with a signature by `privateKey` added (replacing one by the same key). */
export function signImage(image: Uint8Array, privateKey: KeyObject): Uint8Array {
  const parsed = parseImage(image);
  const digest = checkHash(parsed);
  const id = keyId(privateKey);
  const kept = dropSignaturesBy(parsed.tlvs, id);
  const tlvs = [
    ...kept,
    { type: TLV_KEY_ID, value: Buffer.from(id, 'hex') },
    { type: TLV_ED25519, value: edSign(null, digest, privateKey) },
  ];
  return Buffer.concat([parsed.signedRegion, encodeTrailer(tlvs)]);
}

export interface Verification {
  readonly image: ParsedImage;
  readonly sha256: string;
  /** Key id of the trusted key whose signature verified. */
  readonly keyId: string;
}

/**
 * Checks integrity and, against the given public keys, authenticity; optionally that the
 * image is built for a board. Throws ImageError with reason hash-mismatch, unsigned,
 * unknown-key, bad-signature or wrong-board, like the boot ROM's codes.
 */
export function verifyImage(
  image: Uint8Array | ParsedImage,
  publicKeys: readonly KeyObject[],
  board?: string,
): Verification {
  const parsed = image instanceof Uint8Array ? parseImage(image) : image;
  const digest = checkHash(parsed);
  if (parsed.signatures.length === 0)
    throw new ImageError('image is not signed; sign it with cotenant image sign --key <key.pem>', 'unsigned');
  const trusted = new Map(publicKeys.map((k) => [keyId(k), k]));
  const candidates = parsed.signatures.filter((s) => trusted.has(s.keyId));
  if (candidates.length === 0) {
    throw new ImageError(
      `image is signed by key ${parsed.signatures.map((s) => s.keyId).join(', ')}, none of which is trusted (${[...trusted.keys()].join(', ') || 'no keys given'})`,
      'unknown-key',
    );
  }
  const good = candidates.find(
    (s) => s.signature.length === 64 && edVerify(null, digest, trusted.get(s.keyId)!, s.signature),
  );
  if (good === undefined)
    throw new ImageError(
      `signature by key ${candidates[0]!.keyId} does not verify: the image or its trailer was altered`,
      'bad-signature',
    );
  if (board !== undefined) checkBoard(parsed, board);
  return { image: parsed, sha256: Buffer.from(digest).toString('hex'), keyId: good.keyId };
}

/**
 * Checks that a board trusting the keys with these ids would accept the image's signer
 * (without the public keys the signature itself cannot be checked here; the board's boot
 * ROM still verifies it before the image is ever selected). Throws ImageError unsigned or
 * unknown-key.
 */
export function checkSignedForKeyIds(parsed: ParsedImage, trustedKeyIds: readonly string[]): void {
  if (parsed.signatures.length === 0)
    throw new ImageError(
      'image is not signed, so the board would refuse to boot it; sign it with cotenant image sign --key <key.pem|dev>',
      'unsigned',
    );
  if (!parsed.signatures.some((s) => trustedKeyIds.includes(s.keyId)))
    throw new ImageError(
      `image is signed by key ${parsed.signatures.map((s) => s.keyId).join(', ')}; the board trusts only ${trustedKeyIds.join(', ') || 'no key'} (cotenant hello lists them), so it would refuse to boot it. Sign it with a key the board trusts`,
      'unknown-key',
    );
}

export function checkBoard(parsed: ParsedImage, board: string): void {
  if (!parsed.header.boards.includes(board)) {
    throw new ImageError(
      `image is built for ${parsed.header.boards.join(', ')}, not for this board (${board}); rebuild it with --board for this board`,
      'wrong-board',
    );
  }
}

/** The digest, after checking that the trailer's SHA-256 matches header + payload. */
export function checkHash(parsed: ParsedImage): Uint8Array {
  if (parsed.claimedSha256 === undefined)
    throw new ImageError('image trailer has no SHA-256 record', 'bad-trailer');
  const digest = createHash('sha256').update(parsed.signedRegion).digest();
  if (!digest.equals(parsed.claimedSha256))
    throw new ImageError(
      'image SHA-256 does not match its contents: the file was altered or damaged',
      'hash-mismatch',
    );
  return digest;
}

function dropSignaturesBy(tlvs: ParsedImage['tlvs'], id: string): ParsedImage['tlvs'] {
  const out: ParsedImage['tlvs'][number][] = [];
  for (let i = 0; i < tlvs.length; i++) {
    const t = tlvs[i]!;
    const next = tlvs[i + 1];
    if (t.type === TLV_KEY_ID && Buffer.from(t.value).toString('hex') === id && next?.type === TLV_ED25519) {
      i++;
      continue;
    }
    out.push(t);
  }
  return out;
}
