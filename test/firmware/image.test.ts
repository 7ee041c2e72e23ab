import test from 'ava';
import { createHash } from 'node:crypto';
import { ImageError } from '../../boards/errors.ts';
import {
  buildImage,
  devPrivateKey,
  generateKeyPair,
  keyId,
  parseImage,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyFromPem,
  publicKeyToPem,
  rawPublicKey,
  signImage,
  verifyImage,
} from '../../firmware-host/image/index.ts';
import { makeImage } from './helpers/images.ts';

const dev = devPrivateKey();

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ImageError) return err.reason;
    throw err;
  }
  return 'accepted';
}

test('build writes the documented header fields, manifest and body', (t) => {
  const body = Uint8Array.from([1, 2, 3, 4, 5]);
  const img = buildImage({
    boards: ['CEMU', 'MOC8'],
    version: { major: 3, minor: 4, patch: 5, build: 0x01020304 },
    manifest: { tiles: 3, throttle: true, functional: false },
    body,
    loadAddress: 0x2000,
  });
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  t.is(Buffer.from(img.subarray(0, 4)).toString('ascii'), 'CTFW');
  t.is(dv.getUint16(4, true), 64);
  t.is(dv.getUint16(6, true), 1);
  t.is(dv.getUint32(8, true), 16 + 5); // manifest + body
  t.is(dv.getUint32(12, true), 0x2000);
  t.deepEqual([img[16], img[17], img[18]], [3, 4, 5]);
  t.is(dv.getUint32(20, true), 0x01020304);
  t.is(Buffer.from(img.subarray(24, 32)).toString('ascii'), 'CEMUMOC8');
  t.is(Buffer.from(img.subarray(64, 68)).toString('ascii'), 'CTMF');
  t.is(dv.getUint16(70, true), 3);
  t.is(dv.getUint32(72, true), 0b01); // throttle only
  t.deepEqual([...img.subarray(80, 85)], [1, 2, 3, 4, 5]);
  // trailer: "CTTL", length 8 + 4 + 32, one SHA-256 TLV over header + payload
  t.is(Buffer.from(img.subarray(85, 89)).toString('ascii'), 'CTTL');
  t.is(dv.getUint32(89, true), 44);
  t.is(dv.getUint16(93, true), 0x10);
  t.is(dv.getUint16(95, true), 32);
  t.deepEqual(Buffer.from(img.subarray(97, 129)), createHash('sha256').update(img.subarray(0, 85)).digest());
  t.is(img.length, 129);

  const p = parseImage(img);
  t.deepEqual(p.header.boards, ['CEMU', 'MOC8']);
  t.deepEqual(p.header.version, { major: 3, minor: 4, patch: 5, build: 0x01020304 });
  t.deepEqual(p.manifest, { tiles: 3, throttle: true, functional: false });
  t.is(p.signatures.length, 0);
});

test('sign adds a key id + Ed25519 pair; verify accepts the right key and names every failure', (t) => {
  const unsigned = makeImage({ key: null, bodyBytes: 100 });
  t.is(
    reasonOf(() => verifyImage(unsigned, [dev])),
    'unsigned',
  );
  const signed = signImage(unsigned, dev);
  t.is(signed.length, unsigned.length + (4 + 8) + (4 + 64));
  const v = verifyImage(signed, [dev], 'CEMU');
  t.is(v.keyId, keyId(dev));
  t.is(v.keyId, createHash('sha256').update(rawPublicKey(dev)).digest().subarray(0, 8).toString('hex'));

  const other = generateKeyPair();
  t.is(
    reasonOf(() => verifyImage(signed, [other.publicKey])),
    'unknown-key',
  );
  t.is(
    reasonOf(() => verifyImage(signed, [dev], 'MOC8')),
    'wrong-board',
  );
  // signing twice with the same key replaces, a second key adds
  t.is(signImage(signed, dev).length, signed.length);
  const both = signImage(signed, other.privateKey);
  t.is(parseImage(both).signatures.length, 2);
  t.is(verifyImage(both, [other.publicKey]).keyId, keyId(other.publicKey));
  t.is(
    reasonOf(() => parseImage(signed.subarray(0, signed.length - 1))),
    'truncated',
  );
  t.is(
    reasonOf(() => parseImage(Buffer.concat([signed, Buffer.from([0])]))),
    'bad-trailer',
  );
});

test('a signature copied onto a different image does not verify', (t) => {
  const a = makeImage({ bodyBytes: 10, seed: 1 });
  const b = makeImage({ bodyBytes: 10, seed: 2, key: null });
  const pa = parseImage(a);
  const pb = parseImage(b);
  const forged = Buffer.concat([pb.signedRegion, a.subarray(pa.signedRegion.length)]);
  t.is(
    reasonOf(() => verifyImage(forged, [dev])),
    'hash-mismatch',
  );
  // ...and with the SHA-256 patched to match, the signature check catches it
  const shaAt = pb.signedRegion.length + 8 + 4;
  forged.set(createHash('sha256').update(pb.signedRegion).digest(), shaAt);
  t.is(
    reasonOf(() => verifyImage(forged, [dev])),
    'bad-signature',
  );
});

test('tampering any single byte of a signed image is detected by the host verifier', (t) => {
  const img = makeImage({ bodyBytes: 48 });
  let detected = 0;
  for (let i = 0; i < img.length; i++) {
    for (const mask of [0x01, 0x80]) {
      const bad = new Uint8Array(img);
      bad[i]! ^= mask;
      const r = reasonOf(() => verifyImage(bad, [dev], 'CEMU'));
      if (r !== 'accepted') detected++;
      else t.fail(`flipping 0x${mask.toString(16)} at byte ${i} went undetected`);
    }
  }
  t.is(detected, 2 * img.length);
});

test('keys round-trip through PEM; bad key files raise ImageError', (t) => {
  const { privateKey } = generateKeyPair();
  const back = privateKeyFromPem(privateKeyToPem(privateKey));
  t.deepEqual(rawPublicKey(back), rawPublicKey(privateKey));
  t.deepEqual(rawPublicKey(publicKeyFromPem(publicKeyToPem(privateKey))), rawPublicKey(privateKey));
  t.is(
    reasonOf(() => privateKeyFromPem('not a key')),
    'bad-key',
  );
  t.is(
    reasonOf(() =>
      buildImage({
        boards: ['TOOLONG'],
        version: { major: 1, minor: 0, patch: 0, build: 0 },
        manifest: { tiles: 1, throttle: false, functional: false },
      }),
    ),
    'bad-options',
  );
  t.is(
    reasonOf(() =>
      buildImage({
        boards: ['CEMU'],
        version: { major: 256, minor: 0, patch: 0, build: 0 },
        manifest: { tiles: 1, throttle: false, functional: false },
      }),
    ),
    'bad-options',
  );
});
