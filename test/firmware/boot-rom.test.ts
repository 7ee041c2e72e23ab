import test from 'ava';
import { EMU } from '../../boards/definitions.ts';
import { BOOT } from '../../boards/emulator/flash/layout.ts';
import { DEV_PUBLIC_KEY, provisionKey, verifySlot } from '../../boards/emulator/flash/index.ts';
import { generateKeyPair, rawPublicKey } from '../../firmware-host/image/index.ts';
import { makeImage } from './helpers/images.ts';

const devKeys = [provisionKey(DEV_PUBLIC_KEY)];
const SLOT = 64 * 1024;

function inSlot(img: Uint8Array): Uint8Array {
  const slot = new Uint8Array(SLOT).fill(0xff);
  slot.set(img);
  return slot;
}

const rom = (img: Uint8Array, keys = devKeys, board = 'CEMU', tiles = EMU.tiles) =>
  verifySlot(inSlot(img), board, tiles, keys).code;

test('the boot ROM refuses unsigned, unknown-key, wrong-board, truncated and bad-manifest images with distinct codes', (t) => {
  t.is(rom(makeImage()), BOOT.OK);
  t.is(verifySlot(new Uint8Array(SLOT).fill(0xff), 'CEMU', 4, devKeys).code, BOOT.EMPTY);
  t.is(rom(makeImage({ key: null })), BOOT.UNSIGNED);
  t.is(rom(makeImage({ key: generateKeyPair().privateKey })), BOOT.UNKNOWN_KEY);
  t.is(rom(makeImage({ boards: ['MOC8'] })), BOOT.WRONG_BOARD);
  t.is(rom(makeImage({ boards: ['MOC8', 'CEMU'] })), BOOT.OK);
  t.is(rom(makeImage({ manifest: { tiles: 5, throttle: true, functional: true } })), BOOT.BAD_MANIFEST);
  const full = makeImage({ bodyBytes: 1000 });
  // Cut inside the signature, the erased tail (0xFF) reads as signature bytes: refused as such.
  t.is(rom(full.subarray(0, full.length - 10)), BOOT.BAD_SIGNATURE);
  t.is(rom(full.subarray(0, 500)), BOOT.TRUNCATED);
  const garbage = new Uint8Array(full);
  garbage[0] = 0;
  t.is(rom(garbage), BOOT.BAD_MAGIC);
});

test('a board provisioned with its own key trusts it and no longer the development key', (t) => {
  const mine = generateKeyPair();
  const keys = [provisionKey(rawPublicKey(mine.publicKey))];
  t.is(rom(makeImage({ key: mine.privateKey }), keys), BOOT.OK);
  t.is(rom(makeImage(), keys), BOOT.UNKNOWN_KEY);
});

test('the boot ROM detects tampering of every single byte of a signed image', (t) => {
  const img = makeImage({ bodyBytes: 40 });
  const missed: number[] = [];
  for (let i = 0; i < img.length; i++) {
    for (const mask of [0x01, 0x40]) {
      const bad = new Uint8Array(img);
      bad[i]! ^= mask;
      if (rom(bad) === BOOT.OK) missed.push(i);
    }
  }
  t.deepEqual(missed, []);
});
