// The full A/B cycles over the flash peripheral + boot ROM: flash → test boot → confirm,
// flash --no-confirm → reboot → revert, confirm/rollback commands, refusals, resume.
import test from 'ava';
import { EMU, MOCA_8T } from '../../boards/definitions.ts';
import { FlashError, ImageError } from '../../boards/errors.ts';
import { createFlashPeripheral } from '../../boards/emulator/flash/index.ts';
import {
  confirmBoot,
  flashImage,
  rollbackBoot,
  type FlashProgress,
} from '../../firmware-host/flash/index.ts';
import { generateKeyPair } from '../../firmware-host/image/index.ts';
import { FlashOnlyDevice } from './helpers/flash-device.ts';
import { makeImage } from './helpers/images.ts';

const v2 = { major: 2, minor: 1, patch: 3, build: 42 };

function board(def = EMU) {
  const flash = createFlashPeripheral(def);
  return { flash, dev: new FlashOnlyDevice(def, flash) };
}

test('flash → test boot → confirm: hello reports the new firmware, and it stays after reboots', async (t) => {
  const { dev } = board();
  const before = await dev.hello();
  t.is(before.firmwareVersion, '1.0.0+0');
  t.is(before.tiles, 4);
  t.is(before.bootSlot, 'A');

  const phases: FlashProgress['phase'][] = [];
  const r = await flashImage(
    dev,
    makeImage({ version: v2, manifest: { tiles: 2, throttle: false, functional: true }, bodyBytes: 70_000 }),
    {
      blockBytes: 32 * 1024,
      onProgress: (p) => {
        if (phases.at(-1) !== p.phase) phases.push(p.phase);
      },
    },
  );
  t.deepEqual(phases, ['connect', 'write', 'verify', 'reboot', 'confirm']);
  t.is(r.slot, 'B');
  t.true(r.confirmed);
  t.is(r.blocks, 3); // 70 000 + header/trailer bytes in 32 KiB blocks
  t.deepEqual(
    {
      v: r.hello.firmwareVersion,
      tiles: r.hello.tiles,
      throttle: r.hello.capabilities.throttle,
      slot: r.hello.bootSlot,
      trial: r.hello.trial,
    },
    { v: '2.1.3+42', tiles: 2, throttle: false, slot: 'B', trial: false },
  );
  await dev.reset();
  await dev.reset();
  const after = await dev.hello();
  t.deepEqual([after.firmwareVersion, after.bootSlot, after.trial], ['2.1.3+42', 'B', false]);

  // the next update goes to the other slot (A) and can roll back to B afterwards
  const r3 = await flashImage(
    dev,
    makeImage({
      version: { major: 3, minor: 0, patch: 0, build: 0 },
      manifest: { tiles: 4, throttle: true, functional: true },
    }),
  );
  t.is(r3.slot, 'A');
  t.is((await dev.hello()).firmwareVersion, '3.0.0+0');
  const back = await rollbackBoot(dev);
  t.deepEqual([back.slot, back.trial, back.hello.firmwareVersion], ['B', false, '2.1.3+42']);
});

test('flash --no-confirm leaves the new slot on trial; the next reboot reverts to the old firmware', async (t) => {
  const { dev } = board();
  const r = await flashImage(dev, makeImage({ version: v2 }), { confirm: false });
  t.false(r.confirmed);
  t.deepEqual([r.hello.bootSlot, r.hello.trial, r.hello.firmwareVersion], ['B', true, '2.1.3+42']);
  await dev.reset();
  const h = await dev.hello();
  t.deepEqual([h.bootSlot, h.trial, h.firmwareVersion], ['A', false, '1.0.0+0']);
  await t.throwsAsync(confirmBoot(dev), { instanceOf: FlashError, message: /nothing to confirm/ });
});

test('cotenant confirm keeps a trial; cotenant rollback drops it', async (t) => {
  const { dev } = board();
  await flashImage(dev, makeImage({ version: v2 }), { confirm: false });
  const c = await confirmBoot(dev);
  t.deepEqual([c.slot, c.trial], ['B', false]);
  await dev.reset();
  t.is((await dev.hello()).firmwareVersion, '2.1.3+42');

  const b = board();
  await flashImage(b.dev, makeImage({ version: v2 }), { confirm: false });
  const rb = await rollbackBoot(b.dev);
  t.deepEqual([rb.slot, rb.trial, rb.hello.firmwareVersion], ['A', false, '1.0.0+0']);
  // flashing while on trial is refused with what to do
  await flashImage(b.dev, makeImage({ version: v2 }), { confirm: false });
  await t.throwsAsync(flashImage(b.dev, makeImage({ version: { major: 9, minor: 0, patch: 0, build: 0 } })), {
    instanceOf: FlashError,
    message: /on trial.*cotenant confirm.*cotenant rollback/,
  });
});

test('rollback with nothing valid in the other slot is refused and changes nothing', async (t) => {
  const { dev } = board();
  await t.throwsAsync(rollbackBoot(dev), {
    instanceOf: FlashError,
    message: /other slot holds no bootable image.*EMPTY/,
  });
  t.is((await dev.hello()).bootSlot, 'A');
});

test('an image for another board is refused before anything is written', async (t) => {
  const { dev } = board();
  await t.throwsAsync(flashImage(dev, makeImage({ boards: ['MOC8'] })), {
    instanceOf: ImageError,
    message: /built for MOC8, not for this board \(CEMU\)/,
  });
  t.is(dev.calls.writeMemoryBytes, 0);
  const m = board(MOCA_8T);
  const r = await flashImage(
    m.dev,
    makeImage({ boards: ['MOC8'], manifest: { tiles: 8, throttle: true, functional: true } }),
  );
  t.is(r.hello.tiles, 8);
});

test('an image the board does not trust is refused before anything is erased: the fallback survives', async (t) => {
  const { dev, flash } = board();
  t.deepEqual((await dev.hello()).trustedKeyIds, [flash.trustedKeyIds()[0]]);
  t.regex(flash.trustedKeyIds()[0]!, /^[0-9a-f]{16}$/);
  await flashImage(dev, makeImage({ version: v2 })); // runs B now; A (factory) is the fallback
  const fallback = flash
    .flashBytes()
    .subarray(EMU.flash.slotA.base, EMU.flash.slotA.base + 4096)
    .slice();
  const sent = dev.calls.writeMemoryBytes;
  const foreign = makeImage({ key: generateKeyPair().privateKey, version: { ...v2, patch: 9 } });
  await t.throwsAsync(flashImage(dev, foreign), {
    instanceOf: ImageError,
    message: /signed by key [0-9a-f]{16}; the board trusts only [0-9a-f]{16}.*would refuse to boot it/,
  });
  await t.throwsAsync(flashImage(dev, makeImage({ key: null, version: { ...v2, patch: 8 } })), {
    instanceOf: ImageError,
    message: /not signed, so the board would refuse to boot it/,
  });
  t.is(dev.calls.writeMemoryBytes, sent, 'nothing staged');
  t.deepEqual(
    flash.flashBytes().subarray(EMU.flash.slotA.base, EMU.flash.slotA.base + 4096),
    fallback,
    'slot A untouched',
  );
  const back = await rollbackBoot(dev);
  t.deepEqual([back.slot, back.hello.firmwareVersion], ['A', '1.0.0+0'], 'rollback still has its fallback');
});

test('a rerun of a finished flash says "already installed" and leaves the other slot alone', async (t) => {
  const { dev, flash } = board();
  const img = makeImage({ version: v2, bodyBytes: 20_000 });
  const first = await flashImage(dev, img);
  t.deepEqual([first.slot, first.alreadyInstalled], ['B', false]);
  const fallback = flash
    .flashBytes()
    .subarray(EMU.flash.slotA.base, EMU.flash.slotA.base + 8192)
    .slice();
  const sent = dev.calls.writeMemoryBytes;
  const again = await flashImage(dev, img);
  t.like(again, { slot: 'B', alreadyInstalled: true, confirmed: true, stagedBytes: 0 });
  t.is(dev.calls.writeMemoryBytes, sent);
  t.is(dev.calls.reset, 1, 'no second test boot');
  t.deepEqual(flash.flashBytes().subarray(EMU.flash.slotA.base, EMU.flash.slotA.base + 8192), fallback);
  t.is((await rollbackBoot(dev)).hello.firmwareVersion, '1.0.0+0');
});

test('compressible images are sent deflated; incompressible ones raw', async (t) => {
  const a = board();
  const comp = makeImage({ bodyBytes: 200_000, body: 'pattern' });
  const rc = await flashImage(a.dev, comp);
  t.is(rc.compressedBlocks, rc.blocks);
  t.true(rc.stagedBytes < comp.length / 10);
  const b = board();
  const raw = makeImage({ bodyBytes: 200_000, body: 'random' });
  const rr = await flashImage(b.dev, raw);
  t.is(rr.compressedBlocks, 0);
  t.is(rr.stagedBytes, raw.length);
});

test('an interrupted flash resumes: blocks already on the board are not sent again', async (t) => {
  const { dev, flash } = board();
  const img = makeImage({ bodyBytes: 100_000 });
  // cut the power in the middle of the 3rd block's program (after 2 blocks = 2×8 erases + 2×128 pages)
  flash.armPowerCut({ atOp: 2 * 8 + 2 * 128 + 8 + 40, phase: 'mid' });
  await t.throwsAsync(flashImage(dev, img, { blockBytes: 32 * 1024 }), {
    instanceOf: FlashError,
    message: /run the same flash command again to resume/,
  });
  await dev.reset(); // power back
  t.is((await dev.hello()).firmwareVersion, '1.0.0+0');
  const r = await flashImage(dev, img, { blockBytes: 32 * 1024 });
  t.is(r.skippedBlocks, 2);
  t.is(r.blocks, 4);
  t.true(r.confirmed);
  t.is((await dev.hello()).firmwareVersion, '2.1.3+42');
  // an image already in the inactive slot is not sent again (here: B after a reverted trial)
  const c = board();
  await flashImage(c.dev, img, { confirm: false });
  await c.dev.reset(); // unconfirmed → back to A
  const again = await flashImage(c.dev, img);
  t.deepEqual(
    [again.slot, again.stagedBytes, again.skippedBlocks, again.confirmed],
    ['B', 0, again.blocks, true],
  );
});

test('progress is reported per staged chunk, never goes backwards, and ends at the image size', async (t) => {
  const { dev } = board();
  const img = makeImage({ bodyBytes: 300_000 });
  const writes: number[] = [];
  await flashImage(dev, img, {
    onProgress: (p) => {
      if (p.phase === 'write') writes.push(p.doneBytes);
      t.is(p.totalBytes, img.length);
    },
  });
  t.true(writes.length >= Math.floor(img.length / (16 * 1024)), `${writes.length} write updates`);
  t.deepEqual(
    writes,
    [...writes].sort((a, b) => a - b),
  );
  t.is(writes.at(-1), img.length);
});
