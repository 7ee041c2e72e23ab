// The flasher over an unreliable link: replies lost after the board acted (retried, and
// every step is idempotent), and a board that stops answering (size-scaled step timeout).
import test from 'ava';
import { EMU } from '../../boards/definitions.ts';
import { FlashError, ProtocolError } from '../../boards/errors.ts';
import { createFlashPeripheral } from '../../boards/emulator/flash/index.ts';
import type { Device } from '../../drivers/device.ts';
import { flashImage, stepTimeoutMs } from '../../firmware-host/flash/index.ts';
import { FlashOnlyDevice } from './helpers/flash-device.ts';
import { makeImage } from './helpers/images.ts';

/** Every `period`-th call is carried out by the board, but its reply is lost (ProtocolError).
 *  The period must exceed the calls of the longest step (sync + info: 8), or no retry can pass. */
function lossy(inner: Device, period: number): Device & { lost: number } {
  let calls = 0;
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const r = await fn(...a);
      if (++calls % period === 0) {
        out.lost++;
        throw new ProtocolError('reply lost (injected)');
      }
      return r;
    };
  const out = {
    lost: 0,
    board: inner.board,
    hello: () => inner.hello(),
    readRegister: wrap(inner.readRegister.bind(inner)),
    writeRegister: wrap(inner.writeRegister.bind(inner)),
    readMemory: wrap(inner.readMemory.bind(inner)),
    writeMemory: wrap(inner.writeMemory.bind(inner)),
    advance: (c: number) => inner.advance(c),
    reset: () => inner.reset(),
    close: () => inner.close(),
  };
  return out;
}

test('replies lost after the board acted: retried steps still produce a confirmed, correct update', async (t) => {
  for (const period of [9, 11, 13, 17]) {
    const dev = new FlashOnlyDevice(EMU, createFlashPeripheral(EMU));
    const flaky = lossy(dev, period);
    const r = await flashImage(flaky, makeImage({ bodyBytes: 90_000 }), { blockBytes: 16 * 1024 });
    t.true(flaky.lost > 5, `period ${period}: ${flaky.lost} losses injected`);
    t.true(r.confirmed);
    const h = await dev.hello();
    t.deepEqual([h.firmwareVersion, h.bootSlot, h.trial], ['2.1.3+42', 'B', false], `period ${period}`);
  }
});

test('a board that stops answering ends the step at its size-scaled timeout with a resume hint', async (t) => {
  const t0 = { baseMs: 5000, boardMsPerMiB: 30_000, linkBytesPerSecond: undefined };
  t.is(stepTimeoutMs(t0, { boardBytes: 512 * 1024 }), 20_000);
  // 115 200 baud: 64 KiB over the line is 5.7 s; twice that on top
  t.is(stepTimeoutMs({ ...t0, linkBytesPerSecond: 11_520 }, { linkBytes: 65_536 }), 5000 + 11_378);
  const dev = new FlashOnlyDevice(EMU, createFlashPeripheral(EMU));
  const stuck: Device = Object.assign(Object.create(dev) as FlashOnlyDevice, {
    writeMemory: () => new Promise<void>(() => {}),
  });
  await t.throwsAsync(
    flashImage(stuck, makeImage({ bodyBytes: 10_000 }), { timeouts: { baseMs: 30, boardMsPerMiB: 0 } }),
    { instanceOf: FlashError, message: /took longer than 30 ms.*run the same flash command again to resume/ },
  );
  t.is((await dev.hello()).firmwareVersion, '1.0.0+0');
});
