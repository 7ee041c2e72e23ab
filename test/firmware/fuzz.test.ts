// Fuzzing the image parser and verifiers: whatever the bytes, the host raises only
// ImageError and the boot ROM only returns a code (never throws).
import test from 'ava';
import fc from 'fast-check';
import { ImageError } from '../../boards/errors.ts';
import { BOOT } from '../../boards/emulator/flash/layout.ts';
import { DEV_PUBLIC_KEY, provisionKey, verifySlot } from '../../boards/emulator/flash/index.ts';
import { devPrivateKey, parseImage, verifyImage } from '../../firmware-host/image/index.ts';
import { makeImage } from './helpers/images.ts';

const dev = devPrivateKey();
const keys = [provisionKey(DEV_PUBLIC_KEY)];
const valid = makeImage({ bodyBytes: 64 });
const codes = new Set<number>(Object.values(BOOT));

function hostOutcome(bytes: Uint8Array): 'ok' | 'image-error' {
  try {
    parseImage(bytes);
    verifyImage(bytes, [dev], 'CEMU');
    return 'ok';
  } catch (err) {
    if (err instanceof ImageError) return 'image-error';
    throw err;
  }
}

function romCode(bytes: Uint8Array): number {
  const slot = new Uint8Array(Math.max(bytes.length, 256)).fill(0xff);
  slot.set(bytes);
  return verifySlot(slot, 'CEMU', 4, keys).code;
}

test('random bytes: typed errors only', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      t.is(hostOutcome(bytes), 'image-error');
      t.true(codes.has(romCode(bytes)));
    }),
    { seed: 20261122, numRuns: 1500 },
  );
});

test('mutated valid images (splices, truncations, field overwrites): typed errors only, never accepted when changed', (t) => {
  const mutation = fc.record({
    cut: fc.nat({ max: valid.length }),
    writes: fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 6,
    }),
    extra: fc.uint8Array({ maxLength: 8 }),
  });
  fc.assert(
    fc.property(mutation, ({ cut, writes, extra }) => {
      const m = new Uint8Array(valid);
      for (const [at, v] of writes) m[at] = v;
      const bytes = Buffer.concat([m.subarray(0, cut), extra]);
      const changed = !Buffer.from(bytes).equals(Buffer.from(valid));
      const host = hostOutcome(bytes);
      const rom = romCode(bytes);
      t.true(codes.has(rom));
      if (changed) {
        t.is(host, 'image-error');
        t.not(rom === BOOT.OK && bytes.length === valid.length, true);
      }
    }),
    { seed: 5, numRuns: 1500 },
  );
});
